"""Shared fixtures: the demo data, a GraphQL client over Django's test client, and dates."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.conf import settings as django_settings
from django.test import Client

from backend.catalog.demo import load_demo
from backend.catalog.models import Location, Organization, Service
from tests.proof_of_work import with_proofs

BERLIN = ZoneInfo("Europe/Berlin")

# The suite runs without DEBUG, as production does, and opts into what production refuses
# unless asked (backend/core/checks.py), as EMAIL_BACKEND=console and an explicit
# PUBLIC_BASE_URL would: so backend.asgi, imported by the WebSocket tests, loads. Mail is read
# from django.core.mail.outbox or a local SMTP server; links keep the default address.
django_settings.EMAIL_TRANSPORT = "console"
django_settings.PUBLIC_BASE_URL_IS_DEFAULT = False


@dataclass
class GraphQLClient:
    client: Client
    headers: dict
    # Solve and attach proofs of work like the citizen pages do (tests/proof_of_work.py);
    # off for tests about the proofs themselves.
    proofs: bool = True

    def post(self, query: str, variables: dict | None = None, **extra):
        variables = variables or {}
        if self.proofs:
            variables = with_proofs(lambda q, v: self._post(q, v, **extra).json(), query, variables)
        return self._post(query, variables, **extra)

    def _post(self, query: str, variables: dict, **extra):
        return self.client.post(
            "/graphql",
            json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
            **{**self.headers, **extra},
        )

    def __call__(self, query: str, variables: dict | None = None, **extra) -> dict:
        response = self.post(query, variables, **extra)
        assert response.status_code == 200, response.content
        return response.json()

    def data(self, query: str, variables: dict | None = None, **extra) -> dict:
        body = self(query, variables, **extra)
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def gql() -> GraphQLClient:
    return GraphQLClient(Client(), {})


def bearer(token: str) -> GraphQLClient:
    return GraphQLClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"})


@dataclass
class Demo:
    org: Organization
    rathaus: Location
    nord: Location
    ausweis: Service  # capacity 2, 15 min, both locations
    kfz: Service  # capacity 1, 30 min, Rathaus only
    practice_site: Location
    consult: Service  # needs staff + room
    ecg: Service  # needs staff + device, 10 min buffer after


@pytest.fixture
def demo(db) -> Demo:
    org = load_demo()
    services = {s.slug: s for s in Service.objects.all()}
    return Demo(
        org=org,
        rathaus=Location.objects.get(slug="rathaus"),
        nord=Location.objects.get(slug="ba-nord"),
        ausweis=services["personalausweis"],
        kfz=services["kfz-zulassung"],
        practice_site=Location.objects.get(slug="praxis"),
        consult=services["sprechstunde"],
        ecg=services["ekg"],
    )


def working_day(weekday: int = 1, min_days_ahead: int = 3) -> dt.date:
    """The next ISO `weekday` at least `min_days_ahead` days away that is no NW holiday."""
    today = dt.datetime.now(BERLIN).date()
    nw = holidays.country_holidays("DE", subdiv="NW", years=[today.year, today.year + 1])
    day = today + dt.timedelta(days=min_days_ahead)
    while day.isoweekday() != weekday or day in nw:
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> str:
    """An ISO datetime with its Berlin offset, as a client sends it."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).isoformat()


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer. pytest-asyncio gives every test a new event loop,
    and channels-redis binds its receive lock to the loop that first waited on it: a layer
    shared across tests fails with "bound to a different event loop" (one loop in production)."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _easy_proofs_of_work(settings):
    """Proofs of work stay on, but cheap and at a fixed difficulty (the e2e server keeps the
    production defaults; tests/bookings/test_proof_of_work.py tests the rising difficulty)."""
    settings.POW_MAX_NUMBER = 1000
    settings.POW_RAISE_AFTER = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many logins; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True, scope="session")
def _jobs_run_immediately():
    """Huey jobs run in-process at enqueue time (HUEY is read at import, so tests flip
    the flag on the live instance here)."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield
    HUEY.immediate = False


GENEROUS_RATE = "100000/minute"
GENEROUS_CAP = 10_000


@pytest.fixture(autouse=True)
def _rate_limits(request, settings):
    """Rate-limit counters never leak between tests: each test counts under its own key
    prefix (Redis), and the database store rolls back with the test. Tests that are not about
    abuse get limits that ordinary use of the API in a test cannot reach (many of them hold
    and book a dozen times from 127.0.0.1 with one address); tests marked `rate_limits` keep
    the defaults."""
    import uuid

    prefix = f"test-{uuid.uuid4().hex}"
    redis_url = settings.REDIS_URL  # as configured: a test may point it elsewhere
    settings.RATE_LIMIT_KEY_PREFIX = prefix
    if request.node.get_closest_marker("rate_limits") is None:
        settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, GENEROUS_RATE)
        settings.HOLD_MAX_LIVE_PER_CLIENT = GENEROUS_CAP
        settings.BOOKING_MAX_OPEN_PER_CONTACT = GENEROUS_CAP
    yield
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def no_cooldown(settings):
    """Freed places return to public availability at once: for tests about something else
    than the freed-slot cool-down (ops/adr/0007-freed-slot-cooldown.md), which is on by
    default."""
    settings.FREED_SLOT_COOLDOWN_MAX_SECONDS = 0
