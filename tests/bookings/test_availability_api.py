"""availableDays / availableSlots through /graphql: closures, holidays, the booking window,
range checks, and resource-based services whose staff is absent, on a break or booked.

The demo Rathaus is open Mon/Wed 08-16, Tue/Thu 08-18, Fri 08-12; "Personalausweis" takes
15 minutes with 2 parallel bookings. The practice is open Mon-Fri 08-12 and Mon/Tue/Thu
14-18; Dr. Anna Sommer works all of it and serves the consultation (15 min, staff + one of
two rooms) and the ECG (20 min + 10 min buffer after, staff + the one device); Dr. Kemal
Aydın serves consultations Mon-Wed 08-12 only.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import uuid
from contextlib import contextmanager
from itertools import pairwise

import holidays
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.catalog.models import Absence, Closure, OpeningHours, Resource, ResourceBreak
from tests.conftest import BERLIN, at, working_day
from tests.documents import AVAILABLE_DAYS, AVAILABLE_SLOTS
from tests.factories import book

pytestmark = pytest.mark.django_db

through_the_api = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
RATHAUS_HOURS = {1: (8, 16), 2: (8, 18), 3: (8, 16), 4: (8, 18), 5: (8, 12)}


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def nw_holidays() -> holidays.HolidayBase:
    return _nw_holidays(today().year)


@functools.cache
def _nw_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv="NW", years=range(year, year + 3))


def quiet_monday() -> dt.date:
    """A Monday at least 3 days ahead with no NW holiday in the 8 days from it."""
    monday = working_day(1)
    while any(d in nw_holidays() for d in span(monday, monday + dt.timedelta(days=7))):
        monday = working_day(1, min_days_ahead=(monday - today()).days + 1)
    return monday


def rathaus_open(day: dt.date) -> bool:
    return day.isoweekday() in RATHAUS_HOURS and day not in nw_holidays()


def span(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def variables(service, location, **extra) -> dict:
    return {"service": str(service.pk), "location": str(location.pk), **extra}


def days(gql, service, location, first: dt.date, last: dt.date) -> list[dt.date]:
    found = gql.data(
        AVAILABLE_DAYS,
        variables(service, location, **{"from": first.isoformat(), "to": last.isoformat()}),
    )["availableDays"]
    return [dt.date.fromisoformat(d) for d in found]


def slots(gql, service, location, day: dt.date) -> list[dict]:
    return gql.data(AVAILABLE_SLOTS, variables(service, location, date=day.isoformat()))[
        "availableSlots"
    ]


def remaining(gql, service, location, day: dt.date) -> dict[str, int]:
    """Local start time -> remaining capacity."""
    return {s["localTime"]: s["remaining"] for s in slots(gql, service, location, day)}


def times(first: str, last: str, minutes: int) -> list[str]:
    """Local HH:MM from `first` to `last` (inclusive) every `minutes`."""
    h, m = map(int, first.split(":"))
    start = dt.datetime(2000, 1, 1, h, m)
    h, m = map(int, last.split(":"))
    end = dt.datetime(2000, 1, 1, h, m)
    result = []
    while start <= end:
        result.append(f"{start:%H:%M}")
        start += dt.timedelta(minutes=minutes)
    return result


def top_level_error(body: dict) -> tuple:
    assert body["data"] is None
    [error] = body["errors"]
    return error["path"], error["extensions"]


@contextmanager
def rolled_back():
    """One hypothesis example's changes, undone before the next (a savepoint)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- closures and holidays -----------------------------------------------------------------


def test_a_closure_removes_the_day_from_available_days_and_empties_its_slots(gql, demo):
    monday = working_day(1)
    week = [d for d in span(monday, monday + dt.timedelta(days=4)) if rathaus_open(d)]
    assert days(gql, demo.ausweis, demo.rathaus, monday, week[-1]) == week
    assert remaining(gql, demo.ausweis, demo.rathaus, monday) == {
        t: 2 for t in times("08:00", "15:45", 15)
    }

    Closure.objects.create(
        location=demo.rathaus, first_day=monday, last_day=monday, reason="Betriebsausflug"
    )

    assert days(gql, demo.ausweis, demo.rathaus, monday, week[-1]) == week[1:]
    assert slots(gql, demo.ausweis, demo.rathaus, monday) == []
    # Only this location is closed: Bezirksamt Nord (Mon 08-16) still takes bookings.
    assert len(slots(gql, demo.ausweis, demo.nord, monday)) == 32


