"""Property tests of the pure slot engine (no database), against a model in whole minutes.

The model: a location's open time on DAY is a set of minutes after local midnight; a
resource's free time is its working minutes inside the open ones, minus its breaks, absences
and busy minutes; a start is on the grid when it is an open run's start plus the buffer before,
plus a multiple of the step, and its occupied window (buffers included) fits that run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backend.availability.calendar import WeeklyInterval
from backend.availability.engine import (
    BookingWindow,
    Closure,
    LocationCalendar,
    ResourceCalendar,
    ServiceRule,
    plan_day,
    pool_slots,
    resource_slots,
)
from backend.availability.intervals import normalize

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
DAY = dt.date(2026, 6, 10)  # a Wednesday in summer time, far from any DST change
WEEKDAY = DAY.isoweekday()
MIDNIGHT = dt.datetime(2026, 6, 9, 22, 0, tzinfo=UTC)  # DAY 00:00 in Berlin (UTC+2)
MINUTE = dt.timedelta(minutes=1)
ANY_TIME = BookingWindow(earliest=MIDNIGHT - dt.timedelta(days=1), last_day=DAY)
# Open all day on the neighbouring weekdays: leaking them into DAY would show as extra slots.
OTHER_DAYS = (
    WeeklyInterval(WEEKDAY - 1, dt.time(0), dt.time(23, 55)),
    WeeklyInterval(WEEKDAY + 1, dt.time(0), dt.time(23, 55)),
)
KINDS = ("staff", "room", "device")
no_deadline = settings(deadline=None)  # fast, but a busy machine must not make them flaky


def at(minute: int) -> dt.datetime:
    return MIDNIGHT + minute * MINUTE


def minute_of(moment: dt.datetime) -> int:
    return (moment - MIDNIGHT) // MINUTE


def clock(minute: int) -> dt.time:
    return dt.time(minute // 60, minute % 60)


def weekly(pairs, weekday: int = WEEKDAY) -> tuple[WeeklyInterval, ...]:
    return tuple(WeeklyInterval(weekday, clock(a), clock(b)) for a, b in pairs)


def minutes_in(pairs) -> set[int]:
    return {m for a, b in pairs for m in range(a, b)}


def runs(covered: set[int]) -> list[tuple[int, int]]:
    """The maximal runs [a, b) of consecutive minutes in `covered`."""
    result: list[tuple[int, int]] = []
    for m in sorted(covered):
        if result and result[-1][1] == m:
            result[-1] = (result[-1][0], m + 1)
        else:
            result.append((m, m + 1))
    return result


def minutes(rule: ServiceRule, name: str) -> int:
    return getattr(rule, name) // MINUTE


def after_start(rule: ServiceRule) -> int:
    """Minutes from a start to the end of its occupied window."""
    return minutes(rule, "duration") + minutes(rule, "buffer_after")


def occupied_minutes(rule: ServiceRule, start: int) -> set[int]:
    return set(range(start - minutes(rule, "buffer_before"), start + after_start(rule)))


def grid_starts(open_minutes: set[int], rule: ServiceRule) -> list[int]:
    before, grid = minutes(rule, "buffer_before"), minutes(rule, "grid")
    starts = []
    for a, b in runs(open_minutes):
        start = a + before
        while start + after_start(rule) <= b:
            starts.append(start)
            start += grid
    return starts


def listed(slots) -> list[tuple[int, int, int]]:
    return [(minute_of(s.start), minute_of(s.end), s.remaining) for s in slots]


# --- strategies ----------------------------------------------------------------------------

five = st.integers(min_value=0, max_value=287).map(lambda n: n * 5)  # 00:00 ... 23:55


@st.composite
def wall_pair(draw, min_length: int = 5) -> tuple[int, int]:
    start = draw(st.integers(min_value=0, max_value=(1435 - min_length) // 5)) * 5
    end = draw(st.integers(min_value=start + min_length, max_value=1435).map(lambda m: m - m % 5))
    assume(end - start >= min_length)
    return start, end


@st.composite
def split_shifts(draw, max_size: int = 4) -> list[tuple[int, int]]:
    """Wall-clock intervals with gaps between them (strictly increasing boundaries)."""
    bounds = sorted(draw(st.sets(five, min_size=2, max_size=2 * max_size)))
    if len(bounds) % 2:
        bounds.pop()
    return list(zip(bounds[::2], bounds[1::2], strict=True))


moment_pair = st.tuples(  # minutes after DAY's midnight; may reach into the neighbouring days
    st.integers(min_value=-180, max_value=1620), st.integers(min_value=1, max_value=240)
).map(lambda p: (p[0], p[0] + p[1]))
days_long = st.tuples(  # e.g. a holiday from some day before DAY until into or after it
    st.integers(min_value=-3000, max_value=-1), st.integers(min_value=60, max_value=4500)
).map(lambda p: (p[0], p[0] + p[1]))


@st.composite
def rules(draw, needs: frozenset[str] = frozenset(), max_occupied: int = 150) -> ServiceRule:
    duration = draw(st.integers(min_value=1, max_value=18)) * 5
    before = draw(st.sampled_from([0, 0, 5, 10, 15]))
    after = draw(st.sampled_from([0, 0, 5, 10, 30]))
    assume(before + duration + after <= max_occupied)
    step = draw(st.none() | st.integers(min_value=1, max_value=12).map(lambda n: n * 5))
    return ServiceRule(
        duration=duration * MINUTE,
        buffer_before=before * MINUTE,
        buffer_after=after * MINUTE,
        step=step * MINUTE if step else None,
        capacity=draw(st.integers(min_value=1, max_value=4)),
        needs=needs,
    )


@dataclass(frozen=True)
class Res:
    """A resource in minutes, turned into the engine's ResourceCalendar by `calendar()`."""

    id: int
    kind: str
    working: tuple[tuple[int, int], ...] = ()
    breaks: tuple[tuple[int, int], ...] = ()
    absences: tuple[tuple[int, int], ...] = ()
    busy: tuple[tuple[int, int], ...] = ()

    def calendar(self) -> ResourceCalendar:
        return ResourceCalendar(
            id=self.id,
            kind=self.kind,
            working_hours=weekly(self.working) + OTHER_DAYS if self.working else (),
            breaks=weekly(self.breaks),
            absences=normalize((at(a), at(b)) for a, b in self.absences),
            busy=normalize((at(a), at(b)) for a, b in self.busy),
        )

    def free_minutes(self, open_minutes: set[int]) -> set[int]:
        free = open_minutes & minutes_in(self.working) if self.working else set(open_minutes)
        return free - minutes_in(self.breaks) - minutes_in(self.absences) - minutes_in(self.busy)


