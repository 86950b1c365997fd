"""Grandfather-father-son: which backups survive (7 daily, 4 weekly, 12 monthly)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from backend.backups.rotation import STAMP, survivors
from tests.backups.conftest import run

BERLIN = ZoneInfo("Europe/Berlin")


def name_at(day: dt.date, hour: int = 2, minute: int = 30) -> str:
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
    return f"vorzimmer-{local.astimezone(dt.UTC).strftime(STAMP)}.vzbak"


def nightly(first: dt.date, last: dt.date) -> dict[str, dt.datetime]:
    days = (last - first).days + 1
    return {
        name_at(d): dt.datetime(d.year, d.month, d.day, 2, 30, tzinfo=BERLIN)
        for d in (first + dt.timedelta(days=i) for i in range(days))
    }


def test_a_year_of_nightly_backups_keeps_7_days_4_weeks_12_months():
    backups = nightly(dt.date(2025, 11, 1), dt.date(2026, 12, 7))  # ends on a Monday

    kept = survivors(backups, BERLIN)

    days = [dt.date(2026, 12, d) for d in range(1, 8)]  # the last seven days
    weeks = [dt.date(2026, 12, 6), dt.date(2026, 11, 29), dt.date(2026, 11, 22)]  # + Dec 7
    months = [
        dt.date(2026, 11, 30),
        dt.date(2026, 10, 31),
        dt.date(2026, 9, 30),
        dt.date(2026, 8, 31),
        dt.date(2026, 7, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 5, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 3, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 1, 31),
    ]  # + December's newest, Dec 7: twelve months
    assert kept == {name_at(d) for d in days + weeks + months}


def test_newest_of_a_day_wins_and_days_are_local():
    # 00:30 in Berlin on 2 March is still 1 March in UTC: it is 2 March's backup.
    early = dt.datetime(2026, 3, 2, 0, 30, tzinfo=BERLIN)
    late = dt.datetime(2026, 3, 2, 23, 0, tzinfo=BERLIN)
    before = dt.datetime(2026, 3, 1, 22, 0, tzinfo=BERLIN)
    backups = {"early": early, "late": late, "before": before}

    assert survivors(backups, BERLIN, daily=1, weekly=0, monthly=0) == {"late"}
    assert survivors(backups, BERLIN, daily=2, weekly=0, monthly=0) == {"late", "before"}


def test_backup_command_rotates_but_keeps_safety_backups(backups, transactional_db):
    backups.mkdir(parents=True)
    old = nightly(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    for name in old:
        (backups / name).write_bytes(b"old")
    safety = backups / "vorzimmer-safety-20260101T000000Z.vzbak"
    safety.write_bytes(b"safety")
    unrelated = backups / "notes.txt"
    unrelated.write_text("operator's notes")

    newest = run("backup").strip().splitlines()[-1]

    left = {p.name for p in backups.iterdir()}
    expected = survivors(
        {**old, newest.rsplit("/", 1)[1]: dt.datetime.now(dt.UTC)},
        ZoneInfo(settings.TIME_ZONE),
    )
    assert left == expected | {safety.name, unrelated.name}
    # Whatever today is: March's last days, its last Sunday and each month's last are kept.
    assert {name_at(dt.date(2026, 3, 31)), name_at(dt.date(2026, 3, 22))} <= left
    assert {name_at(dt.date(2026, 2, 28)), name_at(dt.date(2026, 1, 31))} <= left
    assert name_at(dt.date(2026, 1, 15)) not in left
    assert name_at(dt.date(2026, 3, 10)) not in left