@through_the_api
@given(
    closures=st.lists(
        st.tuples(st.integers(min_value=0, max_value=34), st.integers(min_value=0, max_value=4)),
        min_size=1,
        max_size=3,
    )
)
def test_random_closures_never_leave_a_slot_on_a_closed_day(gql, demo, closures):
    first, last = today() + dt.timedelta(days=1), today() + dt.timedelta(days=40)
    closed = set()
    with rolled_back():
        for offset, length in closures:
            start = first + dt.timedelta(days=offset)
            Closure.objects.create(
                location=demo.rathaus, first_day=start, last_day=start + dt.timedelta(days=length)
            )
            closed.update(span(start, start + dt.timedelta(days=length)))

        listed = days(gql, demo.ausweis, demo.rathaus, first, last)

        assert listed == [d for d in span(first, last) if rathaus_open(d) and d not in closed]
        for day in sorted(closed):
            assert slots(gql, demo.ausweis, demo.rathaus, day) == []


def next_weekday_holiday(*, not_in: str | None = None) -> dt.date:
    """The next NW public holiday on a weekday whose day a week before is a working day
    (inside the default window), optionally one that region `not_in` does not have."""
    nw = nw_holidays()
    other = holidays.country_holidays("DE", subdiv=not_in, years=nw.years) if not_in else {}
    return min(
        day
        for day in nw
        if day.isoweekday() <= 5
        and day - dt.timedelta(days=7) >= today() + dt.timedelta(days=1)
        and rathaus_open(day - dt.timedelta(days=7))
        and day not in other
    )


def test_a_public_holiday_of_the_region_has_no_slots(gql, demo):
    holiday = next_weekday_holiday()
    week_before = holiday - dt.timedelta(days=7)
    demo.ausweis.max_advance_days = (holiday - today()).days + 7
    demo.ausweis.save()
    opens, closes = RATHAUS_HOURS[holiday.isoweekday()]

    listed = days(gql, demo.ausweis, demo.rathaus, week_before, holiday + dt.timedelta(days=7))

    assert holiday not in listed
    assert week_before in listed
    assert slots(gql, demo.ausweis, demo.rathaus, holiday) == []
    assert len(slots(gql, demo.ausweis, demo.rathaus, week_before)) == (closes - opens) * 4


def test_holidays_follow_the_organizations_region(gql, demo):
    """A holiday of North Rhine-Westphalia but not of Berlin (e.g. Allerheiligen)."""
    holiday = next_weekday_holiday(not_in="BE")
    demo.ausweis.max_advance_days = (holiday - today()).days
    demo.ausweis.save()
    opens, closes = RATHAUS_HOURS[holiday.isoweekday()]
    assert slots(gql, demo.ausweis, demo.rathaus, holiday) == []

    demo.org.holiday_region = "DE-BE"
    demo.org.save()

    assert len(slots(gql, demo.ausweis, demo.rathaus, holiday)) == (closes - opens) * 4


# --- booking window ------------------------------------------------------------------------


@pytest.mark.parametrize("cut_off_hour", [8, 12, 15])
def test_minimum_notice_cuts_off_inside_a_working_day(gql, demo, cut_off_hour):
    """With the notice set so that now + notice falls into [cut_off_hour, +1 h) on a Monday,
    that Monday offers exactly the quarter hours from then on, and no earlier day is listed."""
    monday = working_day(1)
    target = dt.datetime.combine(monday, dt.time(cut_off_hour), tzinfo=BERLIN)
    hours = math.ceil((target - dt.datetime.now(dt.UTC)) / dt.timedelta(hours=1))
    demo.ausweis.min_advance_hours = hours
    demo.ausweis.save()
    grid = [
        dt.datetime.combine(monday, dt.time(8), tzinfo=BERLIN) + dt.timedelta(minutes=15 * i)
        for i in range(32)
    ]

    def offered_after(now: dt.datetime) -> list[str]:
        cut_off = now + dt.timedelta(hours=hours)
        return [f"{g:%H:%M}" for g in grid if g >= cut_off]

    before = dt.datetime.now(dt.UTC)
    offered = [s["localTime"] for s in slots(gql, demo.ausweis, demo.rathaus, monday)]
    listed = days(gql, demo.ausweis, demo.rathaus, today(), monday + dt.timedelta(days=1))
    after = dt.datetime.now(dt.UTC)

    # The server's clock read lies between `before` and `after`; both agree but for a
    # quarter hour boundary passing during the request.
    assert offered in (offered_after(before), offered_after(after))
    # So the cut-off fell inside the hour from cut_off_hour: up to 4 quarters of it are gone.
    assert 4 * (16 - cut_off_hour) - 4 <= len(offered) <= 4 * (16 - cut_off_hour)
    tuesday = monday + dt.timedelta(days=1)
    assert listed == ([monday] if offered else []) + ([tuesday] if rathaus_open(tuesday) else [])


