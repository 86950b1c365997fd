"""The Strawberry internals schema/multiplex.py builds on (ops/adr: subscription multiplexing).

Shared board streams reuse the graphql-transport-ws handler's private methods and write the
"next" message themselves, once for thousands of boards. A Strawberry upgrade that renames
or reshapes any of this must fail here, by name, not as boards that silently stop updating.
"""

from __future__ import annotations

import asyncio
import inspect
import json

from graphql import GraphQLError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.types import ExecutionResult

from schema.multiplex import _next_message_parts

HANDLER_METHODS = {  # name -> the parameters schema/multiplex.py passes
    "run_operation": ["self", "operation"],
    "_handle_pre_execution_error": ["self", "operation", "result"],
    "_send_result_stream": ["self", "operation", "result_source"],
    "handle_task_exception": ["self", "error"],
    "send_message": ["self", "message"],
}
OPERATION_ATTRIBUTES = {"handler", "id", "query", "variables", "operation_name", "completed"}
OPERATION_METHODS = {"send_next", "send_initial_errors", "send_operation_message"}


def test_the_handler_methods_we_override_or_call_keep_their_names_and_parameters():
    for name, parameters in HANDLER_METHODS.items():
        method = getattr(BaseGraphQLTransportWSHandler, name, None)
        assert method is not None, name
        assert list(inspect.signature(method).parameters) == parameters, name
        assert inspect.iscoroutinefunction(method), name


def test_an_operation_still_has_what_a_shared_stream_uses():
    assert set(Operation.__slots__) >= OPERATION_ATTRIBUTES
    assert all(inspect.iscoroutinefunction(getattr(Operation, m)) for m in OPERATION_METHODS)


class _Recorder:
    """Stands in for the handler: keeps what Strawberry would put on the socket."""

    def __init__(self):
        self.sent = []

    async def send_message(self, message):
        self.sent.append(message)

    def forget_id(self, _id):
        pass


def test_a_shared_next_message_is_exactly_the_one_strawberry_would_send():
    result = ExecutionResult(
        data={"queueDisplay": {"calls": [{"number": "A042", "servicePoint": "Schalter 3"}]}},
        errors=[GraphQLError("partial")],
        extensions={"cost": 12},
    )
    recorder = _Recorder()
    operation = Operation(recorder, "op-7", "subscription { queueDisplay }", None, None)

    asyncio.run(operation.send_next(result))
    head, tail = _next_message_parts(result)

    assert json.loads(head + json.dumps("op-7") + tail) == recorder.sent[0]


def test_the_socket_adapter_still_exposes_the_channels_consumer():
    """A shared stream writes each board's text frame straight to the Channels consumer."""
    from strawberry.channels.handlers.ws_handler import ChannelsWebSocketAdapter

    assert "self.ws_consumer =" in inspect.getsource(ChannelsWebSocketAdapter.__init__)
