"""The WebSocket side of /graphql: only graphql-transport-ws, and a context that looks like
the HTTP one (`info.context.request.user`), so resolvers and permission checks are shared
(STACK-NOTES trap 2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from .multiplex import MultiplexingHandler

MAX_SUBSCRIPTIONS_PER_CONNECTION = 10  # a page needs one or two


@dataclass
class SocketRequest:
    user: Any
    scope: dict = field(repr=False)


@dataclass
class SocketContext:
    request: SocketRequest
    ws: GraphQLWSConsumer


class VorzimmerWSConsumer(GraphQLWSConsumer):
    graphql_transport_ws_handler_class = MultiplexingHandler

    async def get_context(self, request, response) -> SocketContext:  # type: ignore[override]
        return SocketContext(SocketRequest(self.scope.get("user"), self.scope), request)


def websocket_consumer(schema):
    return VorzimmerWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
    )
