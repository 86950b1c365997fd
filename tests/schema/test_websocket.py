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
    connected, subprotocol = await ws.connect(timeout=10)
    assert (connected, subprotocol) == (True, "graphql-transport-ws")
    await ws.send_json_to({"type": "connection_init"})
    assert await ws.receive_json_from(timeout=5) == {"type": "connection_ack"}
    await ws.disconnect()


@pytest.mark.parametrize("protocols", [["graphql-ws"], []], ids=["legacy-graphql-ws", "none"])
async def test_other_protocols_are_refused(protocols):
    ws = WebsocketCommunicator(application, "/graphql", subprotocols=protocols, headers=ORIGIN)
    assert (await ws.connect(timeout=10))[0] is True  # the handshake completes, then:
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
    connected, _ = await ws.connect(timeout=10)
    assert connected is False


def socket_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "backend.access"]


async def test_a_socket_is_one_access_line_when_it_ends_without_its_query_string(caplog):
    caplog.set_level("INFO", logger="backend.access")
    ws = WebsocketCommunicator(
        application,
        "/graphql?session=secret-value",
        subprotocols=["graphql-transport-ws"],
        headers=ORIGIN,
    )
    assert (await ws.connect(timeout=10))[0] is True
    assert socket_lines(caplog) == []  # written when the socket ends, with its close code
    await ws.disconnect(code=1001)
    [line] = socket_lines(caplog)
    assert line.startswith("WS /graphql 101 closed 1001 after ")
    assert "secret" not in caplog.text


async def test_refused_sockets_are_logged_with_their_close_code_or_403(caplog):
    caplog.set_level("INFO", logger="backend.access")
    ws = WebsocketCommunicator(application, "/graphql", subprotocols=["graphql-ws"], headers=ORIGIN)
    await ws.connect(timeout=10)
    await ws.receive_output(timeout=5)
    await ws.disconnect()
    foreign = WebsocketCommunicator(
        application,
        "/graphql",
        subprotocols=["graphql-transport-ws"],
        headers=[(b"host", b"127.0.0.1"), (b"origin", b"https://evil.example")],
    )
    assert (await foreign.connect(timeout=10))[0] is False
    await foreign.disconnect()
    lines = socket_lines(caplog)
    assert [line.split(" after ")[0] for line in lines] == [
        "WS /graphql 101 closed 4406",
        "WS /graphql 403",
    ]
