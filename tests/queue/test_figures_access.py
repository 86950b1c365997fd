"""One rule decides who may see a location's figures and its staff queue view: `stats`,
`queueStats` and `counterQueue` (query and subscription) answer the same for every role.
Whoever may see all of the location's bookings may; a doctor, who sees only their own
patients, may not. Denied callers get FORBIDDEN and no data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import Client

from backend.accounts.api_tokens import issue_api_token
from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.catalog.models import Resource
from tests.conftest import GraphQLClient, at
from tests.factories import booked
from tests.queue.actions import AHEAD, BEA, draw
from tests.queue.test_subscriptions import connect, subscribe

Role = StaffMember.Role
STATS = """query($l: ID!, $d: Date!) {
  stats(location: $l, date: $d) { totalAppointments cancellations waitlistCount } }"""
QUEUE_STATS = """query($l: ID!, $d: Date!) {
  queueStats(location: $l, date: $d) { services { prefix tickets } } }"""
COUNTER_QUEUE = """query($l: ID!) { counterQueue(location: $l) { waiting { number } } }"""
COUNTER_LIVE = """subscription($l: ID!) { counterQueue(location: $l) { waiting { number } } }"""
ALLOWED_DATA = {
    "stats": {"totalAppointments": 1, "cancellations": 0, "waitlistCount": 0},
    "queueStats": {"services": [{"prefix": "A", "tickets": 1}]},
    "counterQueue": {"waiting": [{"number": "A001"}]},
}
MAY_SEE_RATHAUS = {
    "anonymous": False,
    "no_role": False,
    "doctor": False,
    "counter_staff_other_location": False,
    "integration_other_org": False,
    "counter_staff": True,
    "location_manager": True,
    "org_admin": True,
    "billing": True,
    "integration": True,
    "superuser": True,
}


@dataclass
class World:
    clients: dict[str, GraphQLClient]
    day: object


def session(user) -> GraphQLClient:
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, {})


@pytest.fixture
def world(demo, floor, office_hour, django_user_model) -> World:
    """Rathaus today: one appointment (booked by a citizen) and one drawn ticket."""
    booked(demo.ausweis, demo.rathaus, at(office_hour, 11), ahead=AHEAD, **BEA)
    draw(floor.kiosk, demo)
    users = {
        "doctor": create_staff("doc", "d@x.de", demo.rathaus, [], Role.DOCTOR),
        "counter_staff_other_location": create_staff(
            "nord", "n@x.de", demo.nord, [], Role.COUNTER_STAFF
        ),
        "counter_staff": floor.clerk_user,
        "location_manager": create_staff("boss", "b@x.de", demo.rathaus, [], Role.LOCATION_MANAGER),
        "org_admin": create_staff("admin", "a@x.de", demo.rathaus, [], Role.ORG_ADMIN),
        "billing": create_staff("billing", "k@x.de", demo.rathaus, [], Role.BILLING),
        "superuser": django_user_model.objects.create_superuser("root", "r@x.de", "pw-unused"),
        "no_role": django_user_model.objects.create_user("nobody", "x@x.de", "pw-unused"),
    }
    clients = {name: session(user) for name, user in users.items()}
    clients["anonymous"] = GraphQLClient(Client(), {})
    for name, org in (
        ("integration", demo.org),
        ("integration_other_org", demo.practice_site.organization),
    ):
        _token, secret = issue_api_token(org, name)
        clients[name] = GraphQLClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {secret}"})
    return World(clients, office_hour)


def answers(client: GraphQLClient, location, day) -> dict[str, dict]:
    variables = {"l": str(location.pk), "d": day.isoformat()}
    return {
        "stats": client(STATS, variables),
        "queueStats": client(QUEUE_STATS, variables),
        "counterQueue": client(COUNTER_QUEUE, {"l": variables["l"]}),
    }


FORBIDDEN_BODY = {"data": None, "errors": [{"code": "FORBIDDEN"}]}


def outcome(body: dict) -> dict:
    """The body with each error reduced to its code (messages are prose)."""
    if "errors" not in body:
        return body
    return {
        "data": body["data"],
        "errors": [{"code": e["extensions"]["code"]} for e in body["errors"]],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "allowed"), MAY_SEE_RATHAUS.items(), ids=MAY_SEE_RATHAUS.keys())
def test_the_same_decision_for_stats_queue_stats_and_counter_queue(world, demo, role, allowed):
    bodies = answers(world.clients[role], demo.rathaus, world.day)
    expected = {
        name: {"data": {name: data}} if allowed else FORBIDDEN_BODY
        for name, data in ALLOWED_DATA.items()
    }
    assert {name: outcome(body) for name, body in bodies.items()} == expected


@pytest.mark.django_db
def test_a_practice_doctor_sees_no_figures_counting_colleagues_patients(demo, office_hour):
    sommer = Resource.objects.get(name="Dr. Anna Sommer")
    doctor = create_staff("sommer", "s@x.de", demo.practice_site, [], Role.DOCTOR, resource=sommer)
    for hour in (9, 10):  # one patient for each doctor
        booked(demo.consult, demo.practice_site, at(office_hour, hour), ahead=AHEAD, **BEA)

    bodies = answers(session(doctor), demo.practice_site, office_hour)

    assert {name: outcome(body) for name, body in bodies.items()} == {
        name: FORBIDDEN_BODY for name in ALLOWED_DATA
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("role", "allowed"),
    [(role, allowed) for role, allowed in MAY_SEE_RATHAUS.items() if "integration" not in role],
    ids=[role for role in MAY_SEE_RATHAUS if "integration" not in role],
)
def test_the_counter_queue_subscription_follows_the_same_rule(world, demo, role, allowed):
    """Integrations use tokens over HTTP; sockets carry sessions."""
    client = world.clients[role].client
    name = settings.SESSION_COOKIE_NAME
    cookie = f"{name}={client.cookies[name].value}" if name in client.cookies else None

    async def first_answer():
        ws = await connect(cookie)
        await subscribe(ws, COUNTER_LIVE, {"l": str(demo.rathaus.pk)})
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = async_to_sync(first_answer)()
    payload = outcome(message["payload"])
    if allowed:
        assert payload["data"]["counterQueue"]["waiting"] == [{"number": "A001"}]
    else:
        assert payload == FORBIDDEN_BODY
