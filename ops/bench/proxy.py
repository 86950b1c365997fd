"""Benchmark: the production stack's proxy. bookAppointment through nginx + TLS (ops/nginx, two
web processes as its upstream) against the same bookings sent directly to one web process and
round-robin to both; then a rolling restart of both processes under load (tests/stack/rolling.py):
how long each restart takes and the longest a call display was behind.

The stack is the one tests/stack runs (tests/stack/stack.py): `ops/entrypoint.sh migrate`, two
`ops/entrypoint.sh web` processes, one worker, Debian's nginx with a local CA, on a fresh
PostgreSQL database next to DATABASE_URL (dropped afterwards) and REDIS_URL. The booking client
and the benchmark office are ops/bench/booking.py's and dataset.py's; only the connection
differs (HTTPS to the proxy, trusting the local CA). Proofs of work are off and abuse limits
lifted, as in booking.py (throughput of the booking, not of the client's hashing).

Run from the repository root (needs nginx: make stack-deps):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_vz REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python ops/bench/proxy.py
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import http.client
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.stack.stack import create_database, drop_database  # noqa: E402


def _fresh_database() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("ops/bench/proxy.py needs DATABASE_URL=postgres://... and REDIS_URL")
    url = create_database(base)
    atexit.register(drop_database, url)
    return url


# Before booking.py's import bootstraps Django on DATABASE_URL: the stack's own database.
os.environ["DATABASE_URL"] = _fresh_database()

import booking  # noqa: E402  (harness.bootstrap(): settings, django.setup())
import dataset  # noqa: E402
import harness  # noqa: E402
from django.utils import timezone  # noqa: E402

from backend.bookings.calendars import location_zone  # noqa: E402
from tests.stack import office as stack_office  # noqa: E402
from tests.stack.rolling import rolling_restart  # noqa: E402
from tests.stack.stack import Stack, Tls  # noqa: E402

ENV = booking.ENV


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="client threads")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per route")
    parser.add_argument("--warmup-seconds", type=float, default=2.0)
    return parser.parse_args()


class ProxyBookingClient(booking.BookingClient):
    """booking.py's client over HTTPS to the proxy: its connection is made lazily here, so the
    request, the classification and the reconnects stay booking.py's."""

    def __init__(self, port: int, who: int, tls: Tls):
        self._conn: http.client.HTTPConnection | None = None
        self.tls = tls
        super().__init__(port, who)

    @property  # type: ignore[override]
    def conn(self) -> http.client.HTTPConnection | None:
        if self._conn is None:
            self._conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=120, context=self.tls.client_context()
            )
        return self._conn

    @conn.setter
    def conn(self, value) -> None:
        self._conn = value


def measure(make_client, clients: int, seconds: float, feed, office) -> tuple[list, float]:
    """Clients book distinct starts for `seconds` (booking.py's throughput phase, with the
    client the route needs)."""
    service_id, location_id = str(office.throughput.pk), str(office.location.pk)
    outcomes: list = []
    began = time.perf_counter()
    deadline = began + seconds

    def client_loop(number: int) -> None:
        client = make_client(number)
        while time.perf_counter() < deadline and not booking.STOP_CLIENTS.is_set():
            start = feed.next()
            if start is None:
                break
            outcomes.append(client.book(service_id, location_id, start))
        client.close()

    booking.run_clients(client_loop, clients)
    return outcomes, time.perf_counter() - began


