"""Benchmark: bookAppointment over real HTTP against daphne, uncontended and contended.

Setup: `manage.py migrate` and `manage.py load_demo` (subprocesses), then a benchmark
organization (dataset.build_booking_office): one location open 7 days a week 00:00–23:59 with
- a pool service of 5-minute slots and capacity 1 for throughput (~280 starts a day),
- a pool service with capacity 2 and a staffed service (3 qualified staff) for contention.
daphne (`python -m daphne -b 127.0.0.1 -p <free port> backend.asgi:application`) runs with the
same DATABASE_URL / VORZIMMER_VAR_DIR, is started per configuration and always stopped again.
Clients are stdlib threads in this process, each with one keep-alive http.client connection.

(a) Throughput, uncontended: every request books a different free start, so no two requests
    compete for a seat; bookings/s over a fixed time, with 1 daphne process and with N
    processes (daphne is a single process; clients spread round-robin over the ports). For
    scale, the same mutation is also timed in-process (django.test.Client, one at a time).
(b) Contention: all clients press "book" for the same start at the same moment (a barrier per
    round), over a few starts of both contention services. Successes, typed SLOT_TAKEN / other
    typed errors, GraphQL errors, HTTP 5xx and transport errors are counted; then the database
    is audited: claims per slot vs capacity, overlapping resource claims, bookings vs claims,
    and the bookings clients were told about vs the bookings stored.

Targets: >= 300 bookings/s (best configuration, 2 cores); 0 overbookings, 0 booking/claim
mismatches, 0 HTTP 5xx, 0 untyped failures. Exit status 1 when a correctness target fails
(also a throughput miss with --strict).

Run from the repository root (SQLite in a temporary directory, or PostgreSQL):
    .venv/bin/python ops/bench/booking.py
    DATABASE_URL=postgres://postgres@127.0.0.1/bench_vz .venv/bin/python ops/bench/booking.py
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

import dataset  # noqa: E402
import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.bookings.calendars import location_zone  # noqa: E402
from backend.bookings.models import Booking  # noqa: E402

BOOK = """
mutation Book($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { booking { code } errors { code } }
}"""

TARGET_BOOKINGS_PER_SECOND = 300.0
HEALTH_SECONDS = 3.0
# daphne waits for requests in flight when terminated; on an interrupted run those may sit in
# a lock queue, so they get a few seconds, then SIGKILL (their transactions roll back).
STOP_GRACE_SECONDS = 5.0
WHAT_IF_SETTINGS = "settings_conn_max_age_0"  # ops/bench/settings_conn_max_age_0.py
BOOKED = "booked"
# Anything a client should never see: not a booking and not a typed refusal.
UNTYPED = ("http_5xx", "http_other", "graphql_error", "bad_json", "transport_error")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--processes",
        default=f"1,{max(2, os.cpu_count() or 1)}",
        help="daphne process counts to measure throughput with (comma-separated)",
    )
    parser.add_argument("--clients", type=int, default=16, help="client threads (throughput)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per config")
    parser.add_argument("--warmup-seconds", type=float, default=2.0)
    parser.add_argument("--in-process", type=int, default=200, help="in-process bookings timed")
    parser.add_argument("--contention-clients", type=int, default=48)
    parser.add_argument("--contention-slots", type=int, default=10, help="starts per service")
    parser.add_argument(
        "--conn-max-age-0",
        action="store_true",
        help="what-if: run daphne with CONN_MAX_AGE=0 (ops/bench/settings_conn_max_age_0.py)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench-* data afterwards")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on a missed throughput target too"
    )
    return parser.parse_args()


# --- servers -----------------------------------------------------------------------------------


def servers(count: int, settings_module: str | None = None) -> harness.Daphnes:
    """`count` daphne processes on free ports, abuse limits lifted, optionally with what-if
    settings; stopped (SIGTERM, then SIGKILL) on exit."""
    env = harness.without_abuse_limits(ENV.child_env())
    # Throughput of the booking itself: the clients send no proofs of work (solving them would
    # eat the cores the servers are measured on); ops/bench/hoarding.py measures their cost.
    env["POW_ENABLED"] = "0"
    if settings_module:
        env["DJANGO_SETTINGS_MODULE"] = settings_module
        env["PYTHONPATH"] = os.pathsep.join(
            [str(Path(__file__).parent), str(harness.REPO), env.get("PYTHONPATH", "")]
        )
    return harness.Daphnes(ENV, count, env, grace=STOP_GRACE_SECONDS)


# --- the client --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    kind: str  # BOOKED, a typed error code (SLOT_TAKEN, BUSY, ...), or one of UNTYPED
    ms: float
    code: str | None = None  # the booking code when booked


def classify(status: int, payload: bytes) -> tuple[str, str | None]:
    if status >= 500:
        return "http_5xx", None
    if status != 200:
        return "http_other", None
    try:
        body = json.loads(payload)
    except ValueError:
        return "bad_json", None
    if body.get("errors") or not body.get("data"):
        return "graphql_error", None
    result = body["data"]["bookAppointment"]
    if result["errors"]:
        return result["errors"][0]["code"], None
    return BOOKED, result["booking"]["code"]


def book_body(who: int, service_id: str, location_id: str, start: str) -> str:
    citizen = {"name": "Bench Bürger", "email": f"bench{who}@example.com"}
    return json.dumps(
        {
            "query": BOOK,
            "variables": {
                "input": {
                    **citizen,
                    "service": service_id,
                    "location": location_id,
                    "start": start,
                }
            },
        }
    )


class BookingClient:
    """One thread's keep-alive connection to one server. Never retries: a retried booking
    could succeed twice behind the client's back and hide a lost response."""

    def __init__(self, port: int, who: int):
        self.port = port
        self.who = who
        self.conn: http.client.HTTPConnection | None = None

    def book(self, service_id: str, location_id: str, start: str) -> Outcome:
        body = book_body(self.who, service_id, location_id, start).encode()
        started = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request("POST", "/graphql", body, {"Content-Type": "application/json"})
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return Outcome("transport_error", (time.perf_counter() - started) * 1000)
        ms = (time.perf_counter() - started) * 1000
        if response.will_close:
            self.close()
        kind, code = classify(response.status, payload)
        return Outcome(kind, ms, code)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def summarize(outcomes: list[Outcome]) -> dict:
    kinds = Counter(o.kind for o in outcomes)
    return {
        "requests": len(outcomes),
        "booked": kinds[BOOKED],
        "slot_taken": kinds["SLOT_TAKEN"],
        "other_typed_errors": {
            k: n for k, n in kinds.items() if k not in (BOOKED, "SLOT_TAKEN", *UNTYPED)
        },
        "http_5xx": kinds["http_5xx"],
        "untyped_failures": sum(kinds[k] for k in UNTYPED),
        "failures_by_kind": {k: kinds[k] for k in UNTYPED if kinds[k]},
        "latency": harness.percentiles([o.ms for o in outcomes]) if len(outcomes) > 1 else {},
    }


