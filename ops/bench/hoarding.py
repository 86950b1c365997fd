"""Benchmark: a hoarding bot against the abuse defenses, and what the checks cost honest users.

Setup: `manage.py migrate` and `manage.py load_demo` into a private database, one daphne
process on loopback behind TRUSTED_PROXIES=127.0.0.1, so the bot can present K addresses in
X-Forwarded-For (as K machines behind the city's proxy would).

1. The bot: for `--seconds` (default 120; bounded), each of its K addresses in turn sends
   holdSlot with 15 aliases over the day's slots of "Personalausweis beantragen" at the
   Rathaus, bookAppointment from every hold it got, and 15 aliased direct bookAppointments,
   each with a fresh e-mail alias. Printed: the day's seats, how many the bot booked and held
   at the end, and its share (target with K=1: booked + held ≤ 5 %).
2. Honest latency: `--honest` bookAppointment calls (direct, each from its own address and
   e-mail, on other days), p50/p95, once with the production limits and once with limits
   lifted (harness.without_abuse_limits; the counting still runs then), and the in-process
   cost of one counter write times the five an honest booking makes, as a share of p50
   (target for the p50 difference ≤ 10 %; on a loaded machine the p50s are noisy).

    .venv/bin/python ops/bench/hoarding.py [--ips K] [--seconds S] [--honest N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

import datetime as dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import holidays  # noqa: E402

SERVER_START_TIMEOUT = 60.0
ALIASES = 15
BERLIN = ZoneInfo("Europe/Berlin")

SLOTS = """query($s: ID!, $l: ID!, $d: Date!) {
  availableSlots(service: $s, location: $l, date: $d) { start remaining } }"""


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], label: str) -> Server:
    port = free_port()
    log = ENV.var_dir / f"daphne-{label}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(port),
                "-v",
                "0",
                "backend.asgi:application",
            ],
            cwd=harness.REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(port, process, log)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"daphne exited:\n{log.read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise SystemExit("daphne did not get ready")


class Caller:
    """One keep-alive HTTP connection that posts GraphQL as `ip` behind the proxy."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def post(self, ip: str, query: str, variables: dict | None = None) -> tuple[int, dict]:
        body = json.dumps({"query": query, "variables": variables or {}})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": ip}
        try:
            self.connection.request("POST", "/graphql", body, headers)
            response = self.connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, {}


def working_days(count: int) -> list[dt.date]:
    today = dt.datetime.now(BERLIN).date()
    nw = holidays.country_holidays("DE", subdiv="NW", years=[today.year, today.year + 1])
    day, found = today + dt.timedelta(days=3), []
    while len(found) < count:
        if day.isoweekday() <= 5 and day not in nw:
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def free_slots(caller: Caller, ids: dict, day: dt.date) -> list[dict]:
    _status, body = caller.post(
        "198.18.0.1", SLOTS, {"s": ids["service"], "l": ids["location"], "d": day.isoformat()}
    )
    return body["data"]["availableSlots"]


def run_bot(port: int, ids: dict, day: dt.date, ips: int, seconds: float) -> dict:
    caller = Caller(port)
    starts = [s["start"] for s in free_slots(caller, ids, day)]
    addresses = [f"203.0.113.{n + 1}" for n in range(ips)]
    outcome: dict[str, int] = {}
    alias = 0
    cursor = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for ip in addresses:
            batch = [starts[(cursor + n) % len(starts)] for n in range(ALIASES)]
            cursor += ALIASES
            holds = ",".join(
                f'h{n}: holdSlot(input: {{service: "{ids["service"]}", location: '
                f'"{ids["location"]}", start: "{start}"}}) {{ hold {{ id }} holdSecret '
                f"errors {{ code }} }}"
                for n, start in enumerate(batch)
            )
            status, body = caller.post(ip, f"mutation {{ {holds} }}")
            got = []
            for result in (body.get("data") or {}).values():
                if result["hold"]:
                    got.append((result["hold"]["id"], result["holdSecret"]))
                    outcome["held"] = outcome.get("held", 0) + 1
                else:
                    code = result["errors"][0]["code"]
                    outcome[code] = outcome.get(code, 0) + 1
            if status != 200:
                outcome[f"http_{status}"] = outcome.get(f"http_{status}", 0) + 1
            books = []
            for hold_id, secret in got:
                alias += 1
                books.append(
                    f'b{alias}: bookAppointment(input: {{name: "Bot Bauer", email: '
                    f'"bot+{alias}@example.org", hold: "{hold_id}", holdSecret: "{secret}"}}) '
                    f"{{ booking {{ code }} errors {{ code }} }}"
                )
            for start in batch:
                alias += 1
                books.append(
                    f'b{alias}: bookAppointment(input: {{name: "Bot Bauer", email: '
                    f'"bot{alias}@example.org", service: "{ids["service"]}", location: '
                    f'"{ids["location"]}", start: "{start}"}}) {{ booking {{ code }} '
                    f"errors {{ code }} }}"
                )
            for chunk in range(0, len(books), ALIASES):
                status, body = caller.post(
                    ip, "mutation { " + " ".join(books[chunk : chunk + ALIASES]) + " }"
                )
                if status != 200:
                    outcome[f"http_{status}"] = outcome.get(f"http_{status}", 0) + 1
                for result in (body.get("data") or {}).values():
                    key = "booked" if result["booking"] else result["errors"][0]["code"]
                    outcome[key] = outcome.get(key, 0) + 1
    return outcome


