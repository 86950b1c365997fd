"""WebSockets speak only graphql-transport-ws, behind the allowed-hosts origin check."""

from __future__ import annotations

import pytest
from channels.testing import WebsocketCommunicator

from backend.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
ORIGIN = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]


async def test_graphql_transport_ws_is_accepted_and_acknowledged():
    ws = WebsocketCommunicator(
        application, "/graphql", subprotocols=["graphql-transport-ws"], headers=ORIGIN
    )
    connected, subprotocol = await ws.connect()
    assert (connected, subprotocol) == (True, "graphql-transport-ws")
    await ws.send_json_to({"type": "connection_init"})
    assert await ws.receive_json_from(timeout=5) == {"type": "connection_ack"}
    await ws.disconnect()


@pytest.mark.parametrize("protocols", [["graphql-ws"], []], ids=["legacy-graphql-ws", "none"])
async def test_other_protocols_are_refused(protocols):
    ws = WebsocketCommunicator(application, "/graphql", subprotocols=protocols, headers=ORIGIN)
    assert (await ws.connect())[0] is True  # the handshake completes, then:
    assert await ws.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4406,
        "reason": "Subprotocol not acceptable",
    }


async def test_foreign_origins_are_refused():
    ws = WebsocketCommunicator(
        application,
        "/graphql",
        subprotocols=["graphql-transport-ws"],
        headers=[(b"host", b"127.0.0.1"), (b"origin", b"https://evil.example")],
    )
    connected, _ = await ws.connect()
    assert connected is False