def print_exceptions(exceptions: Counter) -> None:
    if exceptions:
        print(f"    the servers logged {sum(exceptions.values())} exception lines:")
        for line, count in exceptions.most_common(4):
            print(f"      {count:5d} x {line}")


# Set when the benchmark is interrupted (Ctrl-C, SIGTERM): client loops end at once, so the
# servers can be stopped without clients still hammering them.
STOP_CLIENTS = threading.Event()


def run_clients(client_loop, clients: int, barrier: threading.Barrier | None = None) -> None:
    """Run `client_loop(number)` in `clients` daemon threads until all return. The main thread
    joins in short steps, so it handles signals promptly."""
    threads = [threading.Thread(target=client_loop, args=(n,), daemon=True) for n in range(clients)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.2)
    except BaseException:
        STOP_CLIENTS.set()
        if barrier is not None:
            barrier.abort()
        raise


# --- (a) throughput ----------------------------------------------------------------------------


class StartFeed:
    """Hands out distinct free starts (local ISO times with offset) to the client threads."""

    def __init__(self, starts: Iterator[datetime], tz):
        self._starts = starts
        self._tz = tz
        self._lock = threading.Lock()

    def next(self) -> str | None:
        with self._lock:
            start = next(self._starts, None)
        return None if start is None else start.astimezone(self._tz).isoformat()


def run_throughput(
    ports: list[int], clients: int, seconds: float, feed: StartFeed, office
) -> tuple[list[Outcome], float]:
    """Clients book distinct starts for `seconds`. Returns the outcomes and the elapsed time
    until the last request in flight at the deadline has been answered."""
    service_id, location_id = str(office.throughput.pk), str(office.location.pk)
    outcomes: list[Outcome] = []
    began = time.perf_counter()
    deadline = began + seconds

    def client_loop(number: int) -> None:
        client = BookingClient(ports[number % len(ports)], number)
        while time.perf_counter() < deadline and not STOP_CLIENTS.is_set():
            start = feed.next()
            if start is None:
                break  # the starts ran out: the figures cover the time until then
            outcomes.append(client.book(service_id, location_id, start))
        client.close()

    run_clients(client_loop, clients)
    return outcomes, time.perf_counter() - began