@through_the_api
@given(horizon=st.integers(min_value=0, max_value=70), where=st.sampled_from(["service", "org"]))
def test_available_days_never_lists_a_day_beyond_the_horizon(gql, demo, horizon, where):
    first, last = today() + dt.timedelta(days=1), today() + dt.timedelta(days=91)
    horizon_day = today() + dt.timedelta(days=horizon)
    beyond = next(d for d in span(horizon_day + dt.timedelta(days=1), last) if rathaus_open(d))
    with rolled_back():
        owner = demo.ausweis if where == "service" else demo.org
        type(owner).objects.filter(pk=owner.pk).update(max_advance_days=horizon)

        listed = days(gql, demo.ausweis, demo.rathaus, first, last)

        assert listed == [d for d in span(first, horizon_day) if rathaus_open(d)]
        assert slots(gql, demo.ausweis, demo.rathaus, beyond) == []


def test_the_service_horizon_overrides_the_organizations(gql, demo):
    first, last = today() + dt.timedelta(days=1), today() + dt.timedelta(days=40)
    demo.org.max_advance_days = 5
    demo.org.save()
    demo.ausweis.max_advance_days = 30
    demo.ausweis.save()

    listed = days(gql, demo.ausweis, demo.rathaus, first, last)

    assert listed == [d for d in span(first, today() + dt.timedelta(days=30)) if rathaus_open(d)]


# --- bad arguments -------------------------------------------------------------------------


def test_available_days_rejects_a_reversed_or_too_large_range(gql, demo):
    first = today() + dt.timedelta(days=1)

    def ask(last: dt.date) -> dict:
        return gql(
            AVAILABLE_DAYS,
            variables(
                demo.ausweis, demo.rathaus, **{"from": first.isoformat(), "to": last.isoformat()}
            ),
        )

    assert top_level_error(ask(first - dt.timedelta(days=1))) == (
        ["availableDays"],
        {"code": "INVALID_DATE_RANGE"},
    )
    assert top_level_error(ask(first + dt.timedelta(days=92))) == (
        ["availableDays"],
        {"code": "RANGE_TOO_LARGE"},
    )
    # The largest range allowed: 92 days, both ends included; a single day is fine too.
    assert "errors" not in ask(first + dt.timedelta(days=91))
    assert "errors" not in ask(first)


@pytest.mark.parametrize("query", ["availableDays", "availableSlots"])
@pytest.mark.parametrize(
    ("service", "location"),
    [
        ("not-a-uuid", None),
        (str(uuid.UUID(int=1)), None),
        (None, "not-a-uuid"),
        (None, str(uuid.UUID(int=1))),
    ],
    ids=["service-garbage", "service-unknown", "location-garbage", "location-unknown"],
)
def test_bad_ids_are_top_level_not_found_errors(gql, demo, query, service, location):
    day = working_day().isoformat()
    args = {
        "service": service or str(demo.ausweis.pk),
        "location": location or str(demo.rathaus.pk),
    }
    if query == "availableDays":
        body = gql(AVAILABLE_DAYS, {**args, "from": day, "to": day})
    else:
        body = gql(AVAILABLE_SLOTS, {**args, "date": day})

    assert top_level_error(body) == ([query], {"code": "NOT_FOUND"})


def test_a_service_at_another_organizations_location_is_not_offered(gql, demo):
    body = gql(
        AVAILABLE_SLOTS, variables(demo.consult, demo.rathaus, date=working_day().isoformat())
    )
    assert top_level_error(body) == (["availableSlots"], {"code": "SERVICE_NOT_OFFERED"})


# --- resource-based services ---------------------------------------------------------------

# Morning: two doctors and two rooms; afternoon: Dr. Sommer alone. One device for the ECG.
CONSULT_MONDAY = dict.fromkeys(times("08:00", "11:45", 15), 2) | dict.fromkeys(
    times("14:00", "17:45", 15), 1
)
ECG_MONDAY = dict.fromkeys(times("08:00", "11:30", 30) + times("14:00", "17:30", 30), 1)


