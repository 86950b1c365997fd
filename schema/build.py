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

from .errors import should_mask
from .limits import validation_rules
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
from .subscriptions import Subscription


@strawberry.type(description="Read the catalog, availability and bookings.")
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
        """Log errors raised while resolving fields, not the request's own mistakes (syntax,
        validation, variables): those are answered to the client, and messages about invalid
        variables quote their values, e.g. a citizen's name, e-mail address or phone number,
        which must never reach the logs."""
        super().process_errors([e for e in errors if e.path is not None], execution_context)


def build_schema(debug: bool) -> strawberry.Schema:
    """The same types either way; `debug` only lifts the introspection ban and error masking."""
    rules = validation_rules(debug)
    extensions: list = [
        lambda: MaxTokensLimiter(max_token_count=settings.GRAPHQL_MAX_TOKENS),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        DjangoOptimizerExtension,
    ]
    if not debug:
        extensions.append(lambda: MaskErrors(should_mask_error=should_mask))
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


schema = build_schema(settings.DEBUG)