short_pair = st.tuples(five, st.integers(min_value=1, max_value=12)).map(
    lambda p: (p[0], min(p[0] + 5 * p[1], 1435))
)


def sometimes(elements, max_size: int):
    """Mostly nothing, else a few: so resources are often free, and often not."""
    return st.just([]) | st.lists(elements, min_size=1, max_size=max_size)


@st.composite
def resources(draw, needs: frozenset[str]) -> list[Res]:
    """1-3 resources of every needed kind and at most one of each other kind, each with
    optional own hours, breaks, absences and busy claims."""
    drawn = []
    for kind in KINDS:
        for _ in range(draw(st.integers(1, 3) if kind in needs else st.integers(0, 1))):
            drawn.append(
                Res(
                    len(drawn),
                    kind,
                    working=tuple(draw(sometimes(wall_pair(min_length=120), 2))),
                    breaks=tuple(draw(sometimes(short_pair, 2))),
                    absences=tuple(draw(sometimes(moment_pair | days_long, 1))),
                    busy=tuple(draw(sometimes(moment_pair, 3))),
                )
            )
    return draw(st.permutations(drawn))  # the engine must not depend on their order


def location(pairs, **extra) -> LocationCalendar:
    return LocationCalendar(tz=BERLIN, opening_hours=weekly(pairs) + OTHER_DAYS, **extra)


