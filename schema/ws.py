"""The WebSocket side of /graphql: only graphql-transport-ws, and a context that looks like
the HTTP one (`info.context.request.user`), so resolvers and permission checks are shared
(a list permission check reads `info.context.request.user`).

On top of Strawberry's handler:
- every message is checked against the protocol's shapes first; anything else closes the
  socket with 4400, as the protocol document says (Strawberry lets a numeric id, a non-string
  query or non-object variables through);
- a document that does not parse or validate is answered with an `error` message for its id,
  carrying the GraphQL errors, instead of closing the socket: the client learns why;
- a socket opened with a staff session follows that session: it re-checks the session and
  user on every `subscribe`, on a timer while operations run, before each event of a staff
  subscription, and when a logout, deactivation or password change is pushed to the user's
  group; once the session no longer holds, the socket closes with 4403."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from channels.db import database_sync_to_async
from strawberry.channels import GraphQLWSConsumer
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend.accounts.socket_sessions import (
    REVOKE_MESSAGE_TYPE,
    session_fingerprint,
    signed_in_user,
    user_group,
)

from .multiplex import MultiplexingHandler

logger = logging.getLogger(__name__)
MAX_SUBSCRIPTIONS_PER_CONNECTION = 10  # a page needs one or two
MAX_OPERATION_ID_LENGTH = 128  # ids are echoed in every message; clients use uuids or counters
RECHECK_SECONDS = 60.0  # how often a signed-in socket with running operations re-checks
SESSION_ENDED = 4403
TRY_AGAIN_LATER = 1013  # graphql-ws clients reconnect on it (4500 would be final)


def message_problem(message: Any) -> str | None:
    """Why `message` is not a graphql-transport-ws message (the reason for the 4400 close),
    or None. Unknown types are left to the handler, which closes with 4400 as well."""
    if not isinstance(message, dict):
        return "Message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "Message type must be a string"
    if kind in ("subscribe", "complete"):
        operation_id = message.get("id")
        if (
            not isinstance(operation_id, str)
            or not 0 < len(operation_id) <= MAX_OPERATION_ID_LENGTH
        ):
            return f"Operation id must be a string of 1 to {MAX_OPERATION_ID_LENGTH} characters"
    if kind == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict):
            return "Subscribe payload must be an object"
        if not isinstance(payload.get("query"), str):
            return "Subscribe payload query must be a string"
        if not isinstance(payload.get("operationName"), str | None):
            return "Subscribe payload operationName must be a string or null"
        for key in ("variables", "extensions"):
            if not isinstance(payload.get(key), dict | None):
                return f"Subscribe payload {key} must be an object or null"
    if kind in ("ping", "pong") and not isinstance(message.get("payload"), dict | None):
        return "Ping and pong payloads must be objects"
    return None


@dataclass
class SocketSession:
    """The staff session a socket was opened with."""

    key: str
    user_id: Any


@dataclass
class SocketRequest:
    user: Any
    scope: dict = field(repr=False)

    def signed_in_as(self, user) -> None:
        """Use the freshly loaded user; drop the actor cached from the old one."""
        self.user = user
        self.__dict__.pop("_vorzimmer_actor", None)


@dataclass
class SocketContext:
    request: SocketRequest
    ws: GraphQLWSConsumer

    async def still_signed_in(self) -> bool:
        """False (and the socket closing with 4403) once the socket's staff session ended;
        True for sockets without a session (boards, phones)."""
        handler = getattr(self.ws, "handler", None)
        return handler is None or await handler.session_holds()


class SocketHandler(MultiplexingHandler):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.session: SocketSession | None = getattr(self.view, "session", None)
        self.revoked = False
        self.recheck_task: asyncio.Task | None = None
        self.view.handler = self  # type: ignore[attr-defined]  # revocations arrive at the consumer

    async def handle(self) -> None:
        if self.session is not None:
            self.recheck_task = asyncio.create_task(self._recheck_periodically())
        await super().handle()

    async def shutdown(self) -> None:
        if self.recheck_task is not None:
            self.recheck_task.cancel()
        await super().shutdown()

    async def handle_message(self, message) -> None:
        if self.revoked:
            return
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message) -> None:
        if self.connection_acknowledged and not await self.session_holds():
            return
        await super().handle_subscribe(message)

    async def _handle_pre_execution_error(self, operation, result) -> None:
        # Strawberry closes the socket (4400) on syntax errors and unknown operations; every
        # document error is answered to its operation instead, like validation errors.
        await operation.send_initial_errors(result.errors)

    async def session_holds(self) -> bool:
        if self.session is None:
            return True
        if self.revoked:
            return False
        try:
            user = await database_sync_to_async(signed_in_user)(
                self.session.key, self.session.user_id
            )
        except Exception:  # e.g. the database restarting: the client reconnects and refetches
            logger.exception("could not re-check a socket's session")
            await self.revoke(TRY_AGAIN_LATER, "Try again later")
            return False
        if user is None:
            await self.revoke()
            return False
        self.context.request.signed_in_as(user)  # type: ignore[attr-defined]
        return True

    async def on_revocation(self, message: dict) -> None:
        if self.session is None:
            return
        if message.get("session") == session_fingerprint(self.session.key):
            await self.revoke()  # this very session logged out
        else:
            await self.session_holds()

    async def revoke(self, code: int = SESSION_ENDED, reason: str = "Session ended") -> None:
        if self.revoked:
            return
        self.revoked = True
        await self.websocket.close(code=code, reason=reason)
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)

    async def _recheck_periodically(self) -> None:
        while not self.revoked:
            await asyncio.sleep(RECHECK_SECONDS)
            if self.operations:
                await self.session_holds()


class VorzimmerWSConsumer(GraphQLWSConsumer):
    graphql_transport_ws_handler_class = SocketHandler
    session: SocketSession | None = None
    handler: SocketHandler | None = None
    closed = False

    async def connect(self) -> None:
        user, session = self.scope.get("user"), self.scope.get("session")
        layer = self.channel_layer
        if (
            user is not None
            and user.is_authenticated
            and session is not None
            and session.session_key
        ):
            self.session = SocketSession(session.session_key, user.pk)
            try:
                assert layer is not None  # settings.CHANNEL_LAYERS always has one
                await layer.group_add(user_group(user.pk), self.channel_name)
            except Exception:  # the timer and every subscribe still re-check
                logger.exception("could not join the user's socket group")
        await super().connect()

    async def disconnect(self, code: int) -> None:
        try:
            await super().disconnect(code)
        finally:
            if self.session is not None and self.channel_layer is not None:
                with contextlib.suppress(Exception):
                    await self.channel_layer.group_discard(
                        user_group(self.session.user_id), self.channel_name
                    )

    async def dispatch(self, message) -> None:
        if message.get("type") == REVOKE_MESSAGE_TYPE:
            if self.handler is not None:
                await self.handler.on_revocation(message)
            return
        await super().dispatch(message)

    async def send(self, text_data=None, bytes_data=None, close=False) -> None:
        if not self.closed:  # e.g. a board result racing the close
            await super().send(text_data, bytes_data, close)

    async def close(self, code=None, reason=None) -> None:
        if not self.closed:
            self.closed = True
            await super().close(code, reason)

    async def get_context(self, request, response) -> SocketContext:  # type: ignore[override]
        return SocketContext(SocketRequest(self.scope.get("user"), self.scope), request)


def websocket_consumer(schema):
    return VorzimmerWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
    )
