"""Every request gets an id: in the X-Request-ID response header and on every log record
written while it is handled (Django's error record, the access line, the socket's line). A
client's own X-Request-ID counts only from a trusted proxy, and only as a short safe token."""

from __future__ import annotations

import logging
import re

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from backend.asgi import application
from tests.core.test_logs import server_log

GENERATED = re.compile(r"[0-9a-f]{32}")
PROXY = "10.9.8.7"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    return settings


@pytest.mark.django_db
def test_each_request_gets_a_new_id():
    first = Client().get("/api/health/live")["X-Request-ID"]
    second = Client().get("/api/health/live")["X-Request-ID"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("peer", "given", "kept"),
    [
        (PROXY, "nginx-7f3a9c2e01b4", True),
        ("203.0.113.5", "nginx-7f3a9c2e01b4", False),  # anybody may not choose the id
        (PROXY, "short", False),
        (PROXY, "x" * 65, False),
        (PROXY, "id with spaces 1234", False),
        (PROXY, "forged\nINFO line 1234", False),
        (PROXY, "a:b:c:d:e:f:g:h", False),
    ],
)
def test_a_given_id_is_taken_only_from_a_trusted_proxy_and_only_when_safe(
    behind_proxy, peer, given, kept
):
    answered = Client(REMOTE_ADDR=peer).get("/api/health/live", HTTP_X_REQUEST_ID=given)
    assert (answered["X-Request-ID"] == given) is kept
    if not kept:
        assert GENERATED.fullmatch(answered["X-Request-ID"])


@pytest.mark.django_db
def test_every_record_of_a_request_carries_its_id(caplog, settings):
    settings.ROOT_URLCONF = "tests.core.failing_urls"
    caplog.set_level(logging.INFO)
    with server_log() as out:
        response = Client(raise_request_exception=False).get("/broken")
    rid = response["X-Request-ID"]
    records = [r for r in caplog.records if r.name in ("django.request", "backend.access")]
    assert [(r.name, r.request_id) for r in records] == [
        ("django.request", rid),
        ("backend.access", rid),
    ]
    printed = [line for line in out.getvalue().splitlines() if " ERROR " in line or "INFO" in line]
    assert [line.split(" ")[3] for line in printed] == [rid, rid]
    logging.getLogger("backend.test").warning("outside any request")
    assert caplog.records[-1].request_id is None


ORIGIN = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_a_websocket_has_an_id_in_its_handshake_and_its_line(caplog, behind_proxy):
    caplog.set_level(logging.INFO, logger="backend.access")
    ws = WebsocketCommunicator(
        application,
        "/graphql",
        subprotocols=["graphql-transport-ws"],
        headers=[*ORIGIN, (b"x-request-id", b"nginx-socket-0001")],
    )
    ws.scope["client"] = (PROXY, 40000)
    assert (await ws.connect(timeout=10))[0] is True
    await ws.disconnect(code=1000)
    [line] = [r for r in caplog.records if r.name == "backend.access"]
    assert line.getMessage().startswith("WS /graphql 101 closed 1000")
    assert line.request_id == "nginx-socket-0001"
