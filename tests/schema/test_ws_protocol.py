"""graphql-transport-ws as its protocol document says: malformed messages close the socket with
4400, a duplicate operation id with 4409, a subscribe before connection_init with 4401, a second
connection_init with 4429; a subscription document that does not validate is answered with an
`error` message for its id carrying the GraphQL errors, and the socket stays usable."""

from __future__ import annotations

import json

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings

from backend.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
ORIGIN = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
BOARD = "subscription($l: ID!) { queueDisplay(location: $l) { recalled } }"


async def opened(init: bool = True) -> WebsocketCommunicator:
    ws = WebsocketCommunicator(
        application, "/graphql", subprotocols=["graphql-transport-ws"], headers=ORIGIN
    )
    # Channels' default of 1 s for the handshake is too short on a loaded machine (it reads
    # the session from the database): it flaked in CI with the accept already on its way.
    assert (await ws.connect(timeout=10))[0] is True
    if init:
        await ws.send_json_to({"type": "connection_init"})
        assert await ws.receive_json_from(timeout=5) == {"type": "connection_ack"}
    return ws


async def closed_with(ws: WebsocketCommunicator) -> int:
    output = await ws.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    return output["code"]


SUBSCRIBE = {"id": "1", "type": "subscribe", "payload": {"query": BOARD, "variables": {}}}
MALFORMED = {
    "numeric id": {**SUBSCRIBE, "id": 1},
    "null id": {**SUBSCRIBE, "id": None},
    "missing id": {"type": "subscribe", "payload": SUBSCRIBE["payload"]},
    "empty id": {**SUBSCRIBE, "id": ""},
    "missing payload": {"id": "1", "type": "subscribe"},
    "payload not an object": {"id": "1", "type": "subscribe", "payload": "query"},
    "missing query": {"id": "1", "type": "subscribe", "payload": {"variables": {}}},
    "numeric query": {"id": "1", "type": "subscribe", "payload": {"query": 1}},
    "query as a list": {"id": "1", "type": "subscribe", "payload": {"query": [BOARD]}},
    "variables a list": {**SUBSCRIBE, "payload": {"query": BOARD, "variables": [1]}},
    "variables a string": {**SUBSCRIBE, "payload": {"query": BOARD, "variables": "{}"}},
    "operationName a number": {**SUBSCRIBE, "payload": {"query": BOARD, "operationName": 7}},
    "extensions a list": {**SUBSCRIBE, "payload": {"query": BOARD, "extensions": []}},
    "unknown type": {"type": "start", "id": "1", "payload": SUBSCRIBE["payload"]},
    "type a number": {"type": 3},
    "no type": {"id": "1"},
    "a list": [SUBSCRIBE],
    "a string": "subscribe",
    "null": None,
    "complete with numeric id": {"type": "complete", "id": 1},
    "complete without id": {"type": "complete"},
    "ping payload a list": {"type": "ping", "payload": [1]},
}


@pytest.mark.parametrize("message", MALFORMED.values(), ids=MALFORMED.keys())
async def test_malformed_messages_close_the_socket_with_4400(message):
    ws = await opened()
    await ws.send_to(text_data=json.dumps(message))
    assert await closed_with(ws) == 4400


@pytest.mark.parametrize(
    "frame", [{"text_data": "{not json"}, {"bytes_data": b"{}"}], ids=["not-json", "binary"]
)
async def test_frames_that_are_not_json_text_close_with_4400(frame):
    ws = await opened()
    await ws.send_to(**frame)
    assert await closed_with(ws) == 4400


async def test_a_connection_init_payload_that_is_not_an_object_closes_with_4400():
    ws = await opened(init=False)
    await ws.send_json_to({"type": "connection_init", "payload": [1]})
    assert await closed_with(ws) == 4400


async def test_subscribing_before_connection_init_closes_with_4401():
    ws = await opened(init=False)
    await ws.send_json_to(SUBSCRIBE)
    assert await closed_with(ws) == 4401


async def test_a_second_connection_init_closes_with_4429():
    ws = await opened()
    await ws.send_json_to({"type": "connection_init"})
    assert await closed_with(ws) == 4429


def board(location) -> dict:
    return {"query": BOARD, "variables": {"l": str(location.pk)}}


