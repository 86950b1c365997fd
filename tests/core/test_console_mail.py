"""EMAIL_BACKEND=console in production: the confirmation of a real booking is announced in one
line with masked recipient, subject and sizes; no manage link, token, name or address."""

from __future__ import annotations

import re

import pytest

from backend.core.mail import mask_address
from tests.conftest import at, working_day
from tests.core.test_transport_security import settings_for
from tests.factories import book
from tests.notifications.flows import AYSE

pytestmark = pytest.mark.django_db


def test_a_booking_confirmation_prints_nothing_to_act_on(
    gql, demo, settings, capsys, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "backend.core.mail.RedactingConsoleBackend"
    capsys.readouterr()
    with django_capture_on_commit_callbacks(execute=True):
        made = book(
            gql,
            demo.ausweis,
            demo.rathaus,
            at(working_day(), 9, 30),
            contact=AYSE,
            name="Canary Kanarienvogel",
        )
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert len(lines) == 1, printed
    match = re.fullmatch(
        r"E-mail not sent \(EMAIL_BACKEND=console\) to a\*\*\*@e\*\*\*\.com: subject '(.+)', "
        r"text (\d+) bytes, 1 alternative\(s\) (\d+) bytes, (\d) attachment\(s\)",
        lines[0],
    )
    assert match, lines[0]
    assert int(match[2]) > 200 and int(match[3]) > int(match[2])  # sizes of the real message
    for secret in (made["manageToken"], made["booking"]["code"], "/manage/", "Canary", "ayse"):
        assert secret not in printed


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("anna.schmidt@example.org", "a***@e***.org"),
        ("Anna Schmidt <anna.schmidt@mail.example.org>", "a***@m***.org"),
        ("root@localhost", "r***@l***"),
        ("not an address", "***"),
    ],
)
def test_addresses_are_masked(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["", "backend.core.mail.RedactingConsoleBackend"]),  # refused by core.E005
        ({"EMAIL_BACKEND": "console"}, ["console", "backend.core.mail.RedactingConsoleBackend"]),
        (
            {"EMAIL_BACKEND": "console", "DEBUG": "1"},
            ["console", "django.core.mail.backends.console.EmailBackend"],
        ),
        (
            {"EMAIL_BACKEND": "console", "SMTP_HOST": "mail.example"},
            ["smtp", "django.core.mail.backends.smtp.EmailBackend"],
        ),
    ],
    ids=["production-unset", "production-opt-in", "development", "smtp-wins"],
)
def test_which_backend_the_environment_selects(tmp_path, env, expected):
    found = settings_for(tmp_path, ["EMAIL_TRANSPORT", "EMAIL_BACKEND"], **env)
    assert [found["EMAIL_TRANSPORT"], found["EMAIL_BACKEND"]] == expected
