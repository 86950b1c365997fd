"""Notification settings are checked at startup (Django system checks): a wrong value stops
`manage.py check/serve/run_huey` with a clear message, instead of crashing at import, failing
in a periodic job later, or being cut silently. And the daily report runs at DAILY_REPORT_TIME
in TIME_ZONE, not in UTC."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from huey.contrib.djhuey import HUEY

from backend.notifications import tasks  # noqa: F401  (registers the periodic tasks)
from backend.notifications.schedule import local_crontab

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _secure_push(settings):
    """As deployed (conftest allows the local fake push service for the other tests)."""
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = False


def check_ids() -> list[str]:
    """The ids of the notification errors `manage.py check` reports (none: [])."""
    try:
        call_command("check")
    except SystemCheckError as exc:
        return sorted(
            line.split(")")[0].split("(")[-1]
            for line in str(exc).splitlines()
            if "(notifications." in line
        )
    return []


def test_bad_values_stop_the_start_with_clear_messages(tmp_path):
    env = {
        **os.environ,
        "VORZIMMER_VAR_DIR": str(tmp_path),
        "DAILY_REPORT_TIME": "07:30:00",
        "REMINDER_SCHEDULE": "48h,1.5h,48",
        "SMS_ENABLED": "true",
        "SMS_PROVIDER": "twilio",
        "SMS_API_KEY": "AC123:secret",
        "SMS_SENDER": "Bürgeramt Musterhausen",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr  # no import crash: the checks speak
    errors = [line for line in result.stderr.splitlines() if "(notifications." in line]
    assert errors == [
        "?: (notifications.E001) DAILY_REPORT_TIME: '07:30:00' is no time of day: use HH:MM, "
        "e.g. 07:00.",
        "?: (notifications.E002) REMINDER_SCHEDULE: '1.5h' is no reminder time: use a whole "
        "number and m, h or d, e.g. 48h.",
        "?: (notifications.E002) REMINDER_SCHEDULE: '48' is no reminder time: use a whole "
        "number and m, h or d, e.g. 48h.",
        "?: (notifications.E004) SMS_SENDER 'Bürgeramt Musterhausen' cannot be an SMS sender.",
    ]


@pytest.mark.parametrize(
    ("setting", "value", "errors"),
    [
        ("DAILY_REPORT_TIME", "07:00", []),
        ("DAILY_REPORT_TIME", "7:30", []),
        ("DAILY_REPORT_TIME", "24:00", ["notifications.E001"]),
        ("DAILY_REPORT_TIME", "morgens", ["notifications.E001"]),
        ("REMINDER_SCHEDULE", ["90m", "2d"], []),
        ("REMINDER_SCHEDULE", ["0h"], ["notifications.E002"]),
        ("REMINDER_SCHEDULE", ["-2h", "h"], ["notifications.E002", "notifications.E002"]),
        ("SMS_SENDER", "Musterhsn", []),
        ("SMS_SENDER", "Stadt 12345", []),  # 11 characters
        ("SMS_SENDER", "+4915123456789", []),  # a number may be longer
        ("SMS_SENDER", "Stadtverwaltung", ["notifications.E004"]),  # 15: was cut silently
        ("SMS_SENDER", "Bürgeramt", ["notifications.E004"]),  # no umlauts
        ("SMS_SENDER", "Amt-Nord", ["notifications.E004"]),
        ("SMS_SENDER", "", ["notifications.E004"]),
        ("SMS_PROVIDER", "smsbox", ["notifications.E003"]),
        ("SMS_API_KEY", "no-secret", ["notifications.E006"]),
    ],
)
def test_each_setting_is_checked(setting, value, errors, settings):
    settings.SMS_ENABLED = True
    settings.SMS_PROVIDER = "vonage"
    settings.SMS_API_KEY = "key:secret"
    setattr(settings, setting, value)
    assert check_ids() == errors


def test_the_sipgate_sms_extension_is_checked_and_the_sender_name_not(settings):
    settings.SMS_ENABLED = True
    settings.SMS_PROVIDER = "sipgate"
    settings.SMS_API_KEY = "token-id:token"
    settings.SMS_SENDER = "Stadtverwaltung Musterhausen"  # unused by sipgate
    settings.SIPGATE_SMS_ID = "s0"
    assert check_ids() == []
    settings.SIPGATE_SMS_ID = "Musterhsn"
    assert check_ids() == ["notifications.E005"]


def test_sms_settings_are_not_checked_while_sms_is_off(settings):
    settings.SMS_ENABLED = False
    settings.SMS_PROVIDER = "twilio"
    settings.SMS_SENDER = "Stadtverwaltung"
    assert check_ids() == []


def test_insecure_push_endpoints_only_with_debug(settings):
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = True
    settings.DEBUG = False
    assert check_ids() == ["notifications.E007"]
    settings.DEBUG = True
    assert check_ids() == []


def due(timestamp: dt.datetime) -> list[str]:
    """The periodic notification tasks Huey's consumer would start at this moment (it hands
    them naive UTC timestamps)."""
    utc = timestamp.astimezone(dt.UTC).replace(tzinfo=None)
    ours = {"send_daily_reports", "apply_retention"}
    return sorted(task.name for task in HUEY.read_periodic(utc) if task.name in ours)


@pytest.mark.parametrize("month", [1, 7])  # winter (UTC+1) and summer (UTC+2) time
def test_the_daily_report_runs_at_seven_berlin_time(month, settings):
    assert HUEY.utc is True  # naive UTC timestamps: retries stay right across DST changes
    berlin = dt.timezone(dt.timedelta(hours=1 if month == 1 else 2))
    assert due(dt.datetime(2026, month, 15, 7, 0, tzinfo=berlin)) == ["send_daily_reports"]
    assert due(dt.datetime(2026, month, 15, 7, 0, tzinfo=dt.UTC)) == []  # 08:00 or 09:00 here
    assert due(dt.datetime(2026, month, 15, 7, 1, tzinfo=berlin)) == []


def test_local_crontab_follows_time_zone(settings):
    settings.TIME_ZONE = "Europe/Istanbul"  # UTC+3 all year
    at_three_seventeen = local_crontab(minute="17", hour="3")
    assert at_three_seventeen(dt.datetime(2026, 7, 1, 0, 17)) is True
    assert at_three_seventeen(dt.datetime(2026, 7, 1, 3, 17)) is False