def model_resource_slots(open_minutes, rule, staff: list[Res]) -> list[tuple[int, int, int]]:
    free = {r.id: r.free_minutes(open_minutes) for r in staff}
    expected = []
    for start in grid_starts(open_minutes, rule):
        window = occupied_minutes(rule, start)
        remaining = min(
            sum(1 for r in staff if r.kind == kind and window <= free[r.id]) for kind in rule.needs
        )
        if remaining > 0:
            expected.append((start, start + minutes(rule, "duration"), remaining))
    return expected


needs = st.sets(st.sampled_from(KINDS), min_size=1).map(frozenset)


# --- closures and holidays -----------------------------------------------------------------


@no_deadline
@given(
    opening=st.lists(wall_pair(min_length=60), min_size=1, max_size=3),
    rule=rules(max_occupied=60),
    before=st.integers(min_value=0, max_value=10),
    after=st.integers(min_value=0, max_value=10),
)
def test_no_slot_on_a_closed_day_and_closures_elsewhere_change_nothing(
    opening, rule, before, after
):
    open_slots = pool_slots(plan_day(DAY, location(opening)), rule, ANY_TIME, BERLIN, {})
    assert open_slots  # every opening interval fits at least one occupied window

    covering = Closure(DAY - dt.timedelta(days=before), DAY + dt.timedelta(days=after), "Umzug")
    closed = plan_day(DAY, location(opening, closures=(covering,)))
    assert (closed.open, closed.closed_because, closed.detail) == ([], "closure", "Umzug")
    assert pool_slots(closed, rule, ANY_TIME, BERLIN, {}) == []
    assert (
        resource_slots(
            closed,
            replace(rule, needs=frozenset({"staff"})),
            ANY_TIME,
            BERLIN,
            [Res(1, "staff").calendar()],
        )
        == []
    )

    elsewhere = (
        Closure(DAY - dt.timedelta(days=before + 1), DAY - dt.timedelta(days=1)),
        Closure(DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=after + 1)),
    )
    plan = plan_day(DAY, location(opening, closures=elsewhere))
    assert pool_slots(plan, rule, ANY_TIME, BERLIN, {}) == open_slots


@no_deadline
@given(
    opening=st.lists(wall_pair(min_length=60), min_size=1, max_size=3),
    rule=rules(max_occupied=60),
    other=st.integers(min_value=1, max_value=400),
)
def test_no_slot_on_a_holiday_and_other_holidays_change_nothing(opening, rule, other):
    open_slots = pool_slots(plan_day(DAY, location(opening)), rule, ANY_TIME, BERLIN, {})
    assert open_slots

    holiday = plan_day(DAY, location(opening, holidays={DAY: "Fronleichnam"}))
    assert (holiday.open, holiday.closed_because, holiday.detail) == (
        [],
        "holiday",
        "Fronleichnam",
    )
    assert pool_slots(holiday, rule, ANY_TIME, BERLIN, {}) == []
    assert (
        resource_slots(
            holiday,
            replace(rule, needs=frozenset({"staff"})),
            ANY_TIME,
            BERLIN,
            [Res(1, "staff").calendar()],
        )
        == []
    )

    others = {DAY - dt.timedelta(days=other): "a", DAY + dt.timedelta(days=other): "b"}
    plan = plan_day(DAY, location(opening, holidays=others))
    assert pool_slots(plan, rule, ANY_TIME, BERLIN, {}) == open_slots


def test_a_weekday_without_opening_hours_is_closed():
    plan = plan_day(DAY, LocationCalendar(tz=BERLIN, opening_hours=OTHER_DAYS))
    assert (plan.open, plan.closed_because) == ([], "no_opening_hours")


# --- resources -----------------------------------------------------------------------------


@no_deadline
@given(
    opening=st.lists(wall_pair(min_length=30), min_size=1, max_size=3),
    rule=needs.flatmap(lambda n: rules(needs=n)),
    data=st.data(),
)
def test_resource_slots_are_the_grid_starts_with_a_free_resource_of_every_needed_kind(
    opening, rule, data
):
    """A slot only where every needed kind has a resource free for the whole occupied window
    (its hours, minus breaks, absences and busy claims); `remaining` is the smallest number
    of such resources over the kinds; and every such grid start is offered."""
    staff = data.draw(resources(rule.needs))
    plan = plan_day(DAY, location(opening))

    slots = resource_slots(plan, rule, ANY_TIME, BERLIN, [r.calendar() for r in staff])

    assert listed(slots) == model_resource_slots(minutes_in(opening), rule, staff)


