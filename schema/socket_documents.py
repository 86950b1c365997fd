"""Checks on a document sent over the socket that come before the schema's own parsing and
validation: which operation it runs, that it is a subscription, and that its selection,
with every fragment spread expanded, stays small.

The expanded size is computed with each fragment's size memoised, so it is linear in the
document: a ~1 KB document whose fragments each spread the next one twice, 30 levels deep,
expands to billions of fields, and validation rules that walk the expanded tree (the depth
rule does) would hold the event loop, and with it every socket of the process, for minutes."""

from __future__ import annotations

import functools

from django.conf import settings
from graphql import (
    DocumentNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    parse,
)

from .expansion import expanded_size


@functools.lru_cache(maxsize=256)
def parsed(query: str) -> DocumentNode | None:
    """The document, or None when it does not parse (the schema then says why)."""
    try:
        return parse(query, no_location=True, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return None


def chosen_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | str:
    """The operation to run, or why none can be chosen."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        named = [o for o in operations if o.name and o.name.value == operation_name]
        return named[0] if named else f"Unknown operation named '{operation_name}'."
    if len(operations) != 1:
        return (
            "Name the operation to run: the document must contain exactly one, "
            "or give operationName."
        )
    return operations[0]


def socket_refusal(query: str, operation_name: str | None) -> GraphQLError | None:
    """Why the socket does not run this document, when that is not the schema's to say."""
    document = parsed(query)
    if document is None:
        return None
    operation = chosen_operation(document, operation_name)
    if isinstance(operation, str):
        return GraphQLError(operation)
    if operation.operation != OperationType.SUBSCRIPTION:
        return GraphQLError(
            "Only subscriptions are served over WebSocket; send queries and mutations "
            "to /graphql over HTTP."
        )
    # The same bound as over HTTP (schema/expansion.py), checked before the handler parses
    # and validates: a bomb would otherwise hold the event loop and every socket with it.
    limit = settings.GRAPHQL_MAX_EXPANDED_FIELDS
    try:
        fields = expanded_size(document, limit)
    except RecursionError:
        fields = limit + 1
    if fields > limit:
        return GraphQLError(
            f"The document selects more than {limit} fields once its fragments are expanded."
        )
    return None