def health_rate(ports: list[int], clients: int, seconds: float) -> float:
    """GET /api/health (one SELECT 1) per second: what the server stack costs per request
    before any booking logic, i.e. the ceiling for this configuration."""
    done = [0] * clients
    deadline = time.perf_counter() + seconds

    def client_loop(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", ports[number % len(ports)], timeout=60)
        try:
            while time.perf_counter() < deadline and not STOP_CLIENTS.is_set():
                conn.request("GET", "/api/health")
                conn.getresponse().read()
                done[number] += 1
        except (OSError, http.client.HTTPException):
            pass  # counted up to here; the booking phase reports transport errors
        finally:
            conn.close()

    began = time.perf_counter()
    run_clients(client_loop, clients)
    return sum(done) / (time.perf_counter() - began)


def in_process_ms(feed: StartFeed, office, count: int) -> dict:
    """The same mutation through django.test.Client, one at a time: the CPU cost of a booking
    in Django + Strawberry without HTTP, i.e. the ceiling of one process. With the abuse
    limits lifted, as on the servers: thousands of bookings come from one client."""
    harness.lift_abuse_limits_in_process()
    settings.POW_ENABLED = False  # as on the servers above
    client = Client()
    service_id, location_id = str(office.throughput.pk), str(office.location.pk)
    samples = []
    for number in range(count + 10):
        body = book_body(number, service_id, location_id, feed.next())
        started = time.perf_counter()
        response = client.post("/graphql", body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        if classify(response.status_code, response.content)[0] != BOOKED:
            raise SystemExit(f"In-process booking failed: {response.content[:300]}")
        if number >= 10:  # the first few warm up caches and connections
            samples.append(elapsed)
    return harness.percentiles(samples)


def throughput_phase(args, office, feed: StartFeed, settings_module: str | None) -> list[dict]:
    results = []
    for processes in [int(n) for n in args.processes.split(",") if n.strip()]:
        with servers(processes, settings_module) as daphnes:
            # Warm-up: imports, the schema, first connections; not counted.
            run_throughput(daphnes.ports, args.clients, args.warmup_seconds, feed, office)
            health = health_rate(daphnes.ports, args.clients, HEALTH_SECONDS)
            outcomes, elapsed = run_throughput(
                daphnes.ports, args.clients, args.seconds, feed, office
            )
            exceptions = daphnes.exception_lines()
        summary = summarize(outcomes) | {
            "daphne_processes": processes,
            "clients": args.clients,
            "seconds": round(elapsed, 3),
            "health_requests_per_second": round(health, 1),
            "server_exceptions": dict(exceptions),
        }
        summary["bookings_per_second"] = round(summary["booked"] / elapsed, 1)
        results.append(summary)
        latency = summary["latency"]
        print(
            f"  {processes} daphne process(es): {summary['bookings_per_second']:6.1f} bookings/s "
            f"({summary['booked']} in {elapsed:.1f} s), latency p50 {latency['p50_ms']:.0f} ms "
            f"p95 {latency['p95_ms']:.0f} ms; not booked {summary['requests'] - summary['booked']}"
        )
        print(f"    for scale: GET /api/health on the same servers {health:.0f} requests/s")
        if summary["booked"] < summary["requests"]:
            print(f"    outcomes: {Counter(o.kind for o in outcomes).most_common()}")
        print_exceptions(exceptions)
    return results


# --- (b) contention ----------------------------------------------------------------------------


def run_contention(
    ports: list[int], clients: int, targets: list[tuple[str, str]], location_id: str
) -> list[list[Outcome]]:
    """For each (service id, start) in turn, every client books it at the same moment."""
    results: list[list[Outcome]] = [[] for _ in targets]
    lock = threading.Lock()
    barrier = threading.Barrier(clients, timeout=300)  # a dead client must not hang the rest

    def client_loop(number: int) -> None:
        client = BookingClient(ports[number % len(ports)], number)
        for index, (service_id, start) in enumerate(targets):
            try:
                barrier.wait()  # everybody presses "book" together
            except threading.BrokenBarrierError:
                break  # interrupted, or a client died
            outcome = client.book(service_id, location_id, start)
            with lock:
                results[index].append(outcome)
        client.close()

    run_clients(client_loop, clients, barrier)
    return results


def deadlocks_so_far() -> int | None:
    """PostgreSQL's count of deadlocks detected in this database (None on SQLite, whose
    BEGIN IMMEDIATE serialises writers instead)."""
    if connection.vendor != "postgresql":
        return None
    time.sleep(1)  # ended backends report their statistics as they exit
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def contention_targets(office, day, now, slots: int) -> list[tuple[object, datetime]]:
    """`slots` pool starts from 09:00 and `slots` staffed starts from 14:00 on the first open
    day from `day` on (separate times keep the per-slot counts simple)."""
    tz = location_zone(office.location)

    def starts(service, from_hour: int) -> list[datetime]:
        found = dataset.bookable_starts(service, office.location, day, day, now)
        return [s for s in found if s.astimezone(tz).hour >= from_hour][:slots]

    while not starts(office.pool, 9):
        day += timedelta(days=1)  # a public holiday: the office is closed
    return [(office.pool, s) for s in starts(office.pool, 9)] + [
        (office.staffed, s) for s in starts(office.staffed, 14)
    ]


def contention_phase(args, office, day, now, processes: int, settings_module: str | None):
    tz = location_zone(office.location)
    targets = contention_targets(office, day, now, args.contention_slots)
    capacity = {office.pool.pk: office.pool.capacity, office.staffed.pk: len(office.staff)}
    places = sum(capacity[service.pk] for service, _ in targets)
    print(
        f"\n(b) Contention: {args.contention_clients} clients book the same start at once; "
        f"{args.contention_slots} pool starts (capacity {office.pool.capacity}) + "
        f"{args.contention_slots} staffed starts ({len(office.staff)} staff) = {places} places; "
        f"{processes} daphne process(es)"
    )
    deadlocks_before = deadlocks_so_far()
    with servers(processes, settings_module) as daphnes:
        rounds = run_contention(
            daphnes.ports,
            args.contention_clients,
            [(str(service.pk), start.astimezone(tz).isoformat()) for service, start in targets],
            str(office.location.pk),
        )
        exceptions = daphnes.exception_lines()
    deadlocks = None if deadlocks_before is None else deadlocks_so_far() - deadlocks_before

    outcomes = [o for round_ in rounds for o in round_]
    told = {o.code for o in outcomes if o.kind == BOOKED}
    stored = set(
        Booking.objects.filter(
            location=office.location, service__in=[office.pool, office.staffed]
        ).values_list("code", flat=True)
    )
    by_service = {}
    for label, service in (("pool", office.pool), ("staffed", office.staffed)):
        mine = [
            o
            for (target, _), round_ in zip(targets, rounds, strict=True)
            if target == service
            for o in round_
        ]
        by_service[label] = {
            "outcomes": dict(Counter(o.kind for o in mine)),
            "p95_ms": harness.percentiles([o.ms for o in mine])["p95_ms"],
        }
    summary = summarize(outcomes) | {
        "clients": args.contention_clients,
        "slots": len(targets),
        "places": places,
        "daphne_processes": processes,
        "by_service": by_service,
        "slots_over_capacity_by_responses": sum(
            1
            for (service, _), round_ in zip(targets, rounds, strict=True)
            if sum(o.kind == BOOKED for o in round_) > capacity[service.pk]
        ),
        "bookings_stored": len(stored),
        "responses_vs_stored_mismatch": len(told ^ stored),
        "server_exceptions": dict(exceptions),
        "postgresql_deadlocks": deadlocks,
    }

    latency = summary["latency"]
    print(
        f"  {summary['requests']} requests: {summary['booked']} booked (of {places} places), "
        f"{summary['slot_taken']} SLOT_TAKEN, other typed errors "
        f"{summary['other_typed_errors'] or 0}, HTTP 5xx {summary['http_5xx']}, "
        f"untyped failures {summary['untyped_failures']} {summary['failures_by_kind'] or ''}"
    )
    print(
        f"  latency p50 {latency['p50_ms']:.0f} ms, p95 {latency['p95_ms']:.0f} ms, "
        f"max {latency['max_ms']:.0f} ms; bookings stored for these slots {len(stored)}, "
        f"booked responses vs stored mismatches {len(told ^ stored)}"
    )
    for label, figures in by_service.items():
        print(f"    {label:8} {figures['outcomes']}, p95 {figures['p95_ms']:.0f} ms")
    if deadlocks:
        print(
            f"  PostgreSQL detected {deadlocks} deadlocks meanwhile (answered BUSY; each one "
            "waited deadlock_timeout before PostgreSQL broke it)"
        )
    print_exceptions(exceptions)
    return summary


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    settings_module = WHAT_IF_SETTINGS if args.conn_max_age_0 else None
    conn_max_age = 0 if args.conn_max_age_0 else settings.DATABASES["default"]["CONN_MAX_AGE"]
    print(f"Booking benchmark on {harness.database_label(ENV)}")
    print(
        f"  Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f}), DEBUG off; "
        f"daphne CONN_MAX_AGE {conn_max_age}"
        + (" (what-if settings)" if settings_module else " (backend.settings)")
    )
    print(f"  manage.py migrate: ok; load_demo: {harness.migrate_and_load_demo(ENV)}")
    dataset.drop_bench_data()
    office = dataset.build_booking_office()
    tz = location_zone(office.location)
    now = timezone.now()
    # From tomorrow to well before the horizon: every start stays inside the booking window
    # (2 h notice, 60 days) for the whole run, also when it runs past midnight.
    first_day = now.astimezone(tz).date() + timedelta(days=1)
    feed = StartFeed(
        dataset.bookable_starts(
            office.throughput, office.location, first_day, first_day + timedelta(days=57), now
        ),
        tz,
    )

    print("\n(a) Throughput, uncontended: every request books a different free start")
    in_process = in_process_ms(feed, office, args.in_process)
    print(
        f"  in-process, one at a time (django.test.Client, no HTTP): p50 "
        f"{in_process['p50_ms']:.1f} ms p95 {in_process['p95_ms']:.1f} ms per booking = "
        f"{1000 / in_process['p50_ms']:.0f} bookings/s per busy core"
    )
    print(f"  over HTTP, {args.clients} client threads, {args.seconds:g} s per configuration:")
    throughput = throughput_phase(args, office, feed, settings_module)
    best = max(throughput, key=lambda s: s["bookings_per_second"])

    contention = contention_phase(
        args,
        office,
        first_day + timedelta(days=1),
        now,
        max(s["daphne_processes"] for s in throughput),
        settings_module,
    )

    audit = dataset.audit_capacity([office.location])
    overbooked = dataset.overbookings(audit)
    mismatched = dataset.inconsistencies(audit)
    audit |= {
        "bookings": Booking.objects.filter(location=office.location).count(),
        "overbookings": overbooked,
        "bookings_vs_claims_mismatches": mismatched,
    }
    print(
        f"\nDatabase audit of all {audit['bookings']} benchmark bookings / {audit['claims']} "
        f"claims: overbookings {overbooked} (pool slots over capacity "
        f"{audit['pool_slots_over_capacity']}, duplicate seats {audit['pool_seats_duplicated']}, "
        f"resource overlaps {audit['resource_overlaps']}); bookings vs claims mismatches "
        f"{mismatched}"
    )
    figures = {
        "daphne_conn_max_age": conn_max_age,
        "in_process_per_booking": in_process,
        "throughput": throughput,
        "contention": contention,
        "audit": audit,
    }
    http_5xx = contention["http_5xx"] + sum(s["http_5xx"] for s in throughput)
    untyped = contention["untyped_failures"] + sum(s["untyped_failures"] for s in throughput)
    correctness = [
        harness.Target("overbookings (database audit)", overbooked, "==", 0),
        harness.Target("bookings vs claims mismatches", mismatched, "==", 0),
        harness.Target(
            "booked responses vs stored bookings mismatches",
            contention["responses_vs_stored_mismatch"],
            "==",
            0,
        ),
        harness.Target("HTTP 5xx (all phases)", http_5xx, "==", 0),
        harness.Target("untyped failures (all phases)", untyped, "==", 0),
    ]
    targets = [
        harness.Target(
            f"throughput, best configuration ({best['daphne_processes']} daphne process(es))",
            best["bookings_per_second"],
            ">=",
            TARGET_BOOKINGS_PER_SECOND,
            " bookings/s",
        ),
        *correctness,
    ]
    if not args.keep:
        dataset.drop_bench_data()
    passed = harness.report("booking", ENV, figures, targets)
    if not all(t.passed for t in correctness):
        return 1  # an overbooking, a 500 or an untyped error is a bug, not a slow machine
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