@no_deadline
@given(
    opening=st.lists(wall_pair(min_length=60), min_size=1, max_size=3),
    rule=rules(needs=frozenset({"staff"}), max_occupied=60),
    block=st.tuples(st.sampled_from(["breaks", "absences", "busy"]), wall_pair()),
)
def test_a_blocked_resource_costs_exactly_the_overlapping_slots_unless_another_is_free(
    opening, rule, block
):
    field, (a, b) = block
    anna = Res(1, "staff")
    blocked_anna = replace(anna, **{field: ((a, b),)})
    kemal = Res(2, "staff")
    plan = plan_day(DAY, location(opening))
    free = listed(resource_slots(plan, rule, ANY_TIME, BERLIN, [anna.calendar()]))
    assert free and all(remaining == 1 for _, _, remaining in free)

    alone = listed(resource_slots(plan, rule, ANY_TIME, BERLIN, [blocked_anna.calendar()]))
    with_kemal = listed(
        resource_slots(plan, rule, ANY_TIME, BERLIN, [blocked_anna.calendar(), kemal.calendar()])
    )

    def overlaps(start: int) -> bool:
        return bool(occupied_minutes(rule, start) & set(range(a, b)))

    assert alone == [s for s in free if not overlaps(s[0])]
    assert with_kemal == [(s, e, 1 if overlaps(s) else 2) for s, e, _ in free]


def test_remaining_is_the_smallest_number_of_free_resources_over_the_needed_kinds():
    rule = ServiceRule(duration=15 * MINUTE, needs=frozenset({"staff", "room"}))
    staff = [Res(1, "staff"), Res(2, "staff"), Res(3, "staff", working=((600, 720),))]
    rooms = [Res(4, "room"), Res(5, "room", absences=((630, 660),))]
    device = [Res(6, "device")]  # not needed: never counted
    plan = plan_day(DAY, location([(540, 720)]))  # 09:00-12:00

    slots = resource_slots(
        plan, rule, ANY_TIME, BERLIN, [r.calendar() for r in staff + rooms + device]
    )

    remaining = {minute_of(s.start): s.remaining for s in slots}
    # 2 rooms limit to 2; the absent room limits 10:30-11:00 to 1 although 3 staff are free.
    assert remaining == {m: 1 if 630 <= m < 660 else 2 for m in range(540, 720, 15)}


def test_an_absence_over_several_days_blocks_its_resource_on_every_day_it_covers():
    rule = ServiceRule(duration=30 * MINUTE, needs=frozenset({"staff"}))
    plan = plan_day(DAY, location([(480, 960)]))  # 08:00-16:00
    away = Res(1, "staff", absences=((-2 * 1440 + 1080, 600),))  # two days ago 18:00 - 10:00
    holiday = Res(2, "staff", absences=((-1440, 2 * 1440),))  # all of yesterday to tomorrow

    slots = resource_slots(plan, rule, ANY_TIME, BERLIN, [away.calendar(), holiday.calendar()])

    assert listed(slots) == [(m, m + 30, 1) for m in range(600, 960, 30)]


# --- booking window ------------------------------------------------------------------------