def honest_latencies(port: int, ids: dict, days: list, count: int, first_ip: int) -> list:
    caller = Caller(port)
    starts = [
        s["start"]
        for day in days
        for s in free_slots(caller, ids, day)
        for _ in range(s["remaining"])
    ]
    samples = []
    query = """mutation($i: BookAppointmentInput!) {
      bookAppointment(input: $i) { booking { code } errors { code } } }"""
    for n in range(min(count, len(starts))):
        variables = {
            "i": {
                "name": "Erika Mustermann",
                "email": f"erika{first_ip + n}@example.org",
                "service": ids["service"],
                "location": ids["location"],
                "start": starts[n],
            }
        }
        ip = f"10.{(first_ip + n) // 250}.{(first_ip + n) % 250}.9"
        began = time.perf_counter()
        status, body = caller.post(ip, query, variables)
        elapsed = (time.perf_counter() - began) * 1000
        result = (body.get("data") or {}).get("bookAppointment") or {}
        if status == 200 and result.get("booking"):
            samples.append(elapsed)
        else:
            print(f"  honest booking failed: {status} {result.get('errors')}")
    return samples


def counting_ms(samples: int = 500) -> float:
    """Mean time of one counted hit on this process's store (Redis with REDIS_URL, else the
    database), with keys nobody else uses."""
    from backend.core.ratelimit import hit

    began = time.perf_counter()
    for n in range(samples):
        hit("bookAppointment", email=f"timing{n}@example.org")
    return (time.perf_counter() - began) * 1000 / samples


def manage(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=harness.REPO,
        env=ENV.child_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ips", type=int, default=1, help="addresses the bot uses (K)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the bot tries")
    parser.add_argument("--honest", type=int, default=100, help="honest bookings per phase")
    args = parser.parse_args()

    print(f"Hoarding benchmark on {harness.database_label(ENV)}")
    manage("migrate", "--noinput", "-v", "0")
    manage("load_demo")
    from backend.bookings.models import Booking, Hold
    from backend.catalog.models import Location, Service

    ids = {
        "service": str(Service.objects.get(slug="personalausweis").pk),
        "location": str(Location.objects.get(slug="rathaus").pk),
    }
    days = working_days(7)
    bot_day, honest_on_days, honest_off_days = days[0], days[1:4], days[4:7]
    base = ENV.child_env() | {"TRUSTED_PROXIES": "127.0.0.1"}

    server = start_server(base, "limits-on")
    try:
        # Honest first, on a fresh server: the bot's thousands of refused calls must not
        # weigh on the comparison.
        on = honest_latencies(server.port, ids, honest_on_days, args.honest, first_ip=0)
        seats = sum(s["remaining"] for s in free_slots(Caller(server.port), ids, bot_day))
        print(f"  bot: {args.ips} address(es), {args.seconds:g} s, {seats} seats on {bot_day}")
        outcome = run_bot(server.port, ids, bot_day, args.ips, args.seconds)
        now = dt.datetime.now(dt.UTC)
        bot = Booking.objects.filter(email__startswith="bot", starts_at__date=bot_day)
        booked = bot.count()
        held = Hold.objects.filter(expires_at__gt=now, starts_at__date=bot_day).count()
        print(f"  bot outcomes: {dict(sorted(outcome.items()))}")
        print(f"  bot booked {booked} and held {held} of {seats} seats")
    finally:
        server.stop()
    server = start_server(harness.without_abuse_limits(dict(base)), "limits-off")
    try:
        off = honest_latencies(server.port, ids, honest_off_days, args.honest, first_ip=1000)
    finally:
        server.stop()

    on_stats, off_stats = harness.percentiles(on), harness.percentiles(off)
    print(harness.describe("honest bookAppointment, limits on ", on_stats))
    print(harness.describe("honest bookAppointment, limits off", off_stats))
    per_hit_ms = counting_ms()
    # Per honest booking: the request (1), bookAppointment per address (2 rates), per e-mail
    # (1), the burst counter (1): five counter writes.
    counting = 5 * per_hit_ms
    print(
        f"  one counter write: {per_hit_ms:.3f} ms in-process; five per booking: {counting:.2f} ms"
    )
    share = 100.0 * (booked + held) / seats if seats else 0.0
    overhead = 100.0 * (on_stats["p50_ms"] - off_stats["p50_ms"]) / off_stats["p50_ms"]
    figures = {
        "ips": args.ips,
        "seconds": args.seconds,
        "seats": seats,
        "bot_booked": booked,
        "bot_held_at_end": held,
        "bot_share_pct": round(share, 2),
        "bot_outcomes": outcome,
        "honest_p50_ms_limits_on": round(on_stats["p50_ms"], 2),
        "honest_p50_ms_limits_off": round(off_stats["p50_ms"], 2),
        "check_overhead_pct": round(overhead, 1),
        "counter_write_ms": round(per_hit_ms, 3),
        "counting_pct_of_p50_off": round(100.0 * counting / off_stats["p50_ms"], 1),
    }
    targets = [
        harness.Target("overhead of the checks on honest p50", round(overhead, 1), "<=", 10, "%")
    ]
    if args.ips == 1:
        targets.insert(
            0, harness.Target("bot's share of seats (K=1)", round(share, 2), "<=", 5, "%")
        )
    return 0 if harness.report("hoarding", ENV, figures, targets) else 1


if __name__ == "__main__":
    sys.exit(main())
