"""Subscription multiplexing for the public call display.

Every board of a location subscribes with the same document and variables, and the result
carries no personal data and does not depend on who asks. So a process runs each distinct
`queueDisplay` operation ONCE and sends every result to all the operations attached to it,
instead of executing the same GraphQL selection 2,000 times per change. A board attaching
later gets the latest result at once (it is the full board, not a delta)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from graphql import OperationDefinitionNode, OperationType
from graphql.error import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType as StrawberryOperationType

from .socket_documents import chosen_operation, parsed, socket_refusal

SHAREABLE_ROOT_FIELDS = frozenset({"queueDisplay"})
# Queries and mutations go over HTTP, where the request limits, budgets and CSRF rules live;
# the socket serves what only it can: subscriptions.
SOCKET_OPERATIONS = frozenset({StrawberryOperationType.SUBSCRIPTION})


def shareable(query: str, operation_name: str | None) -> bool:
    """True for a subscription whose only root field is a public, context-free one."""
    document = parsed(query)
    operation = chosen_operation(document, operation_name) if document else None
    if (
        not isinstance(operation, OperationDefinitionNode)
        or operation.operation != OperationType.SUBSCRIPTION
    ):
        return False
    selections = operation.selection_set.selections
    names = {getattr(s, "name", None) and s.name.value for s in selections}  # type: ignore[attr-defined]
    return (
        bool(names)
        and names <= SHAREABLE_ROOT_FIELDS
        and all(type(s).__name__ == "FieldNode" for s in selections)
    )


class SharedStream:
    """One running subscription whose results go to many operations."""

    def __init__(
        self,
        key: tuple,
        schema,
        query: str,
        variables: dict | None,
        operation_name: str | None,
        context: Any,
    ):
        self.key = key
        self.operations: set = set()
        self.latest: ExecutionResult | None = None
        self.finished = asyncio.Event()
        self.task = asyncio.create_task(
            self._run(schema, query, variables, operation_name, context)
        )

    async def _run(self, schema, query, variables, operation_name, context) -> None:
        try:
            source = await schema.stream(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=SOCKET_OPERATIONS,
            )
            async with contextlib.aclosing(source):
                async for result in source:
                    if isinstance(result, PreExecutionError):  # e.g. validation errors
                        await self._refuse(result)
                        return
                    await self._publish(result)
        except GraphQLError as error:  # raised by a parsing extension (e.g. the token limit)
            await self._refuse(PreExecutionError(data=None, errors=[error]))
        finally:
            if _streams.get(self.key) is self:
                del _streams[self.key]
            self.finished.set()

    async def _refuse(self, result: PreExecutionError) -> None:
        for operation in list(self.operations):
            with contextlib.suppress(Exception):
                await operation.handler._handle_pre_execution_error(operation, result)

    async def _publish(self, result: ExecutionResult) -> None:
        """Serialise the result once; each board gets the same text with its operation id."""
        self.latest = result
        head, tail = _next_message_parts(result)
        for count, operation in enumerate(list(self.operations), start=1):
            if operation.completed:
                continue
            with contextlib.suppress(Exception):  # a closed socket must not stop the others
                await operation.handler.websocket.ws_consumer.send(
                    text_data=head + json.dumps(operation.id) + tail
                )
            if count % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # let HTTP requests of this process run in between

    async def attach(self, operation) -> None:
        self.operations.add(operation)
        try:
            if self.latest is not None:
                await operation.send_next(self.latest)
            await self.finished.wait()
        finally:
            self.operations.discard(operation)
            if not self.operations and not self.finished.is_set():
                self.task.cancel()


_streams: dict[tuple, SharedStream] = {}
YIELD_EVERY = 200


def _next_message_parts(result: ExecutionResult) -> tuple[str, str]:
    """`{"type": "next", "payload": ..., "id": ` and `}`: the graphql-transport-ws "next"
    message around the operation id, as strawberry's Operation.send_next would build it."""
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    if result.extensions:
        payload["extensions"] = result.extensions
    body = json.dumps({"type": "next", "payload": payload})
    return body[:-1] + ', "id": ', "}"


class MultiplexingHandler(BaseGraphQLTransportWSHandler):
    async def run_operation(self, operation) -> None:
        refusal = socket_refusal(operation.query, operation.operation_name)
        if refusal is not None:
            await operation.send_initial_errors([refusal])
            return
        if not shareable(operation.query, operation.operation_name):
            return await self._run_alone(operation)
        key = (
            operation.query,
            json.dumps(operation.variables or {}, sort_keys=True),
            operation.operation_name,
        )
        stream = _streams.get(key)
        if stream is None or stream.finished.is_set():
            stream = _streams[key] = SharedStream(
                key,
                self.schema,
                operation.query,
                operation.variables,
                operation.operation_name,
                self.context,
            )
        await stream.attach(operation)
        await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def _run_alone(self, operation) -> None:
        """Strawberry's run_operation, but only subscriptions, and a GraphQLError raised by a
        parsing extension (the parser cache, the token limit) is answered with an `error`
        message for the operation instead of being logged as a crash and a bare `complete`."""
        try:
            source = await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=self.context,
                root_value=self.root_value,
                operation_name=operation.operation_name,
                allowed_operation_types=SOCKET_OPERATIONS,
            )
            async with contextlib.aclosing(source):
                await self._send_result_stream(operation, source)
        except GraphQLError as error:
            await operation.send_initial_errors([error])
            return
        except Exception as error:  # a bug: log it, end the operation, keep the socket
            await self.handle_task_exception(error)
            with contextlib.suppress(Exception):
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            return
        await operation.send_operation_message({"id": operation.id, "type": "complete"})