def anna(demo) -> Resource:
    return Resource.objects.get(location=demo.practice_site, name="Dr. Anna Sommer")


def without(slots: dict[str, int], *gone: str) -> dict[str, int]:
    assert set(gone) <= set(slots)
    return {t: n for t, n in slots.items() if t not in gone}


def test_resource_services_offer_what_staff_rooms_and_device_allow(gql, demo):
    monday = quiet_monday()

    assert remaining(gql, demo.consult, demo.practice_site, monday) == CONSULT_MONDAY
    assert remaining(gql, demo.ecg, demo.practice_site, monday) == ECG_MONDAY


def test_a_staff_absence_takes_exactly_its_capacity(gql, demo):
    monday = quiet_monday()
    for start, end in [(at(monday, 9, 25), at(monday, 9, 35)), (at(monday, 15), at(monday, 16))]:
        Absence.objects.create(
            resource=anna(demo),
            starts_at=dt.datetime.fromisoformat(start),
            ends_at=dt.datetime.fromisoformat(end),
            reason="Fortbildung",
        )

    consult = remaining(gql, demo.consult, demo.practice_site, monday)
    ecg = remaining(gql, demo.ecg, demo.practice_site, monday)

    # Morning: Dr. Aydın still covers 09:15 and 09:30, so one consultation is left there;
    # afternoon: nobody else works, so 15:00-15:45 is gone.
    assert consult == without(CONSULT_MONDAY, *times("15:00", "15:45", 15)) | {
        "09:15": 1,
        "09:30": 1,
    }
    # The ECG at 09:00 would end at 09:20, but its 10 minute buffer reaches into the absence.
    assert ecg == without(ECG_MONDAY, "09:00", "09:30", "15:00", "15:30")
    # Another day is not affected.
    tuesday = monday + dt.timedelta(days=1)
    assert remaining(gql, demo.ecg, demo.practice_site, tuesday) == ECG_MONDAY


def test_a_staff_holiday_over_several_days_removes_her_from_each_of_them(gql, demo):
    monday = quiet_monday()
    friday_before = monday - dt.timedelta(days=3)
    Absence.objects.create(
        resource=anna(demo),
        starts_at=dt.datetime.fromisoformat(at(friday_before, 13)),
        ends_at=dt.datetime.fromisoformat(at(monday + dt.timedelta(days=1), 10)),
        reason="Urlaub",
    )

    # Monday: Dr. Aydın alone in the morning, nobody in the afternoon, no ECG at all.
    assert remaining(gql, demo.consult, demo.practice_site, monday) == dict.fromkeys(
        times("08:00", "11:45", 15), 1
    )
    assert remaining(gql, demo.ecg, demo.practice_site, monday) == {}
    # Tuesday from 10:00 she is back.
    tuesday = remaining(gql, demo.ecg, demo.practice_site, monday + dt.timedelta(days=1))
    assert tuesday == without(ECG_MONDAY, "08:00", "08:30", "09:00", "09:30")


def test_a_staff_break_takes_exactly_its_capacity_every_week(gql, demo):
    monday = quiet_monday()
    ResourceBreak.objects.create(
        resource=anna(demo), weekday=1, starts=dt.time(10, 25), ends=dt.time(10, 40)
    )

    for day in (monday, monday + dt.timedelta(days=7)):
        consult = remaining(gql, demo.consult, demo.practice_site, day)
        ecg = remaining(gql, demo.ecg, demo.practice_site, day)

        assert consult == CONSULT_MONDAY | {"10:15": 1, "10:30": 1}
        assert ecg == without(ECG_MONDAY, "10:00", "10:30")  # 10:00 loses its buffer
    # A break on Mondays only.
    tuesday = monday + dt.timedelta(days=1)
    assert remaining(gql, demo.ecg, demo.practice_site, tuesday) == ECG_MONDAY


def test_an_ecg_booking_takes_dr_sommer_from_overlapping_consultations(gql, demo):
    monday = quiet_monday()

    booking = book(gql, demo.ecg, demo.practice_site, at(monday, 9))["booking"]

    assert booking["assignedStaff"] == {"name": "Dr. Anna Sommer"}
    # She is busy 09:00-09:30 (buffer included): Dr. Aydın alone is left for those quarters.
    assert remaining(gql, demo.consult, demo.practice_site, monday) == CONSULT_MONDAY | {
        "09:00": 1,
        "09:15": 1,
    }
    assert remaining(gql, demo.ecg, demo.practice_site, monday) == without(ECG_MONDAY, "09:00")