@no_deadline
@given(
    opening=st.lists(wall_pair(), min_size=1, max_size=3),
    rule=rules(),
    earliest=st.integers(min_value=-120, max_value=1560),
    last_day=st.integers(min_value=-1, max_value=1).map(lambda d: DAY + dt.timedelta(days=d)),
)
def test_no_slot_before_the_earliest_start_or_after_the_last_day(opening, rule, earliest, last_day):
    plan = plan_day(DAY, location(opening))
    window = BookingWindow(earliest=at(earliest), last_day=last_day)
    staff_rule = replace(rule, needs=frozenset({"staff"}))
    staff = [Res(1, "staff").calendar()]
    all_pool = pool_slots(plan, rule, ANY_TIME, BERLIN, {})
    all_staff = resource_slots(plan, staff_rule, ANY_TIME, BERLIN, staff)

    pool = pool_slots(plan, rule, window, BERLIN, {})
    booked = resource_slots(plan, staff_rule, window, BERLIN, staff)
    first = resource_slots(plan, staff_rule, window, BERLIN, staff, first_only=True)

    in_window = last_day >= DAY
    assert pool == [s for s in all_pool if in_window and s.start >= at(earliest)]
    assert booked == [s for s in all_staff if in_window and s.start >= at(earliest)]
    assert first == booked[:1]


# --- split shifts and buffers --------------------------------------------------------------


@no_deadline
@given(opening=split_shifts(), rule=rules())
def test_split_shifts_give_slots_only_inside_each_interval_and_none_across_a_gap(opening, rule):
    plan = plan_day(DAY, location(opening))

    slots = pool_slots(plan, rule, ANY_TIME, BERLIN, {})

    before, after = minutes(rule, "buffer_before"), minutes(rule, "buffer_after")
    occupied, grid = before + minutes(rule, "duration") + after, minutes(rule, "grid")
    per_interval = []
    for a, b in opening:
        inside = [
            s for s in slots if a <= minute_of(s.start) - before and minute_of(s.end) + after <= b
        ]
        per_interval.append(len(inside))
    assert per_interval == [
        (b - a - occupied) // grid + 1 if b - a >= occupied else 0 for a, b in opening
    ]
    assert len(slots) == sum(per_interval)  # so no slot lies across a gap or outside


@no_deadline
@given(opening=split_shifts(), rule=rules())
def test_buffers_keep_occupied_windows_inside_opening_hours_on_the_step_grid(opening, rule):
    plan = plan_day(DAY, location(opening))

    slots = pool_slots(plan, rule, ANY_TIME, BERLIN, {})

    before, grid = minutes(rule, "buffer_before"), minutes(rule, "grid")
    windows = [(minute_of(s.start) - before, minute_of(s.start) + after_start(rule)) for s in slots]
    for a, b in opening:
        starts = [start + before for start, end in windows if a <= start and end <= b]
        if not starts:
            assert b - a < before + after_start(rule)  # the interval is too short
            continue
        assert starts[0] == a + before  # the buffer before fits inside the opening
        assert all(later - earlier == grid for earlier, later in pairwise(starts))
        last_end = starts[-1] + after_start(rule)
        assert last_end <= b < last_end + grid  # and there is no room for one more
    assert all(any(a <= s and e <= b for a, b in opening) for s, e in windows)
    assert all(s.end - s.start == rule.duration for s in slots)
    if rule.step is None:  # default grid: occupied windows follow each other, never overlap
        assert all(end <= next_start for (_, end), (next_start, _) in pairwise(windows))


# --- pool capacity -------------------------------------------------------------------------


@no_deadline
@given(
    opening=st.lists(wall_pair(min_length=60), min_size=1, max_size=2),
    rule=rules(max_occupied=60),
    data=st.data(),
)
def test_pool_remaining_is_capacity_minus_taken_and_full_starts_are_not_listed(opening, rule, data):
    plan = plan_day(DAY, location(opening))
    starts = grid_starts(minutes_in(opening), rule)
    taken_at = data.draw(
        st.dictionaries(st.sampled_from(starts), st.integers(min_value=1, max_value=6))
    )
    taken = {at(m): n for m, n in taken_at.items()}

    slots = pool_slots(plan, rule, ANY_TIME, BERLIN, taken)

    expected = [
        (m, m + minutes(rule, "duration"), rule.capacity - taken_at.get(m, 0))
        for m in starts
        if rule.capacity - taken_at.get(m, 0) > 0
    ]
    assert listed(slots) == expected
    assert all(s.remaining >= 1 for s in slots)


# --- daylight saving time ------------------------------------------------------------------

