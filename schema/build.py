"""The one Strawberry schema: queries, mutations and subscriptions."""

from __future__ import annotations

import strawberry
from django.conf import settings
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext
from strawberry_django.optimizer import DjangoOptimizerExtension

from .errors import is_fault, should_mask
from .guard import RequestGuard
from .limits import validation_rules
from .metrics import OperationMetrics
from .mutations.booking import BookingMutation
from .mutations.holds import HoldMutation
from .mutations.manage import ManageMutation
from .mutations.notifications import NotificationMutation
from .mutations.queue import QueueMutation
from .mutations.session import SessionMutation
from .queries.availability import AvailabilityQuery
from .queries.bookings import BookingQuery
from .queries.catalog import CatalogQuery
from .queries.me import MeQuery
from .queries.notifications import NotificationQuery
from .queries.proof_of_work import ProofOfWorkQuery
from .queries.queue import KioskQuery, QueueQuery, QueueStatsQuery
from .scalars import SCALAR_OVERRIDES
from .subscriptions import Subscription


@strawberry.type(
    description="Read the catalog, availability and bookings.\n\n"
    "Every request is bounded. Its estimated cost must stay within the caller's budget "
    "(50,000 for anonymous callers, 200,000 for staff, API tokens and devices by default): "
    "every field costs 1, and a list counts its `limit`/`first` argument or 10 items, "
    "multiplying everything selected inside it. A list selected inside itself or leading "
    "straight back to the list around it (`Location.services { locations }`) is refused "
    "(NESTED_LIST_REFUSED). Refusals are top-level errors: QUERY_TOO_COSTLY with `cost` and "
    "`budget`, DOCUMENT_TOO_LARGE (more than 2,000 fields with fragments expanded), and "
    "TIMEOUT (more than 10 s of work). Operations are sent by POST as JSON."
)
class Query(
    CatalogQuery,
    AvailabilityQuery,
    BookingQuery,
    QueueQuery,
    KioskQuery,
    QueueStatsQuery,
    MeQuery,
    NotificationQuery,
    ProofOfWorkQuery,
):
    pass


@strawberry.type(description="Book and manage appointments; run the live queue.")
class Mutation(
    HoldMutation,
    BookingMutation,
    ManageMutation,
    QueueMutation,
    SessionMutation,
    NotificationMutation,
):
    pass


class Schema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only real faults: errors raised while resolving fields that are not one of our
        public answers. The request's own mistakes (syntax, validation, variables, limits) and
        public errors (FORBIDDEN, NOT_FOUND, TIMEOUT, …) are answered to the client; logging
        them would bury real faults under tracebacks, and messages about invalid variables
        quote their values, e.g. a citizen's name or phone number, which must never be logged."""
        super().process_errors([e for e in errors if is_fault(e)], execution_context)


def build_schema(debug: bool) -> strawberry.Schema:
    """The same types either way; `debug` only lifts the introspection ban and error masking."""
    rules = validation_rules(debug)
    extensions: list = [
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=256),
        RequestGuard,  # before ValidationCache: the expanded size is checked before any rule
        lambda: ValidationCache(maxsize=256),
        DjangoOptimizerExtension,
        OperationMetrics,
    ]
    if not debug:
        extensions.append(lambda: MaskErrors(should_mask_error=should_mask))
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        scalar_overrides=SCALAR_OVERRIDES,
    )


schema = build_schema(settings.DEBUG)
