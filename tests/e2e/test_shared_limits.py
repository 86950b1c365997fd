"""Two server processes share every limit: requests alternating between them are counted
together (Redis with REDIS_URL, else the database), and so is the live-hold cap.

The servers run with the production limits except where a test names one, behind
TRUSTED_PROXIES=127.0.0.1, so each test can be its own client (X-Forwarded-For)."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import at, working_day
from tests.documents import BOOKING, HOLD_SLOT
from tests.e2e.conftest import LiveServer, _database_url, _server_env, _spawn, _stop, _wait_ready
from tests.proof_of_work import solved_proof


@pytest.fixture(scope="module")
def two_servers(django_db_setup, tmp_path_factory) -> Iterator[tuple[LiveServer, LiveServer]]:
    from django.db import connection

    env = {
        key: value
        for key, value in _server_env(_database_url(connection.settings_dict)).items()
        if not key.startswith(("RATE_LIMIT_", "HOLD_MAX_", "BOOKING_MAX_"))
    }
    env |= {
        "TRUSTED_PROXIES": "127.0.0.1",
        "RATE_LIMIT_KEY_PREFIX": f"test-shared-{uuid.uuid4().hex}",
        "RATE_LIMIT_REQUEST_IP": "4/minute",
        "RATE_LIMIT_BOOKING_IP": "3/hour",
    }
    servers = []
    try:
        for n in range(2):
            log = tmp_path_factory.mktemp(f"shared-limits-{n}") / "daphne.log"
            server = _spawn(dict(env), log)
            if not _wait_ready(server):
                pytest.fail(f"daphne did not start:\n{server.log_tail()}")
            servers.append(server)
        yield servers[0], servers[1]
    finally:
        for server in servers:
            _stop(server)
        if os.environ.get("REDIS_URL"):
            import redis

            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            keys = list(client.scan_iter(f"{env['RATE_LIMIT_KEY_PREFIX']}:*"))
            if keys:
                client.delete(*keys)


def post(server: LiveServer, client_ip: str, query: str, variables: dict | None = None):
    """(status, Retry-After, body) of a POST /graphql as `client_ip` behind the proxy."""
    request = urllib.request.Request(
        server.url + "/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": client_ip},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Retry-After"), json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Retry-After"), json.load(exc)


def test_requests_alternating_between_processes_share_the_limit(two_servers, transactional_db):
    a, b = two_servers
    answers = [post(server, "192.0.2.10", "{ __typename }") for server in (a, b, a, b, a, b)]

    assert [status for status, _retry, _body in answers] == [200, 200, 200, 200, 429, 429]
    _status, retry_after, body = answers[4]
    assert 1 <= int(retry_after) <= 60
    assert body["errors"][0]["extensions"] == {
        "code": "RATE_LIMITED",
        "retryAfterSeconds": int(retry_after),
    }
    assert post(a, "192.0.2.11", "{ __typename }")[0] == 200  # another client


def test_code_guessing_is_counted_across_processes(two_servers, transactional_db):
    a, b = two_servers
    guess = {"code": "AAA-0000", "token": "x" * 32}
    answers = [post(server, "192.0.2.20", BOOKING, guess)[2] for server in (a, b, a)]
    assert answers == [{"data": {"booking": None}}] * 3
    _status, _retry, refused = post(b, "192.0.2.20", BOOKING, guess)
    assert refused["data"] == {"booking": None}
    assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_one_client_holds_at_most_two_slots_across_processes(two_servers, transactional_db, demo):
    a, b = two_servers

    def hold(server: LiveServer, minute: int) -> list:
        variables = {
            "input": {
                "service": str(demo.ausweis.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), 9, minute),
            }
        }
        # A citizen pays each hold with a proof of work, solved as the page does; the challenge
        # is fetched from another address so that the request limit (4/minute here) counts
        # only the holds of 192.0.2.30.
        variables["input"]["proof"] = solved_proof(
            lambda query, variables: post(server, "192.0.2.31", query, variables)[2], "HOLD_SLOT"
        )
        return post(server, "192.0.2.30", HOLD_SLOT, variables)[2]["data"]["holdSlot"]["errors"]

    assert [hold(server, minute) for server, minute in ((a, 0), (b, 15), (a, 30))] == [
        [],
        [],
        [{"code": "TOO_MANY_HOLDS", "field": "start"}],
    ]
