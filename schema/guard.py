"""Bounds on the work one request may cause: expanded size, cost and wall-clock time.

One Strawberry extension, so the checks sit at the right steps of every operation:
- before validation: the expanded size (schema/expansion.py), so no validation rule ever walks
  a fragment bomb;
- before execution: the cost estimate against the caller's budget (schema/cost.py);
- between fields: the request's wall-clock deadline. Threads cannot be killed, so execution
  stops cooperatively: the next field resolved after the deadline fails with TIMEOUT, and so
  a stuck request also cannot keep a stopping server alive for longer than its budget.

The HTTP view sets the deadline when the request arrives (parsing and validation count too);
WebSocket subscriptions have none, as they are meant to live long.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from graphql import DocumentNode, GraphQLError, OperationType, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from .body import NUL_MESSAGE
from .cost import CostEstimate, NestedListError, find_operation
from .expansion import expanded_size

DEADLINE_ATTRIBUTE = "_graphql_deadline"
EXECUTING_ATTRIBUTE = "_graphql_executing"


def _request_of(context: Any) -> Any:
    if isinstance(context, dict):
        return context.get("request")
    return getattr(context, "request", None)


def is_authenticated_caller(request: Any) -> bool:
    """Staff sessions, API tokens and paired devices get the larger budget."""
    if getattr(request, "api_token", None) or getattr(request, "device", None):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def cost_budget(request: Any) -> int:
    if is_authenticated_caller(request):
        return settings.GRAPHQL_COST_BUDGET_AUTHENTICATED
    return settings.GRAPHQL_COST_BUDGET_ANONYMOUS


def timeout_error() -> GraphQLError:
    budget = settings.GRAPHQL_REQUEST_BUDGET_SECONDS
    return GraphQLError(
        f"The request took longer than its budget of {budget:g} s and was stopped; "
        "ask for fewer fields or smaller pages.",
        extensions={"code": "TIMEOUT", "budgetSeconds": budget},
    )


def start_clock(request: Any) -> None:
    setattr(request, DEADLINE_ATTRIBUTE, time.monotonic() + settings.GRAPHQL_REQUEST_BUDGET_SECONDS)


class RequestGuard(SchemaExtension):
    def _request(self) -> Any:
        return _request_of(self.execution_context.context)

    def _check_deadline(self) -> None:
        deadline = getattr(self._request(), DEADLINE_ATTRIBUTE, None)
        if deadline is not None and time.monotonic() > deadline:
            raise timeout_error()

    def on_validate(self) -> Iterator[None]:
        self._check_deadline()
        document = self.execution_context.graphql_document
        limit = settings.GRAPHQL_MAX_EXPANDED_FIELDS
        try:
            size = expanded_size(document, limit) if document is not None else 0
        except RecursionError:
            size = limit + 1  # nested beyond Python's stack: far beyond any limit
        if document is not None and _has_nul_string(document):
            raise GraphQLError(NUL_MESSAGE, extensions={"code": "BAD_REQUEST"})
        if size > limit:
            raise GraphQLError(
                f"The document expands to more than {limit} fields (fragment spreads counted "
                "each time they are used); ask for less or use fewer spreads.",
                extensions={"code": "DOCUMENT_TOO_LARGE", "limit": limit},
            )
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        self._check_deadline()
        self._check_cost()
        request = self._request()
        if hasattr(request, DEADLINE_ATTRIBUTE):  # an HTTP request: the view reads the flag
            setattr(request, EXECUTING_ATTRIBUTE, True)
        yield
        result = context.result
        if result is not None and result.errors:
            result.errors = _one_timeout(result.errors)

    def _check_cost(self) -> None:
        context = self.execution_context
        document = context.graphql_document
        if document is None:
            return
        operation = find_operation(document, context.operation_name)
        if operation is None:
            return  # validation has reported it
        estimate = CostEstimate(
            context.schema._schema, document, context.variables, settings.GRAPHQL_COST_LIST_SIZE
        )
        try:
            cost = estimate.of(operation)
        except NestedListError as exc:
            raise GraphQLError(
                f"{exc}: the answer would multiply with the size of the catalog. Select each "
                "list once and match the items by id.",
                extensions={"code": "NESTED_LIST_REFUSED", "field": exc.coordinate},
            ) from None
        budget = cost_budget(self._request())
        if cost > budget:
            raise GraphQLError(
                f"This query's estimated cost is {cost}, above the budget of {budget} for this "
                "caller; ask for fewer fields or smaller pages (see the schema description).",
                extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "budget": budget},
            )

    def resolve(self, _next, root, info, *args, **kwargs) -> Any:
        # A mutation that has run must tell its caller what it did: the deadline stops the
        # next mutation, never the payload of one that has happened.
        if info.path.prev is None or info.operation.operation != OperationType.MUTATION:
            self._check_deadline()
        return _next(root, info, *args, **kwargs)


def _one_timeout(errors: list[GraphQLError]) -> list[GraphQLError]:
    """After the deadline every remaining field fails the same way: report it once."""
    kept: list[GraphQLError] = []
    timed_out = False
    for error in errors:
        if (error.extensions or {}).get("code") == "TIMEOUT":
            if timed_out:
                continue
            timed_out = True
        kept.append(error)
    return kept


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args) -> None:
        if "\x00" in node.value:
            self.found = True


def _has_nul_string(document: DocumentNode) -> bool:
    """String literals in the document itself (`"a\\u0000b"`), as body.py checks variables."""
    finder = _NulFinder()
    visit(document, finder)
    return finder.found
