"""SIGTERM stops a production server within seconds even while it computes the heaviest
document its limits accept: a worker thread cannot be killed, so the request's wall-clock
budget is what ends it (before, one such thread kept daphne alive for minutes)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from backend.catalog.demo import load_demo
from backend.catalog.models import Location, Organization, Service
from tests.e2e.conftest import REPO, _database_url, _free_port, _server_env

BUDGET_SECONDS = 2
FIELDS = (
    "services { name description requiredDocuments needs fee { amount currency } "
    "locations { name shortName slug phone email timezone address { street zipCode city } } }"
)
# Four aliases of a big catalog read: 4 x 11810 = 47240, just under the anonymous budget of
# 50000, so every limit but the clock lets it through.
HEAVIEST = "{ " + " ".join(f"a{i}: organizations {{ {FIELDS} }}" for i in range(4)) + " }"


def big_catalog() -> None:
    """200 services, each offered at 40 locations: 8,000 service-location pairs per alias."""
    load_demo()
    org = Organization.objects.get(slug="musterhausen")
    places = Location.objects.bulk_create(
        Location(organization=org, slug=f"big-{i}", name=f"Amt {i}") for i in range(40)
    )
    services = Service.objects.bulk_create(
        Service(organization=org, slug=f"big-{i}", name=f"Leistung {i}", duration_minutes=15)
        for i in range(200)
    )
    through = Service.locations.through
    through.objects.bulk_create(
        through(service_id=service.pk, location_id=place.pk)
        for service in services
        for place in places
    )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def post(port: int, query: str, timeout: float = 60) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        json.dumps({"query": query}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


@pytest.fixture
def server(transactional_db, tmp_path):
    big_catalog()
    env = _server_env(_database_url(connection.settings_dict))
    env["GRAPHQL_REQUEST_BUDGET_SECONDS"] = str(BUDGET_SECONDS)
    port = _free_port()
    log = (tmp_path / "daphne.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_web", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            post(port, "{ __typename }", timeout=2)
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "daphne did not start"
            time.sleep(0.1)
    yield port, process
    if process.poll() is None:
        process.kill()
        process.wait()
    log.close()


def test_sigterm_stops_the_server_within_seconds_during_the_heaviest_request(server):
    port, process = server

    # Given the heaviest accepted document really is heavy: it runs into the budget.
    body = post(port, HEAVIEST)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["TIMEOUT"]

    # When the server is computing it again and gets SIGTERM (heavy requests one after the
    # other: on a busy machine one request can reach its wall-clock budget before the server
    # got the CPU time we wait for, so a single one may be over before the signal),
    signalled = threading.Event()
    threading.Thread(target=_post_until, args=(port, signalled), daemon=True).start()
    busy_from = cpu_seconds(process.pid)
    deadline = time.monotonic() + 30
    while cpu_seconds(process.pid) < busy_from + 0.3:  # the request is being worked on
        assert time.monotonic() < deadline
        time.sleep(0.02)
    signalled.set()  # no new requests after the signal: it is the running one that must stop
    process.send_signal(signal.SIGTERM)
    stopped_at = time.monotonic()

    # then it exits within a few seconds (the budget, plus shutting down).
    process.wait(timeout=BUDGET_SECONDS + 8)
    assert time.monotonic() - stopped_at < BUDGET_SECONDS + 8


def _post_until(port: int, signalled: threading.Event) -> None:
    with contextlib.suppress(OSError):  # the server goes away mid-request, as it should
        while not signalled.is_set():
            post(port, HEAVIEST)
