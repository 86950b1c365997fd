"""Half-open datetime intervals [start, end) and the set operations the engine needs.

Lists passed between these functions are sorted, non-overlapping and non-empty ("normal").
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import datetime

Interval = tuple[datetime, datetime]


def normalize(intervals: Iterable[Interval]) -> list[Interval]:
    """Sort, drop empty intervals and merge overlapping or touching ones."""
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(base: list[Interval], cuts: list[Interval]) -> list[Interval]:
    """The parts of normal `base` not covered by normal `cuts` (linear sweep)."""
    if not cuts:
        return list(base)
    result: list[Interval] = []
    j = 0
    for start, end in base:
        cursor = start
        while j < len(cuts) and cuts[j][1] <= cursor:
            j += 1
        k = j
        while k < len(cuts) and cuts[k][0] < end:
            cut_start, cut_end = cuts[k]
            if cut_start > cursor:
                result.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The parts covered by both normal lists (linear sweep)."""
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result


def covers(intervals: list[Interval], start: datetime, end: datetime) -> bool:
    """True when one interval of the normal list contains all of [start, end)."""
    index = bisect_right(intervals, start, key=lambda interval: interval[0]) - 1
    return index >= 0 and intervals[index][0] <= start and end <= intervals[index][1]
