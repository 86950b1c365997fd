"""One error convention for the whole schema.

Business failures are data: each mutation payload has `errors: [UserError!]!` with a stable
`code`. Auth failures and bad arguments to queries are top-level errors with
`extensions.code`; everything else is a bug and is masked outside debug. runner.py applies
this to every mutation and query field; resolvers do not catch refusals themselves.
"""

from __future__ import annotations

import strawberry
from django.core.exceptions import PermissionDenied
from graphql import GraphQLError

from backend.core.errors import DomainError, DomainErrors
from backend.core.errors import ErrorCode as DomainErrorCode

# Registers the domain enum itself as the GraphQL enum `ErrorCode`: one list of codes.
strawberry.enum(
    DomainErrorCode,
    name="ErrorCode",
    description="Stable codes for expected failures; clients switch on these, not on messages.",
)


@strawberry.type(description="A business rule said no; nothing was changed.")
class UserError:
    code: DomainErrorCode = strawberry.field(description="Stable machine-readable reason.")
    message: str = strawberry.field(description="Explanation for people (English).")
    field: str | None = strawberry.field(
        description="The input field the error is about, when there is one."
    )
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="With RATE_LIMITED: whole seconds until the next attempt may pass.",
    )


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [
        UserError(
            code=e.code,
            message=e.message,
            field=e.field,
            retry_after_seconds=getattr(e, "retry_after", None),
        )
        for e in errors
    ]


class PublicError(GraphQLError):
    """A top-level error whose message is safe to show (never masked)."""

    def __init__(self, message: str, code: str):
        super().__init__(message, extensions={"code": code})


def as_public_error(exc: DomainError) -> PublicError:
    error = PublicError(exc.message, str(exc.code))
    if (retry_after := getattr(exc, "retry_after", None)) is not None:
        error.extensions = {**(error.extensions or {}), "retryAfterSeconds": retry_after}
    return error


def forbidden(exc: PermissionDenied | None = None) -> PublicError:
    return PublicError(str(exc) if exc and str(exc) else "Not allowed.", "FORBIDDEN")


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions (bugs); keep what is about the request itself: validation
    errors, invalid variables, and our public errors (all GraphQLErrors)."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


def is_fault(error: GraphQLError) -> bool:
    """A bug worth a traceback in the log: raised while resolving a field, and not a
    GraphQLError (our public errors and limits are GraphQLErrors, answered to the client)."""
    return error.path is not None and not isinstance(error.original_error, GraphQLError)
