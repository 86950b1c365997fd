"""Counts executed GraphQL operations by type and root field (backend/core/metrics.py).

Not by operation name: clients choose names freely, so a hostile one could create a series per
request. Root fields are the schema's own, a fixed set; a document that reached execution
passed validation, so every field counted exists."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import FieldNode, get_operation_ast
from strawberry.extensions import SchemaExtension

from backend.core import metrics


class OperationMetrics(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if operation is not None:
            metrics.graphql_operation(
                operation.operation.value,
                [
                    node.name.value
                    for node in operation.selection_set.selections
                    if isinstance(node, FieldNode) and not node.name.value.startswith("__")
                ],
            )
        yield