def route(label: str, make_client, args, feed, office) -> dict:
    measure(make_client, args.clients, args.warmup_seconds, feed, office)
    outcomes, elapsed = measure(make_client, args.clients, args.seconds, feed, office)
    summary = booking.summarize(outcomes) | {"route": label, "seconds": round(elapsed, 3)}
    summary["bookings_per_second"] = round(summary["booked"] / elapsed, 1)
    latency = summary["latency"]
    print(
        f"  {label:<40} {summary['bookings_per_second']:7.1f} bookings/s   p50 "
        f"{latency['p50_ms']:6.0f} ms   p99 {latency['p99_ms']:6.0f} ms   untyped failures "
        f"{summary['untyped_failures']}"
    )
    return summary


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="stack-", dir=ENV.var_dir))
    limits = harness.without_abuse_limits({})
    stack = Stack(
        workdir,
        os.environ["DATABASE_URL"],
        os.environ["REDIS_URL"],
        extra_env=limits | {"POW_ENABLED": "0"},
    )
    print(f"Proxy benchmark on {harness.database_label(ENV)}, {os.cpu_count()} CPUs")
    try:
        stack.start()
        office = dataset.build_booking_office()
        tz = location_zone(office.location)
        now = timezone.now()
        first_day = now.astimezone(tz).date() + dt.timedelta(days=1)
        feed = booking.StartFeed(
            dataset.bookable_starts(
                office.throughput,
                office.location,
                first_day,
                first_day + dt.timedelta(days=57),
                now,
            ),
            tz,
        )
        print(f"\n(a) bookAppointment, {args.clients} clients, {args.seconds:g} s per route")
        web1, web2 = stack.web_ports
        routes = [
            route(
                "direct, one web process",
                lambda n: booking.BookingClient(web1, n),
                args,
                feed,
                office,
            ),
            route(
                "direct, round-robin over both",
                lambda n: booking.BookingClient((web1, web2)[n % 2], n),
                args,
                feed,
                office,
            ),
            route(
                "through nginx + TLS (both upstream)",
                lambda n: ProxyBookingClient(stack.https_port, n, stack.tls),
                args,
                feed,
                office,
            ),
        ]

        print("\n(b) rolling restart of both web processes under load, through the proxy")
        password = secrets.token_urlsafe(16)
        ids = stack_office.build(password)
        rolling = rolling_restart(stack, ids, password)
        try:
            failed = [b for b in rolling.bookings if b.errors or not b.code]
            gaps = {b.name: round(rolling.longest_gap(b), 3) for b in rolling.boards}
        finally:
            for board in rolling.boards:
                board.close()
        restart = {
            "bookings": len(rolling.bookings),
            "bookings_failed": len(failed),
            "bookings_retried": sum(1 for b in rolling.bookings if b.retries),
            "calls": len(rolling.calls),
            "restart_seconds": [round(s, 2) for s in rolling.restart_seconds],
            "stop_seconds": [round(s, 2) for s in rolling.stop_seconds],
            "exit_codes": rolling.exit_codes,
            "hung_after_sigterm": len(rolling.hung),
            "longest_display_gap_seconds": gaps,
            "errors": [repr(e) for e in rolling.errors],
        }
        print(
            f"  {restart['bookings']} bookings meanwhile ({restart['bookings_failed']} failed, "
            f"{restart['bookings_retried']} retried after a lost answer), {restart['calls']} calls;"
            f" restart (SIGTERM -> ready) {restart['restart_seconds']} s, of which the drain "
            f"(SIGTERM -> exit) {restart['stop_seconds']} s; longest display gap "
            f"{max(gaps.values()):.2f} s"
        )
    finally:
        stack.close()

    direct, _, proxied = routes
    figures = {"routes": routes, "rolling_restart": restart}
    targets = [
        harness.Target("untyped failures through the proxy", proxied["untyped_failures"], "==", 0),
        harness.Target(
            "proxy p99 / direct (one process) p99",
            round(proxied["latency"]["p99_ms"] / direct["latency"]["p99_ms"], 2),
            "<=",
            2.0,
        ),
        harness.Target("bookings failed during the rolling restart", len(failed), "==", 0),
        harness.Target(
            "web processes exiting non-zero", sum(map(bool, rolling.exit_codes)), "==", 0
        ),
        harness.Target(
            "longest display gap during the rolling restart", max(gaps.values()), "<=", 5.0, " s"
        ),
    ]
    return 0 if harness.report("proxy", ENV, figures, targets) else 1


if __name__ == "__main__":
    sys.exit(main())
