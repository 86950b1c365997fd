"""`StaffTicket.availableActions`: what the viewer may do to each ticket, from the queue's
transition table, the same in the counter queue, its subscription and a mutation's answer.
Whoever may only look (billing) gets no actions."""

from __future__ import annotations

import pytest
from django.conf import settings

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from tests.queue.actions import act, call_next, draw, sign_in
from tests.queue.conftest import staff_client
from tests.queue.test_subscriptions import connect, next_event, run, subscribe

QUEUE = """query($l: ID!) { counterQueue(location: $l) {
  waiting { number availableActions } active { number availableActions }
  parked { number availableActions } } }"""
LIVE = QUEUE.replace("query", "subscription", 1)
START = """mutation($input: TicketInput!) {
  startTicket(input: $input) { ticket { status availableActions } errors { code } } }"""


@pytest.mark.django_db
def test_actions_follow_the_ticket_status_for_queue_staff(demo, floor):
    first, _second, third = (draw(floor.kiosk, demo)["ticket"] for _ in range(3))
    sign_in(floor)
    call_next(floor)
    act(floor, "parkTicket", third["id"])

    queue = floor.clerk.data(QUEUE, {"l": str(demo.rathaus.pk)})["counterQueue"]

    assert queue == {
        "waiting": [{"number": "A002", "availableActions": ["PARK", "TRANSFER", "CANCEL"]}],
        "active": [
            {
                "number": "A001",
                "availableActions": ["RECALL", "START", "FINISH", "NO_SHOW", "PARK", "TRANSFER"],
            }
        ],
        "parked": [{"number": "A003", "availableActions": ["RETURN", "CANCEL"]}],
    }
    started = floor.clerk.data(START, {"input": {"ticket": first["id"]}})["startTicket"]
    assert started["ticket"] == {"status": "SERVING", "availableActions": ["FINISH", "TRANSFER"]}


@pytest.mark.django_db
def test_a_viewer_who_may_only_look_gets_no_actions(demo, floor):
    draw(floor.kiosk, demo)
    billing = create_staff("bill", "bill@x.de", demo.rathaus, [], StaffMember.Role.BILLING)

    queue = staff_client(billing).data(QUEUE, {"l": str(demo.rathaus.pk)})["counterQueue"]

    assert queue["waiting"] == [{"number": "A001", "availableActions": []}]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_live_counter_queue_carries_the_actions(demo, floor):
    await run(draw, floor.kiosk, demo)
    session = floor.clerk.client.cookies[settings.SESSION_COOKIE_NAME].value
    ws = await connect(f"{settings.SESSION_COOKIE_NAME}={session}")
    await subscribe(ws, LIVE, {"l": str(demo.rathaus.pk)})

    assert (await next_event(ws))["data"]["counterQueue"]["waiting"] == [
        {"number": "A001", "availableActions": ["PARK", "TRANSFER", "CANCEL"]}
    ]
    await ws.disconnect()