async def test_a_duplicate_operation_id_closes_with_4409(demo):
    ws = await opened()
    await ws.send_json_to({**SUBSCRIBE, "payload": board(demo.rathaus)})
    assert (await ws.receive_json_from(timeout=5))["type"] == "next"
    await ws.send_json_to({**SUBSCRIBE, "payload": board(demo.rathaus)})
    assert await closed_with(ws) == 4409


DEEP = (
    "subscription($l: ID!) { queueDisplay(location: $l) { called " + "{ a " * 10 + "}" * 10 + " } }"
)
HTTP_ONLY = (
    "Only subscriptions are served over WebSocket; send queries and mutations to /graphql "
    "over HTTP."
)
INVALID = {
    "syntax error": (
        "subscription($l: ID!) { queueDisplay(location: $l) { recalled }",
        ["Syntax Error: Expected Name, found <EOF>."],
    ),
    "NUL byte": (
        "subscription($l: ID!) { queueDisplay(location: $l) { recalled } }\u0000",
        ["Syntax Error: Unexpected character: U+0000."],
    ),
    "unknown field": (
        "subscription($l: ID!) { queueDisplay(location: $l) { nope } }",
        ["Cannot query field 'nope' on type 'QueueBoard'."],
    ),
    "too many aliases": (
        "subscription($l: ID!) { queueDisplay(location: $l) { "
        + " ".join(f"a{n}: recalled" for n in range(16))
        + " } }",
        ["16 aliases found. Allowed: 15"],
    ),
    "too deep": (
        DEEP,
        [
            "'anonymous' exceeds maximum operation depth of 10",
            "Cannot query field 'a' on type 'CalledTicket'.",
        ],
    ),
    "too many tokens": (
        "subscription($l: ID!) { queueDisplay(location: $l) { " + "recalled " * 2000 + "} }",
        ["Syntax Error: Document contains more than 2000 tokens. Parsing aborted."],
    ),
    "a query": ("query { __typename }", [HTTP_ONLY]),
    "a mutation": ("mutation { logOut }", [HTTP_ONLY]),
    "two operations, none named": (
        "subscription A { __typename } subscription B { __typename }",
        [
            "Name the operation to run: the document must contain exactly one, "
            "or give operationName."
        ],
    ),
}


@pytest.mark.parametrize(("query", "messages"), INVALID.values(), ids=INVALID.keys())
async def test_an_invalid_document_is_answered_with_an_error_for_its_id(demo, query, messages):
    ws = await opened()
    payload = {"query": query, "variables": {"l": str(demo.rathaus.pk)}}
    await ws.send_json_to({"id": "7", "type": "subscribe", "payload": payload})
    answer = await ws.receive_json_from(timeout=5)
    assert answer == {"id": "7", "type": "error", "payload": answer["payload"]}
    assert [e["message"] for e in answer["payload"]] == messages
    # the socket stays open and the id is free again
    await ws.send_json_to({**SUBSCRIBE, "id": "7", "payload": board(demo.rathaus)})
    assert (await ws.receive_json_from(timeout=5))["type"] == "next"
    await ws.disconnect()


async def test_an_unknown_operation_name_is_answered_with_an_error(demo):
    ws = await opened()
    await ws.send_json_to(
        {"id": "a", "type": "subscribe", "payload": {**board(demo.rathaus), "operationName": "X"}}
    )
    assert await ws.receive_json_from(timeout=5) == {
        "id": "a",
        "type": "error",
        "payload": [{"message": "Unknown operation named 'X'."}],
    }
    await ws.disconnect()


FRAGMENT_BOMB = (
    "subscription($l: ID!) { queueDisplay(location: $l) { ...F0 } }"
    + "".join(f" fragment F{n} on QueueBoard {{ ...F{n + 1} ...F{n + 1} }}" for n in range(30))
    + " fragment F30 on QueueBoard { recalled called { number } }"
)


async def test_a_fragment_bomb_is_refused_at_once(demo):
    """About 1 KB that expands to billions of fields: refused before validation walks it."""
    ws = await opened()
    payload = {"query": FRAGMENT_BOMB, "variables": {"l": str(demo.rathaus.pk)}}
    await ws.send_json_to({"id": "b", "type": "subscribe", "payload": payload})
    assert await ws.receive_json_from(timeout=2) == {
        "id": "b",
        "type": "error",
        "payload": [
            {
                "message": f"The document selects more than {settings.GRAPHQL_MAX_EXPANDED_FIELDS} "
                "fields once its fragments are expanded."
            }
        ],
    }
    await ws.disconnect()
