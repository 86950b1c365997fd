"""Benchmark: availableDays over 60 days and availableSlots for one day, for a staffed office.

Dataset (dataset.build_staff_office): one location open Mon–Fri 08:00–18:00, a resource-based
service (15 minutes, needs a staff member), 10 qualified staff working Mon–Fri, and 5,000
bookings with their claims spread at random over the next 60 days (about a third of all
(start, staff member) pairs).

Each query is timed three ways, taking turns so all see the same machine state:
- GraphQL: POST /graphql through django.test.Client in-process, i.e. URL routing, the
  middleware stack, Strawberry parsing/validation/execution and JSON rendering, without a
  socket. That is the server's time for the request.
- direct: what the resolver does without GraphQL: get_service + get_location +
  backend.bookings.availability.available_days / available_slots.
- use case only: the function with the service and location already loaded (information).
Then the direct availableDays call is split into loading (queries and row conversion,
availability.load_scope) and the slot engine, to show where the time goes.

Targets: availableDays p95 <= 50 ms, availableSlots p95 <= 15 ms, GraphQL p95 <= 2x direct p95.

Run from the repository root (SQLite in a temporary directory, or PostgreSQL):
    .venv/bin/python ops/bench/availability.py
    DATABASE_URL=postgres://postgres@127.0.0.1/bench_vz .venv/bin/python ops/bench/availability.py
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import timedelta

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()
harness.lift_abuse_limits_in_process()  # latency of the app, not of its abuse defenses

import dataset  # noqa: E402
import django  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.availability.calendar import local_day_span  # noqa: E402
from backend.bookings.availability import (  # noqa: E402
    available_days,
    available_slots,
    load_scope,
)
from backend.bookings.calendars import location_zone  # noqa: E402
from backend.catalog.by_id import get_location, get_service  # noqa: E402

AVAILABLE_DAYS = """
query Days($service: ID!, $location: ID!, $from: Date!, $to: Date!) {
  availableDays(service: $service, location: $location, from: $from, to: $to)
}"""

AVAILABLE_SLOTS = """
query Slots($service: ID!, $location: ID!, $date: Date!) {
  availableSlots(service: $service, location: $location, date: $date) {
    start end localTime remaining
  }
}"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--staff", type=int, default=10)
    parser.add_argument("--bookings", type=int, default=5000)
    parser.add_argument("--days", type=int, default=60, help="days in the availableDays query")
    parser.add_argument("--iterations-days", type=int, default=200)
    parser.add_argument("--iterations-slots", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip gc.freeze() after setup (the server freezes in backend/asgi.py)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench-* data afterwards")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args()


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(
    calls: dict[str, Callable[[], object]], iterations: int, warmup: int
) -> dict[str, list[float]]:
    """Time every call `iterations` times after `warmup` untimed rounds. The calls take turns
    (rotating which goes first), so drift in the machine's state hits them alike."""
    names = list(calls)
    for _ in range(warmup):
        for name in names:
            calls[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(iterations):
        shift = i % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(timed(calls[name]))
    return samples


class GraphQL:
    """POST /graphql in-process; the timed part ends when Django has rendered the response."""

    def __init__(self) -> None:
        self.client = Client()

    def post(self, query: str, variables: dict):
        response = self.client.post(
            "/graphql",
            json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
        )
        if response.status_code != 200 or b'"errors"' in response.content:
            raise SystemExit(f"GraphQL failed ({response.status_code}): {response.content[:500]}")
        return response

    def data(self, query: str, variables: dict) -> dict:
        return json.loads(self.post(query, variables).content)["data"]


def queries_per_call(call: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def check_same_answers(gql, days_vars, slots_vars, direct_days, direct_slots, tz) -> None:
    days = gql.data(AVAILABLE_DAYS, days_vars)["availableDays"]
    if days != [d.isoformat() for d in direct_days]:
        raise SystemExit("availableDays through GraphQL differs from the direct call")
    slots = gql.data(AVAILABLE_SLOTS, slots_vars)["availableSlots"]
    if [(s["start"], s["remaining"]) for s in slots] != [
        (s.start.astimezone(tz).isoformat(), s.remaining) for s in direct_slots
    ]:
        raise SystemExit("availableSlots through GraphQL differs from the direct call")


def build_targets(days: dict, slots: dict) -> list[harness.Target]:
    """The issue's targets: p95 server time through GraphQL, and GraphQL at most 2x direct."""
    Target = harness.Target
    ratio = "ratio_graphql_to_direct_p95"
    return [
        Target("availableDays p95 (GraphQL)", days["graphql"]["p95_ms"], "<=", 50.0, " ms"),
        Target("availableSlots p95 (GraphQL)", slots["graphql"]["p95_ms"], "<=", 15.0, " ms"),
        Target("availableDays GraphQL/direct p95", days[ratio], "<=", 2.0, "x"),
        Target("availableSlots GraphQL/direct p95", slots[ratio], "<=", 2.0, "x"),
    ]


def where_the_time_goes(service, location, first, last, iterations: int) -> dict[str, float]:
    """Split available_days into loading the scope and running the engine over its days.

    The garbage collector is paused meanwhile: loading allocates most objects, so it would
    absorb nearly all full-collection pauses and look slower than it is.
    """
    now = timezone.now()
    scope = load_scope(service, location, first, last, now)
    gc.collect()
    gc.disable()
    try:
        samples = measure(
            {
                "load": lambda: load_scope(service, location, first, last, now),
                "engine": lambda: [
                    p.day for p in scope.plans if p.open and scope.slots(p, first_only=True)
                ],
            },
            iterations,
            warmup=3,
        )
    finally:
        gc.enable()
    return {f"{part}_p50_ms": harness.percentiles(v)["p50_ms"] for part, v in samples.items()}


def main() -> int:
    args = parse_args()
    print(f"Availability benchmark on {harness.database_label(ENV)}")
    print(
        f"  Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f}), DEBUG off"
        + (
            ", gc.freeze() after setup as in backend/asgi.py"
            if args.gc_freeze
            else ", no gc.freeze()"
        )
    )
    call_command("migrate", interactive=False, verbosity=0)
    dataset.drop_bench_data()

    now = timezone.now()
    started = time.perf_counter()
    office = dataset.build_staff_office(now, staff=args.staff, bookings=args.bookings)
    build_seconds = time.perf_counter() - started
    audit = dataset.audit_capacity([office.location])
    if dataset.overbookings(audit) or dataset.inconsistencies(audit):
        raise SystemExit(f"The dataset is inconsistent: {audit}")

    if args.gc_freeze:
        # As backend/asgi.py does: everything loaded so far leaves the collector's
        # generations, so full collections only walk what requests allocate.
        gc.collect()
        gc.freeze()
    service, location = office.service, office.location
    sid, lid = str(service.pk), str(location.pk)
    first = office.first_day
    last = first + timedelta(days=args.days - 1)
    # One day a week ahead that is open and has bookings: the typical "pick a time" query.
    tz = location_zone(location)
    slot_day = next(
        start.astimezone(tz).date()
        for start in dataset.bookable_starts(service, location, first + timedelta(7), last, now)
    )
    day_start, day_end = local_day_span(slot_day, tz)
    bookings_on_day = location.bookings.filter(
        starts_at__gte=day_start, starts_at__lt=day_end
    ).count()

    gql = GraphQL()
    days_vars = {"service": sid, "location": lid, "from": first.isoformat(), "to": last.isoformat()}
    slots_vars = {"service": sid, "location": lid, "date": slot_day.isoformat()}

    # Both paths must answer the same before their speed means anything.
    direct_days = available_days(service, location, first, last)
    direct_slots = available_slots(service, location, slot_day)
    check_same_answers(gql, days_vars, slots_vars, direct_days, direct_slots, tz)

    print(
        f"\nDataset (built in {build_seconds:.1f} s): {args.staff} staff, "
        f"{office.bookings} bookings / {audit['claims']} claims over {first} .. "
        f"{office.last_day} ({office.bookings / office.bookable:.0%} of "
        f"{office.bookable} bookable (start, staff) pairs), consistent"
    )
    print(f"  availableDays  {first} .. {last}: {len(direct_days)} days with a free slot")
    print(
        f"  availableSlots {slot_day}: {len(direct_slots)} free starts, "
        f"{bookings_on_day} bookings that day"
    )

    cases = {
        "availableDays": (
            AVAILABLE_DAYS,
            days_vars,
            lambda: available_days(get_service(sid), get_location(lid), first, last),
            lambda: available_days(service, location, first, last),
            args.iterations_days,
        ),
        "availableSlots": (
            AVAILABLE_SLOTS,
            slots_vars,
            lambda: available_slots(get_service(sid), get_location(lid), slot_day),
            lambda: available_slots(service, location, slot_day),
            args.iterations_slots,
        ),
    }
    figures: dict = {
        "dataset": {
            "staff": args.staff,
            "bookings": office.bookings,
            "claims": audit["claims"],
            "period": [first.isoformat(), office.last_day.isoformat()],
            "days_queried": args.days,
            "slot_day": slot_day.isoformat(),
            "bookings_on_slot_day": bookings_on_day,
            "available_days": len(direct_days),
            "free_slots_on_slot_day": len(direct_slots),
        },
        "gc_freeze": args.gc_freeze,
    }
    print("\nServer time per request (ms)")
    for name, (query, variables, direct, function_only, iterations) in cases.items():
        with harness.GcWatch() as collector:
            samples = measure(
                {
                    "graphql": lambda q=query, v=variables: gql.post(q, v),
                    "direct": direct,
                    "function_only": function_only,
                },
                iterations,
                args.warmup,
            )
        stats = {path: harness.percentiles(values) for path, values in samples.items()}
        stats["garbage_collector"] = gc_stats = collector.as_dict()
        stats["ratio_graphql_to_direct_p50"] = round(
            stats["graphql"]["p50_ms"] / stats["direct"]["p50_ms"], 2
        )
        stats["ratio_graphql_to_direct_p95"] = round(
            stats["graphql"]["p95_ms"] / stats["direct"]["p95_ms"], 2
        )
        stats["ratio_graphql_to_function_only_p95"] = round(
            stats["graphql"]["p95_ms"] / stats["function_only"]["p95_ms"], 2
        )
        stats["queries"] = {
            "graphql": queries_per_call(lambda q=query, v=variables: gql.post(q, v)),
            "direct": queries_per_call(direct),
        }
        figures[name] = stats
        print(f"{name}")
        print(harness.describe("GraphQL POST /graphql", stats["graphql"]))
        print(harness.describe("direct (lookups + use case)", stats["direct"]))
        print(harness.describe("use case only (objects loaded)", stats["function_only"]))
        print(
            f"  GraphQL / direct: p50 {stats['ratio_graphql_to_direct_p50']}x, "
            f"p95 {stats['ratio_graphql_to_direct_p95']}x; SQL queries per request: "
            f"GraphQL {stats['queries']['graphql']}, direct {stats['queries']['direct']}"
        )
        if gc_stats["full_collections"]:
            print(
                f"  garbage collector: {gc_stats['full_collections']} full collections in "
                f"{3 * iterations} calls, {gc_stats['full_collections_ms']:.0f} ms in total "
                f"({gc_stats['full_collections_ms'] / gc_stats['full_collections']:.0f} ms each)"
            )

    figures["availableDays"]["split_p50_ms"] = split = where_the_time_goes(
        service, location, first, last, max(20, args.iterations_days // 4)
    )
    print(
        f"availableDays, where the time goes (use case only, p50, collector paused): loading "
        f"{split['load_p50_ms']:.1f} ms ({audit['claims']} claims: queries and row conversion), "
        f"slot engine {split['engine_p50_ms']:.1f} ms"
    )

    targets = build_targets(figures["availableDays"], figures["availableSlots"])
    if not args.keep:
        dataset.drop_bench_data()
    passed = harness.report("availability", ENV, figures, targets)
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
