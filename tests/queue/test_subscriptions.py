"""Subscriptions over Channels' WebsocketCommunicator: subscribe, act through GraphQL over
HTTP, and assert the exact events that arrive."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from backend.asgi import application
from schema import multiplex
from tests.conftest import at
from tests.documents import CALL_NEXT, CHECK_IN, DRAW, SIGN_IN, ticket_action
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

BOARD_SUB = """subscription($l: ID!) { queueDisplay(location: $l) {
  called { number servicePoint recalls serving } waiting { prefix count } recalled } }"""
STATUS_SUB = """subscription($t: ID!, $k: String!) { ticketStatus(ticket: $t, token: $k) {
  number status position servicePoint } }"""
COUNTER_SUB = """subscription($l: ID!) { counterQueue(location: $l) {
  waiting { number name bookingCode } active { number status servicePoint } } }"""


async def connect(cookie: str | None = None) -> WebsocketCommunicator:
    headers = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    ws = WebsocketCommunicator(
        application, "/graphql", headers=headers, subprotocols=["graphql-transport-ws"]
    )
    connected, _ = await ws.connect(timeout=10)
    assert connected
    await ws.send_json_to({"type": "connection_init"})
    assert await ws.receive_json_from(timeout=5) == {"type": "connection_ack"}
    return ws


async def subscribe(ws, query: str, variables: dict, sub_id: str = "1") -> None:
    await ws.send_json_to(
        {"id": sub_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}
    )


async def next_event(ws, sub_id: str = "1") -> dict:
    message = await ws.receive_json_from(timeout=5)
    assert message["id"] == sub_id, message
    assert message["type"] == "next", message
    return message["payload"]


def run(call, *args, **kwargs):
    return database_sync_to_async(call)(*args, **kwargs)


async def act(floor, document, variables):
    return await run(floor.clerk.data, document, variables)


async def draw(floor, demo):
    body = await run(
        floor.kiosk.data,
        DRAW,
        {"input": {"service": str(demo.ausweis.pk), "location": str(demo.rathaus.pk)}},
    )
    return body["drawTicket"]["ticket"]


async def sign_in_and_call(floor):
    point = {"input": {"servicePoint": str(floor.counters[0].pk)}}
    await act(floor, SIGN_IN, point)
    return (await act(floor, CALL_NEXT, point))["callNextTicket"]["ticket"]


async def test_the_board_shows_a_call_the_moment_it_happens(demo, floor):
    ws = await connect()
    await subscribe(ws, BOARD_SUB, {"l": str(demo.rathaus.pk)})
    initial = (await next_event(ws))["data"]["queueDisplay"]
    assert initial["called"] == [] and initial["recalled"] is None

    await draw(floor, demo)
    after_draw = (await next_event(ws))["data"]["queueDisplay"]
    assert {w["prefix"]: w["count"] for w in after_draw["waiting"]}["A"] == 1

    await sign_in_and_call(floor)
    # signing in publishes too (open counters change the estimate)
    events = [(await next_event(ws))["data"]["queueDisplay"] for _ in range(2)]
    assert events[-1]["called"] == [
        {"number": "A001", "servicePoint": "Schalter 1", "recalls": 0, "serving": False}
    ]
    await ws.disconnect()


async def test_the_board_never_carries_personal_data(demo, floor, office_hour):

    booking = await run(booked, demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    ws = await connect()
    await subscribe(ws, BOARD_SUB, {"l": str(demo.rathaus.pk)})
    await next_event(ws)
    await run(floor.kiosk.data, CHECK_IN, {"input": {"code": booking.code}})
    await sign_in_and_call(floor)
    raw = []
    for _ in range(3):
        raw.append(await ws.receive_from(timeout=5))
    assert all("Bea" not in r and "bea@example.com" not in r and booking.code not in r for r in raw)
    assert '"number":"A001"' in raw[-1].replace(" ", "")
    await ws.disconnect()


async def test_a_holder_follows_their_ticket_until_it_is_done(demo, floor):
    first, mine = await draw(floor, demo), await draw(floor, demo)
    ws = await connect()
    await subscribe(ws, STATUS_SUB, {"t": mine["id"], "k": mine["statusToken"]})
    assert (await next_event(ws))["data"]["ticketStatus"] == {
        "number": "A002",
        "status": "WAITING",
        "position": 2,
        "servicePoint": None,
    }

    assert (await sign_in_and_call(floor))["number"] == "A001"
    assert (await next_event(ws))["data"]["ticketStatus"]["position"] == 1

    await act(floor, CALL_NEXT, {"input": {"servicePoint": str(floor.counters[0].pk)}})
    assert (await next_event(ws))["data"]["ticketStatus"] == {
        "number": "A002",
        "status": "CALLED",
        "position": None,
        "servicePoint": "Schalter 1",
    }

    await act(floor, ticket_action("finishTicket"), {"input": {"ticket": mine["id"]}})
    assert (await next_event(ws))["data"]["ticketStatus"]["status"] == "DONE"
    assert await ws.receive_json_from(timeout=5) == {"id": "1", "type": "complete"}
    assert first["number"] == "A001"
    await ws.disconnect()


async def test_a_transferred_ticket_is_followed(demo, floor):
    mine = await draw(floor, demo)
    await sign_in_and_call(floor)
    ws = await connect()
    await subscribe(ws, STATUS_SUB, {"t": mine["id"], "k": mine["statusToken"]})
    assert (await next_event(ws))["data"]["ticketStatus"]["status"] == "CALLED"

    await act(
        floor,
        ticket_action("transferTicket", "TransferTicketInput"),
        {"input": {"ticket": mine["id"], "service": str(demo.kfz.pk)}},
    )

    assert (await next_event(ws))["data"]["ticketStatus"] == {
        "number": "A001",
        "status": "WAITING",
        "position": 1,
        "servicePoint": None,
    }
    await ws.disconnect()


async def test_a_wrong_token_gets_an_error_not_a_stream(demo, floor):
    mine = await draw(floor, demo)
    ws = await connect()
    await subscribe(ws, STATUS_SUB, {"t": mine["id"], "k": "not-the-token"})
    message = await ws.receive_json_from(timeout=5)
    assert (message["type"], message["payload"]["data"]) == ("next", None)
    assert [e["extensions"] for e in message["payload"]["errors"]] == [{"code": "NOT_FOUND"}]
    assert await ws.receive_json_from(timeout=5) == {"id": "1", "type": "complete"}
    await ws.disconnect()


async def test_the_counter_view_needs_staff_and_shows_details(demo, floor, office_hour):

    anonymous = await connect()
    await subscribe(anonymous, COUNTER_SUB, {"l": str(demo.rathaus.pk)})
    denied = await anonymous.receive_json_from(timeout=5)
    assert [e["extensions"] for e in denied["payload"]["errors"]] == [{"code": "FORBIDDEN"}]
    await anonymous.disconnect()

    session = floor.clerk.client.cookies[settings.SESSION_COOKIE_NAME].value
    ws = await connect(f"{settings.SESSION_COOKIE_NAME}={session}")
    await subscribe(ws, COUNTER_SUB, {"l": str(demo.rathaus.pk)})
    assert (await next_event(ws))["data"]["counterQueue"] == {"waiting": [], "active": []}
    booking = await run(booked, demo.ausweis, demo.rathaus, at(office_hour, 10), ahead=AHEAD, **BEA)
    await run(floor.kiosk.data, CHECK_IN, {"input": {"code": booking.code}})
    assert (await next_event(ws))["data"]["counterQueue"]["waiting"] == [
        {"number": "A001", "name": "Bea Bucher", "bookingCode": booking.code}
    ]
    await ws.disconnect()


async def test_many_boards_share_one_subscription_and_each_gets_every_call(demo, floor):
    boards = [await connect() for _ in range(3)]
    for board in boards:
        await subscribe(board, BOARD_SUB, {"l": str(demo.rathaus.pk)})
        assert (await next_event(board))["data"]["queueDisplay"]["called"] == []
    [stream] = multiplex._streams.values()  # one execution for the three boards
    assert len(stream.operations) == 3

    await draw(floor, demo)
    for board in boards:
        await next_event(board)
    await boards[0].disconnect()  # one TV is switched off; the others go on
    await sign_in_and_call(floor)

    for board in boards[1:]:
        events = [(await next_event(board))["data"]["queueDisplay"] for _ in range(2)]
        assert events[-1]["called"][0]["number"] == "A001"
    late = await connect()  # a board switched on later gets the current state at once
    await subscribe(late, BOARD_SUB, {"l": str(demo.rathaus.pk)})
    assert (await next_event(late))["data"]["queueDisplay"]["called"][0]["number"] == "A001"
    for board in [*boards[1:], late]:
        await board.disconnect()


async def test_a_call_made_while_the_console_subscribes_is_not_lost(demo, floor, monkeypatch):
    """graphql-transport-ws has no "subscribed" acknowledgement, so a clerk's console
    subscribes and calls at about the same time. A call committed after the subscription read
    its first state must still reach it (the console showed "no current ticket" for good)."""
    from schema import subscriptions

    await draw(floor, demo)
    point = {"input": {"servicePoint": str(floor.counters[0].pk)}}
    await act(floor, SIGN_IN, point)
    read_state = subscriptions.counter_queue_of
    calls = []

    def read_then_call(info, location):
        state = read_state(info, location)
        if not calls:  # the clerk clicks "call next" right after the first read
            calls.append(floor.clerk.data(CALL_NEXT, point)["callNextTicket"]["ticket"])
        return state

    monkeypatch.setattr(subscriptions, "counter_queue_of", read_then_call)
    session = floor.clerk.client.cookies[settings.SESSION_COOKIE_NAME].value
    ws = await connect(f"{settings.SESSION_COOKIE_NAME}={session}")
    await subscribe(ws, COUNTER_SUB, {"l": str(demo.rathaus.pk)})

    states = [(await next_event(ws))["data"]["counterQueue"]]
    while not states[-1]["active"]:  # fails by timeout when the call never arrives
        states.append((await next_event(ws))["data"]["counterQueue"])
    assert [call["number"] for call in calls] == ["A001"]
    assert states[-1] == {
        "waiting": [],
        "active": [{"number": "A001", "status": "CALLED", "servicePoint": "Schalter 1"}],
    }
    await ws.disconnect()
