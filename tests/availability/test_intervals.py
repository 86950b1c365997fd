"""normalize / subtract / intersect / covers against a model: the set of minutes covered.

An interval [a, b) of minutes after BASE stands for the minutes a, a + 1, ..., b - 1. "Normal"
lists (what the engine passes around) are sorted, non-empty and neither overlap nor touch.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from backend.availability.intervals import covers, intersect, normalize, subtract

BASE = dt.datetime(2026, 6, 10, 6, 0, tzinfo=dt.UTC)
LIMIT = 120  # minutes after BASE; small, so intervals overlap, touch and nest often

minutes = st.integers(min_value=0, max_value=LIMIT)


def at(minute: int) -> dt.datetime:
    return BASE + dt.timedelta(minutes=minute)


def as_intervals(pairs) -> list[tuple[dt.datetime, dt.datetime]]:
    return [(at(a), at(b)) for a, b in pairs]


def minute_set(intervals) -> set[int]:
    """The model: every whole minute an interval list covers."""
    covered: set[int] = set()
    for start, end in intervals:
        first = int((start - BASE) / dt.timedelta(minutes=1))
        last = int((end - BASE) / dt.timedelta(minutes=1))
        covered.update(range(first, last))
    return covered


def assert_normal(intervals) -> None:
    for start, end in intervals:
        assert start < end
    for (_, end), (next_start, _) in pairwise(intervals):
        assert end < next_start  # sorted, and neither overlapping nor touching


# Any intervals: in any order, overlapping, touching, empty or reversed.
raw_intervals = st.lists(st.tuples(minutes, minutes), max_size=8).map(as_intervals)


@st.composite
def normal_intervals(draw) -> list[tuple[dt.datetime, dt.datetime]]:
    """Strictly increasing boundaries paired up: normal by construction, not via normalize."""
    bounds = sorted(draw(st.sets(minutes, max_size=12)))
    if len(bounds) % 2:
        bounds.pop()
    return as_intervals(zip(bounds[::2], bounds[1::2], strict=True))


@given(raw_intervals)
def test_normalize_covers_the_same_minutes_as_a_normal_list(intervals):
    result = normalize(intervals)

    assert_normal(result)
    assert minute_set(result) == minute_set(intervals)


@given(raw_intervals, st.randoms(use_true_random=False))
def test_normalize_ignores_order_and_is_idempotent(intervals, random):
    shuffled = list(intervals)
    random.shuffle(shuffled)

    assert normalize(shuffled) == normalize(intervals)
    assert normalize(normalize(intervals)) == normalize(intervals)


def test_normalize_merges_touching_and_drops_empty_intervals():
    assert normalize(as_intervals([(30, 40), (10, 20), (20, 30), (50, 50), (60, 55)])) == [
        (at(10), at(40))
    ]


@given(normal_intervals(), normal_intervals())
def test_subtract_leaves_the_minutes_of_base_not_in_cuts(base, cuts):
    result = subtract(base, cuts)

    assert_normal(result)
    assert minute_set(result) == minute_set(base) - minute_set(cuts)


@given(normal_intervals(), normal_intervals())
def test_intersect_keeps_the_minutes_in_both(a, b):
    result = intersect(a, b)

    assert_normal(result)
    assert minute_set(result) == minute_set(a) & minute_set(b)
    assert intersect(b, a) == result


@given(normal_intervals(), minutes, minutes)
def test_covers_means_every_minute_of_the_window_is_covered(intervals, a, b):
    start, end = min(a, b), max(a, b)
    if start == end:
        end += 1

    expected = set(range(start, end)) <= minute_set(intervals)

    assert covers(intervals, at(start), at(end)) is expected


@given(normal_intervals())
def test_each_interval_covers_itself_and_no_window_reaching_past_it(intervals):
    for start, end in intervals:
        assert covers(intervals, start, end)
        assert not covers(intervals, start - dt.timedelta(minutes=1), end)
        assert not covers(intervals, start, end + dt.timedelta(minutes=1))
