"""Who is called next and the wait estimate: the policy functions on their own."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given
from hypothesis import strategies as st

from backend.queue.policy import (
    DUE_GRACE,
    Waiting,
    estimated_wait_minutes,
    in_call_order,
    typical_minutes,
)

NOW = dt.datetime(2030, 1, 7, 10, 0, tzinfo=dt.UTC)


def walk_in(name, minutes_ago, priority=0, number=1):
    return Waiting(name, priority, NOW - dt.timedelta(minutes=minutes_ago), None, number)


def booking(name, minutes_ago, due_in, number=1):
    return Waiting(
        name, 0, NOW - dt.timedelta(minutes=minutes_ago), NOW + dt.timedelta(minutes=due_in), number
    )


def order(*tickets):
    return [t.id for t in in_call_order(tickets, NOW)]


def test_walk_ins_are_called_by_arrival():
    assert order(walk_in("late", 1), walk_in("early", 30), walk_in("middle", 10)) == [
        "early",
        "middle",
        "late",
    ]


def test_a_due_booking_goes_before_walk_ins_who_came_earlier():
    assert order(walk_in("walk-in", 40), booking("booked", 2, due_in=0)) == ["booked", "walk-in"]


def test_a_booking_within_the_grace_period_counts_as_due():
    grace = int(DUE_GRACE.total_seconds() // 60)
    assert order(walk_in("walk-in", 40), booking("booked", 2, due_in=grace)) == [
        "booked",
        "walk-in",
    ]
    assert order(walk_in("walk-in", 40), booking("early", 2, due_in=grace + 1)) == [
        "walk-in",
        "early",
    ]


def test_an_early_check_in_waits_as_a_walk_in_by_arrival():
    assert order(walk_in("later walk-in", 1), booking("early", 20, due_in=45)) == [
        "early",
        "later walk-in",
    ]


def test_due_bookings_among_themselves_go_by_appointment_time():
    assert order(booking("ten-fifteen", 30, due_in=-15), booking("ten", 1, due_in=-30)) == [
        "ten",
        "ten-fifteen",
    ]


def test_priority_beats_everything():
    assert order(booking("booked", 2, due_in=0), walk_in("urgent", 0, priority=1)) == [
        "urgent",
        "booked",
    ]


@given(
    st.lists(
        st.tuples(st.integers(0, 300), st.integers(-60, 120), st.booleans(), st.integers(0, 2)),
        min_size=1,
        max_size=30,
    )
)
def test_the_order_is_total_and_respects_the_rules(specs):
    tickets = [
        Waiting(
            i,
            prio,
            NOW - dt.timedelta(minutes=ago),
            NOW + dt.timedelta(minutes=due) if is_booking else None,
            i,
        )
        for i, (ago, due, is_booking, prio) in enumerate(specs)
    ]
    ordered = in_call_order(tickets, NOW)
    assert sorted(t.id for t in ordered) == list(range(len(tickets)))
    for before, after in itertools.pairwise(ordered):
        assert before.priority >= after.priority
        if before.priority == after.priority:
            before_due = before.due_at is not None and before.due_at <= NOW + DUE_GRACE
            after_due = after.due_at is not None and after.due_at <= NOW + DUE_GRACE
            assert before_due or not after_due


def test_typical_service_time_needs_three_samples():
    assert typical_minutes([4, 30], planned_minutes=15) == 15
    assert typical_minutes([4, 6, 30], planned_minutes=15) == 6


def test_wait_estimates_grow_with_position_and_shrink_with_open_counters():
    assert estimated_wait_minutes(0, 10, 1) == 0
    assert estimated_wait_minutes(1, 10, 1) == 5
    assert estimated_wait_minutes(3, 10, 1) == 25
    assert estimated_wait_minutes(3, 10, 3) == 5
    assert estimated_wait_minutes(4, 10, 0) == estimated_wait_minutes(4, 10, 1) == 35