SPRING, AUTUMN = dt.date(2026, 3, 29), dt.date(2026, 10, 25)  # Sundays: 23 h and 25 h
SUNDAY = 7
HOUR = dt.timedelta(hours=1)
DST_MIDNIGHT = {  # local midnight in UTC: still winter time (+1) / still summer time (+2)
    SPRING: dt.datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
    AUTUMN: dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
}


def dst_day(day: dt.date, opens: dt.time, closes: dt.time):
    calendar = LocationCalendar(tz=BERLIN, opening_hours=(WeeklyInterval(SUNDAY, opens, closes),))
    return plan_day(day, calendar), BookingWindow(
        earliest=dt.datetime(2026, 1, 1, tzinfo=UTC), last_day=day
    )


def local(slot) -> str:
    return slot.start.astimezone(BERLIN).strftime("%H:%M%z")


def quarters(first: str, last: str, offset: str) -> list[str]:
    h, m = map(int, first.split(":"))
    end_h, end_m = map(int, last.split(":"))
    result = []
    while (h, m) <= (end_h, end_m):
        result.append(f"{h:02}:{m:02}{offset}")
        h, m = (h, m + 15) if m < 45 else (h + 1, 0)
    return result


@pytest.mark.parametrize(
    ("day", "elapsed_hours", "expected"),
    [
        (SPRING, 5, quarters("00:00", "01:45", "+0100") + quarters("03:00", "05:45", "+0200")),
        (
            AUTUMN,
            7,
            quarters("00:00", "02:45", "+0200")
            + quarters("02:00", "02:45", "+0100")
            + quarters("03:00", "05:45", "+0100"),
        ),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_opening_across_the_dst_change_has_slots_for_the_real_elapsed_time(
    day, elapsed_hours, expected
):
    plan, window = dst_day(day, dt.time(0), dt.time(6))
    rule = ServiceRule(duration=15 * MINUTE, capacity=2)

    slots = pool_slots(plan, rule, window, BERLIN, {})

    assert plan.open[0][1] - plan.open[0][0] == dt.timedelta(hours=elapsed_hours)
    assert len(slots) == elapsed_hours * 60 // 15
    assert [local(s) for s in slots] == expected
    utc = [s.start for s in slots]
    assert all(a < b for a, b in pairwise(utc))  # strictly increasing, so all distinct
    assert all(b - a == rule.grid for a, b in pairwise(utc))


@no_deadline
@given(
    day=st.sampled_from([(SPRING, 5), (AUTUMN, 7)]),
    rule=rules(needs=frozenset({"staff"})),
)
def test_any_grid_across_the_dst_change_fills_the_real_elapsed_time(day, rule):
    day, elapsed_hours = day
    plan, window = dst_day(day, dt.time(0), dt.time(6))

    pool = pool_slots(plan, rule, window, BERLIN, {})
    staff = resource_slots(plan, rule, window, BERLIN, [Res(1, "staff").calendar()])

    occupied, grid = rule.occupied_length // MINUTE, rule.grid // MINUTE
    expected = (elapsed_hours * 60 - occupied) // grid + 1
    assert len(pool) == expected
    assert [(s.start, s.end) for s in staff] == [(s.start, s.end) for s in pool]
    starts = [s.start for s in pool]
    assert len(set(starts)) == len(starts)
    assert all(b - a == rule.grid for a, b in pairwise(starts))
    midnight = DST_MIDNIGHT[day]
    assert pool[0].start == midnight + rule.buffer_before
    assert pool[-1].start + rule.duration + rule.buffer_after <= midnight + elapsed_hours * HOUR


@pytest.mark.parametrize(("day", "offset"), [(SPRING, "+0200"), (AUTUMN, "+0100")])
def test_office_hours_on_a_dst_day_have_the_usual_32_quarter_hour_slots(day, offset):
    plan, window = dst_day(day, dt.time(8), dt.time(16))

    slots = pool_slots(plan, ServiceRule(duration=15 * MINUTE), window, BERLIN, {})

    assert [local(s) for s in slots] == quarters("08:00", "15:45", offset)
    assert len(slots) == 32
