"""A staff WebSocket lives only as long as the session that opened it: logout, deactivation
and a password change close a live counterQueue subscription (4403) within a second; a socket
whose session ended refuses new subscriptions; boards and ticket holders are unaffected."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client

from schema import ws as socket_module
from tests.conftest import GraphQLClient
from tests.queue.test_subscriptions import (
    BOARD_SUB,
    COUNTER_SUB,
    STATUS_SUB,
    connect,
    draw,
    next_event,
    run,
    subscribe,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]
SESSION_ENDED = {"type": "websocket.close", "code": 4403, "reason": "Session ended"}
LOG_OUT = "mutation { logOut }"


def cookie_of(client: GraphQLClient) -> str:
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.client.cookies[name].value}"


async def live_counter_queue(floor, demo, client: GraphQLClient | None = None, waiting=()):
    ws = await connect(cookie_of(client or floor.clerk))
    await subscribe(ws, COUNTER_SUB, {"l": str(demo.rathaus.pk)})
    first = (await next_event(ws))["data"]["counterQueue"]
    assert ([w["number"] for w in first["waiting"]], first["active"]) == (list(waiting), [])
    return ws


def second_login(user) -> GraphQLClient:
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, {})


async def test_logging_out_closes_the_live_counter_queue_but_not_public_streams(demo, floor):
    ticket = await draw(floor, demo)
    counter = await live_counter_queue(floor, demo, waiting=["A001"])
    board = await connect()
    await subscribe(board, BOARD_SUB, {"l": str(demo.rathaus.pk)})
    await next_event(board)
    phone = await connect()
    await subscribe(phone, STATUS_SUB, {"t": ticket["id"], "k": ticket["statusToken"]})
    assert (await next_event(phone))["data"]["ticketStatus"]["position"] == 1

    assert await run(floor.clerk.data, LOG_OUT) == {"logOut": True}

    assert await counter.receive_output(timeout=1) == SESSION_ENDED
    await draw(floor, demo)  # the public streams go on
    waiting = (await next_event(board))["data"]["queueDisplay"]["waiting"]
    assert [(w["prefix"], w["count"]) for w in waiting if w["prefix"] == "A"] == [("A", 2)]
    assert await phone.receive_nothing(timeout=0.2)  # its position did not change
    for socket in (counter, board, phone):
        await socket.disconnect()


async def test_logging_out_ends_only_that_session_s_sockets(demo, floor):
    other_client = await run(second_login, floor.clerk_user)
    this_one = await live_counter_queue(floor, demo)
    other = await live_counter_queue(floor, demo, other_client)

    await run(floor.clerk.data, LOG_OUT)

    assert await this_one.receive_output(timeout=1) == SESSION_ENDED
    await draw(floor, demo)
    waiting = (await next_event(other))["data"]["counterQueue"]["waiting"]
    assert [w["number"] for w in waiting] == ["A001"]
    await this_one.disconnect()
    await other.disconnect()


def deactivate(user) -> None:
    user.is_active = False
    user.save()


def change_password(user) -> None:
    user.set_password("a new secret")
    user.save()


@pytest.mark.parametrize("change", [deactivate, change_password], ids=["deactivated", "password"])
async def test_deactivation_and_password_changes_close_the_socket(demo, floor, change):
    ws = await live_counter_queue(floor, demo)
    await run(change, floor.clerk_user)
    assert await ws.receive_output(timeout=1) == SESSION_ENDED
    await ws.disconnect()


def deactivate_quietly(user) -> None:
    """Without signals (a bulk update): only the socket's own re-checks can notice."""
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)


async def test_a_new_subscribe_after_deactivation_is_refused(demo, floor):
    ws = await connect(cookie_of(floor.clerk))
    await run(deactivate_quietly, floor.clerk_user)
    await subscribe(ws, BOARD_SUB, {"l": str(demo.rathaus.pk)})
    assert await ws.receive_output(timeout=1) == SESSION_ENDED
    await ws.disconnect()


async def test_no_counter_event_reaches_a_deactivated_user(demo, floor):
    ws = await live_counter_queue(floor, demo)
    await run(deactivate_quietly, floor.clerk_user)
    await draw(floor, demo)  # a citizen's ticket: the socket closes instead of showing it
    assert await ws.receive_output(timeout=1) == SESSION_ENDED
    await ws.disconnect()


async def test_open_staff_sockets_re_check_their_session_on_a_timer(demo, floor, monkeypatch):
    monkeypatch.setattr(socket_module, "RECHECK_SECONDS", 0.1)
    ws = await live_counter_queue(floor, demo)
    await run(lambda: Session.objects.all().delete())  # e.g. the session expired
    assert await ws.receive_output(timeout=1) == SESSION_ENDED
    await ws.disconnect()