def test_a_consultation_booking_takes_dr_sommer_from_overlapping_ecgs(gql, demo):
    monday = quiet_monday()

    booking = book(gql, demo.consult, demo.practice_site, at(monday, 14, 15))["booking"]

    assert booking["assignedStaff"] == {"name": "Dr. Anna Sommer"}  # the only one at 14:15
    assert remaining(gql, demo.ecg, demo.practice_site, monday) == without(ECG_MONDAY, "14:00")
    assert remaining(gql, demo.consult, demo.practice_site, monday) == without(
        CONSULT_MONDAY, "14:15"
    )


def minutes_of(local_time: str) -> int:
    h, m = map(int, local_time.split(":"))
    return 60 * h + m


@through_the_api
@given(
    start=st.integers(min_value=7 * 12, max_value=18 * 12).map(lambda n: 5 * n),
    length=st.integers(min_value=1, max_value=24).map(lambda n: 5 * n),
)
def test_a_random_absence_costs_each_service_exactly_the_overlapping_slots(
    gql, demo, start, length
):
    monday = quiet_monday()
    gone = range(start, start + length)  # minutes after midnight

    def free(local_time: str, occupied_minutes: int) -> bool:
        begin = minutes_of(local_time)
        return not set(range(begin, begin + occupied_minutes)) & set(gone)

    with rolled_back():
        Absence.objects.create(
            resource=anna(demo),
            starts_at=dt.datetime.combine(monday, dt.time(0), tzinfo=BERLIN)
            + dt.timedelta(minutes=start),
            ends_at=dt.datetime.combine(monday, dt.time(0), tzinfo=BERLIN)
            + dt.timedelta(minutes=start + length),
        )

        consult = remaining(gql, demo.consult, demo.practice_site, monday)
        ecg = remaining(gql, demo.ecg, demo.practice_site, monday)

    expected_consult = {}
    for t in CONSULT_MONDAY:
        doctors = int(free(t, 15)) + (1 if t < "12:00" else 0)  # Dr. Aydın works mornings
        if doctors:
            expected_consult[t] = min(doctors, 2)
    assert consult == expected_consult
    assert ecg == {t: 1 for t in ECG_MONDAY if free(t, 30)}  # 20 min + 10 min buffer


# --- daylight saving time ------------------------------------------------------------------


def last_sunday(year: int, month: int) -> dt.date:
    day = dt.date(year, month + 1, 1) - dt.timedelta(days=1)
    return day - dt.timedelta(days=day.isoweekday() % 7)


def next_dst_days() -> list[dt.date]:
    year = today().year
    candidates = [last_sunday(y, m) for y in (year, year + 1) for m in (3, 10)]
    return sorted(d for d in candidates if d > today() + dt.timedelta(days=1))[:2]


def test_dst_sundays_have_slots_for_their_real_length_with_local_times(gql, demo):
    """Open Sundays 00:00-06:00 and 08:00-16:00: the night has 5 hours in spring and 7 in
    autumn, the day the usual 8; the repeated autumn hour appears twice, with two offsets."""
    spring_or_autumn = next_dst_days()
    demo.ausweis.max_advance_days = (spring_or_autumn[-1] - today()).days
    demo.ausweis.save()
    OpeningHours.objects.bulk_create(
        OpeningHours(location=demo.rathaus, weekday=7, opens=dt.time(a), closes=dt.time(b))
        for a, b in [(0, 6), (8, 16)]
    )
    expected_nights = {
        3: [(t, "+01:00") for t in times("00:00", "01:45", 15)]
        + [(t, "+02:00") for t in times("03:00", "05:45", 15)],
        10: [(t, "+02:00") for t in times("00:00", "02:45", 15)]
        + [(t, "+01:00") for t in times("02:00", "05:45", 15)],
    }

    for day in spring_or_autumn:
        assert day not in nw_holidays()
        found = slots(gql, demo.ausweis, demo.rathaus, day)

        offset = "+02:00" if day.month == 3 else "+01:00"
        assert [(s["localTime"], s["start"][-6:]) for s in found] == expected_nights[day.month] + [
            (t, offset) for t in times("08:00", "15:45", 15)
        ]
        assert len(found) == {3: 20, 10: 28}[day.month] + 32
        assert all(s["start"].startswith(f"{day.isoformat()}T{s['localTime']}") for s in found)
        starts = [dt.datetime.fromisoformat(s["start"]) for s in found]
        assert all(a < b for a, b in pairwise(starts))  # in real time, so all distinct
