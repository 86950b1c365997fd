"""The server log: one line per request (method, path without the query string, status,
duration), no personal data from query strings, no traceback for ordinary refusals (404, 403,
400), and the traceback of a real error (500)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

CANARY = "canary.logs@example.org"
ACCESS_LINE = re.compile(r"(?P<request>[A-Z]+ \S+ \d{3}) \d+\.\d ms")


@pytest.fixture
def everything(caplog):
    """Every record at DEBUG, from Django, the app and the libraries."""
    caplog.set_level(logging.DEBUG)
    for name in ["django", "django.request", "django.security", "backend", "strawberry"]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def summary(records) -> list[tuple[str, str, str, bool]]:
    """(logger, level, message without the duration, has a traceback) per record."""
    result = []
    for record in records:
        message = record.getMessage()
        if record.name == "backend.access":
            match = ACCESS_LINE.fullmatch(message)
            assert match, message
            message = match["request"]
        result.append((record.name, record.levelname, message, record.exc_info is not None))
    return result


def printed_lines(out: StringIO) -> list[str]:
    """The handler's lines without their time stamp, request id and the access line's
    duration."""
    lines = []
    for line in out.getvalue().splitlines():
        _date, _time, level, _request_id, rest = line.split(" ", 4)
        lines.append(re.sub(r" \d+\.\d ms$", "", f"{level} {rest}"))
    return lines


@contextmanager
def server_log() -> Iterator[StringIO]:
    """What the configured console handler (settings.LOGGING) writes, as the operator sees it."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    stream = StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


@pytest.mark.django_db
def test_a_get_query_with_personal_data_leaves_no_trace_in_the_log(everything):
    variables = json.dumps({"email": CANARY})
    with server_log() as out:
        response = Client().get(
            "/graphql", {"query": "query ($email: String) { __typename }", "variables": variables}
        )
    lines = [r.getMessage() for r in everything.records]
    assert [line for line in lines if "canary" in line] == []
    assert "canary" not in out.getvalue()
    access = [r for r in everything.records if r.name == "backend.access"]
    assert summary(access) == [
        ("backend.access", "INFO", f"GET /graphql {response.status_code}", False)
    ]


@pytest.mark.django_db
def test_a_404_is_one_line_without_traceback(everything):
    with server_log() as out:
        response = Client().get("/no-such-page", {"email": CANARY})
    assert response.status_code == 404
    assert summary(everything.records) == [
        ("backend.access", "INFO", "GET /no-such-page 404", False)
    ]
    assert printed_lines(out) == ["INFO backend.access: GET /no-such-page 404"]


@pytest.mark.django_db
def test_a_403_is_one_line_without_traceback(everything):
    clerk = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client = Client()
    client.force_login(clerk)
    everything.clear()
    # The admin raises PermissionDenied for a model the staff member may not see.
    response = client.get("/admin/auth/user/")
    assert response.status_code == 403
    assert summary(everything.records) == [
        ("backend.access", "INFO", "GET /admin/auth/user/ 403", False)
    ]


def test_a_bad_host_is_reported_without_traceback(everything):
    with server_log() as out:
        response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert printed_lines(out) == [
        "ERROR django.security.DisallowedHost: Invalid HTTP_HOST header: 'evil.example'. "
        "You may need to add 'evil.example' to ALLOWED_HOSTS.",
        "INFO backend.access: GET / 400",
    ]


@pytest.mark.django_db
def test_a_real_error_keeps_its_traceback(everything, settings):
    settings.ROOT_URLCONF = "tests.core.failing_urls"
    with server_log() as out:
        response = Client(raise_request_exception=False).get("/broken", {"email": CANARY})
    assert response.status_code == 500
    assert summary(everything.records) == [
        ("django.request", "ERROR", "Internal Server Error: /broken", True),
        ("backend.access", "INFO", "GET /broken 500", False),
    ]
    printed = out.getvalue()
    assert "Traceback (most recent call last)" in printed
    assert "RuntimeError: a bug in a view" in printed
    assert "canary" not in printed


@pytest.mark.django_db
def test_json_lines_carry_the_traceback_and_the_request_id(settings):
    from backend.core.logs import JsonLines

    settings.ROOT_URLCONF = "tests.core.failing_urls"
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    previous = handler.formatter
    handler.setFormatter(JsonLines())
    try:
        with server_log() as out:
            response = Client(raise_request_exception=False).get("/broken", {"email": CANARY})
    finally:
        handler.setFormatter(previous)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["logger"], line["level"]) for line in lines] == [
        ("django.request", "ERROR"),
        ("backend.access", "INFO"),
    ]
    assert {line["request_id"] for line in lines} == {response["X-Request-ID"]}
    assert lines[0]["exc"].startswith("Traceback (most recent call last)")
    assert lines[0]["exc"].endswith("RuntimeError: a bug in a view")
    assert "exc" not in lines[1]
    assert "canary" not in out.getvalue()
