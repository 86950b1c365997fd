"""Error reports (SENTRY_DSN) from a production server to a local fake Sentry: a real server
error arrives, with its type, route and request id, and no personal data anywhere in anything
sent, after a citizen's whole flow with canary values (tests/notifications/
test_no_personal_data_in_logs.py) went through the same server."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.commands.test_serve import ROOT, production_env
from tests.conftest import at, working_day
from tests.core import fake_sentry
from tests.core.production_server import migrate, running
from tests.documents import BOOK, BOOKING, CANCEL
from tests.notifications.test_no_personal_data_in_logs import CANARIES, EMAIL, NAME, PHONE

SERVER = [
    sys.executable,
    *["manage.py", "run_web", "--port", "{port}"],
    *["--application", "tests.core.failing_asgi.application"],
]


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def graphql(port: int, query: str, variables: dict) -> dict:
    body = json.dumps({"query": query, "variables": variables}).encode()
    status, _headers, answer = post(port, "/graphql", body, {"Content-Type": "application/json"})
    assert status == 200, answer
    return json.loads(answer)


def demo_ids(var_dir, env) -> tuple[str, str]:
    subprocess.run(
        [sys.executable, "manage.py", "load_demo", "-v", "0"],
        cwd=ROOT,
        env=production_env(var_dir, **env),
        check=True,
        timeout=180,
    )
    printed = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from backend.catalog.models import Location, Service; "
            "print(Service.objects.get(slug='personalausweis').pk, "
            "Location.objects.get(slug='rathaus').pk)",
        ],
        cwd=ROOT,
        env=production_env(var_dir, **env),
        check=True,
        timeout=180,
        capture_output=True,
        text=True,
    )
    service, location = printed.stdout.split()
    return service, location


@pytest.fixture
def sentry():
    fake = fake_sentry.start()
    yield fake
    fake.server.shutdown()


def test_a_server_error_is_reported_without_personal_data(tmp_path, sentry):
    var_dir = tmp_path / "var"
    env = {
        "SENTRY_DSN": sentry.dsn,
        "POW_ENABLED": "0",
        "HUEY_IMMEDIATE": "1",  # confirmation and cancellation mails in the same process
        "HEALTH_HUEY_MAX_AGE_SECONDS": "0",
    }
    migrate(var_dir, **env)
    service, location = demo_ids(var_dir, env)
    start = at(working_day(), 9, 45)
    contact = {"name": NAME, "email": EMAIL, "phone": PHONE}
    with running(SERVER, var_dir, "server", **env) as server:
        port = server.port
        # The citizen books, looks the booking up and cancels it.
        made = graphql(
            port,
            BOOK,
            {"input": {**contact, "service": service, "location": location, "start": start}},
        )
        payload = made["data"]["bookAppointment"]
        assert payload["errors"] == [], payload
        code, token = payload["booking"]["code"], payload["manageToken"]
        assert graphql(port, BOOKING, {"code": code, "token": token})["data"]["booking"]
        cancelled = graphql(port, CANCEL, {"input": {"code": code, "token": token}})
        assert cancelled["data"]["cancelBooking"]["errors"] == []
        # Requests that fail validation quote their input (to the client only).
        bad = graphql(port, BOOK, {"input": {"name": NAME, "email": EMAIL, "phone": 4915199999999}})
        assert "15199999999" in bad["errors"][0]["message"]

        # A real bug, handed the canaries every way a request can carry them.
        status, headers, _ = post(
            port,
            f"/broken-quoting?email={EMAIL}",
            json.dumps(contact).encode(),
            {
                "Content-Type": "application/json",
                "Cookie": f"sessionid={EMAIL}; contact={NAME.replace(' ', '_')}",
                "X-Contact": PHONE,
                "Referer": f"http://127.0.0.1/?name={NAME.replace(' ', '+')}",
            },
        )
        assert status == 500
        request_id = next(v for k, v in headers.items() if k.lower() == "x-request-id")

        def the_bug(event: dict) -> bool:
            values = (event.get("exception") or {}).get("values") or []
            return any(value.get("type") == "RuntimeError" for value in values)

        event = sentry.wait_for_event(the_bug, timeout=60)

    everything = "\n".join(sentry.envelopes).lower()
    leaked = [canary for canary in CANARIES if canary.lower() in everything]
    assert not leaked, (leaked, sentry.envelopes)
    assert event["request"] == {"method": "POST", "url": f"http://127.0.0.1:{port}/broken-quoting"}
    assert event["tags"]["request_id"] == request_id
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "broken_quoting_view"
    assert all("vars" not in frame for frame in frames)
