"""The one place where a use case's refusals become GraphQL answers.

Every mutation is declared with `mutation(...)`, and every query field that calls a use case
with `field(...)`; resolvers then only parse input, call a service and build the payload:

- `DomainError` / `DomainErrors` (a business rule said no): a payload type with `errors`
  answers them there, with its other fields at their defaults (null, false); any other field
  answers a top-level error with the code in `extensions.code`, or null with
  `null_when_refused` (lookups by secret, where "wrong secret" and "no such thing" must look
  alike; RATE_LIMITED is still said, so the client knows to wait).
- `PermissionDenied`: a top-level FORBIDDEN error and no data.
- Anything else is a bug: it is not caught here, so it is logged (Schema.process_errors) and
  masked outside debug (MaskErrors in build.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from django.core.exceptions import PermissionDenied
from graphql import GraphQLError
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

from backend.core.errors import DomainError
from backend.core.ratelimit import RateLimited

from .errors import as_public_error, forbidden, user_errors

T = TypeVar("T")


def refusal_error(exc: DomainError | PermissionDenied) -> GraphQLError:
    """The top-level error for a refusal outside a payload."""
    return forbidden(exc) if isinstance(exc, PermissionDenied) else as_public_error(exc)


def _payload_type(field: StrawberryField) -> type | None:
    """The field's type if it is a payload (an object type with `errors`)."""
    definition = get_object_definition(field.type)
    if definition is not None and any(f.python_name == "errors" for f in definition.fields):
        return definition.origin
    return None


class Refusals(FieldExtension):
    def __init__(self, *, null_when_refused: bool = False):
        self.null_when_refused = null_when_refused
        self.payload: type | None = None

    def apply(self, field: StrawberryField) -> None:
        self.payload = _payload_type(field)
        if self.payload is not None and self.null_when_refused:
            raise TypeError(f"{field.python_name}: a payload answers refusals in `errors`")

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        try:
            return next_(source, info, **kwargs)
        except PermissionDenied as exc:
            raise forbidden(exc) from exc
        except DomainError as exc:
            if self.payload is not None:
                return self.payload(errors=user_errors(exc))
            if self.null_when_refused and not isinstance(exc, RateLimited):
                return None
            raise as_public_error(exc) from exc


def mutation(*, description: str) -> Any:
    """`strawberry.mutation` whose refusals are answered as described above."""
    return strawberry.mutation(description=description, extensions=[Refusals()])


def field(*, description: str, null_when_refused: bool = False) -> Any:
    """`strawberry.field` whose refusals are answered as described above."""
    return strawberry.field(
        description=description, extensions=[Refusals(null_when_refused=null_when_refused)]
    )


def refusals_raised(func: Callable[..., T]) -> Callable[..., T]:
    """For code a subscription runs before and between its updates (field extensions do not
    wrap async generators): refusals become the same top-level errors as in queries."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return func(*args, **kwargs)
        except (DomainError, PermissionDenied) as exc:
            raise refusal_error(exc) from exc

    return run
