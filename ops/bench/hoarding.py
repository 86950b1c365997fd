"""Benchmark: a hoarding bot against the abuse defenses, and what they cost honest users.

Setup: `manage.py migrate` and `manage.py load_demo` into a private database, and three
daphne processes on loopback behind TRUSTED_PROXIES=127.0.0.1 (so a client can present any
address in X-Forwarded-For, as K machines behind the city's proxy would): one with every
defense on, one with the rate limits and caps lifted (harness.without_abuse_limits; the
counting still runs), one with those lifted and POW_ENABLED=0.

Every client pays proofs of work as a real one does (ops/bench/proofs.py): it fetches one
challenge per mutation field (an aliased query fetches several at once), solves each with
hashlib and sends it as that field's `proof`; one proof per aliased field.

1. Honest latency, first, on fresh servers (the bot's refused calls must not weigh on it):
   `--honest` bookAppointment calls per server (direct, each from its own address and
   e-mail, on other days than the bot's), interleaved over the three servers in alternating
   order so that load drifts hit all alike. Timed is the bookAppointment POST only (server
   time as the client sees it), not the client's solving. Printed: p50/p95 per server, the
   p50 of each half of the run (two repeats: their spread is the noise), each p50 as a ratio
   to the one without rate limits and proofs, and the in-process cost of one counter write
   times the five an honest booking makes. Target: all defenses add ≤ 10 % to the p50.
2. The bot, on the server with every defense on: for `--seconds` (default 120), each of its K
   addresses in turn sends holdSlot with 15 aliases over the day's slots of
   "Personalausweis beantragen" at the Rathaus, bookAppointment from every hold it got, and
   15 aliased direct bookAppointments with fresh e-mail aliases, each field with its own
   solved proof (solving stops at the deadline). Printed: the day's seats, how many the bot
   booked and held at the end and its share (target with K=1: booked + held ≤ 5 %), the CPU
   seconds it spent solving in total, per seat it got and per attempt (mutation field sent
   with a proof), the part of it spent on calls a rate limit did not refuse (those are
   refused before their proof is checked, so a bot that knew the limits would not solve
   them: the cost per seat of a smarter bot), and the difficulty (maxNumber) each address
   was given last: it rises for a network that spends many proofs (a call a rate limit
   refuses spends none, so the limits keep it low).

    .venv/bin/python ops/bench/hoarding.py [--ips K] [--seconds S] [--honest N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_vz REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python ops/bench/hoarding.py
(On PostgreSQL and Redis, start from an empty database and Redis db: counters and spent
proofs of an earlier run would count against the same addresses.)
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

import harness
import proofs

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

import datetime as dt  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

import holidays  # noqa: E402

ALIASES = 15
BERLIN = ZoneInfo("Europe/Berlin")
# The three servers of the honest phases; the last (no defenses) is the ratios' denominator.
PHASES = ("all defenses on", "rate limits lifted", "limits lifted + POW_ENABLED=0")

SLOTS = """query($s: ID!, $l: ID!, $d: Date!) {
  availableSlots(service: $s, location: $l, date: $d) { start remaining } }"""
BOOK = """mutation($i: BookAppointmentInput!) {
  bookAppointment(input: $i) { booking { code } errors { code } } }"""


class Caller:
    """One keep-alive HTTP connection that posts GraphQL as `ip` behind the proxy."""

    def __init__(self, port: int):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, ip: str, query: str, variables: dict | None = None) -> tuple[int, dict]:
        body = json.dumps({"query": query, "variables": variables or {}})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": ip}
        try:
            self.connection.request("POST", "/graphql", body, headers)
            response = self.connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            return 0, {}

    def as_ip(self, ip: str) -> proofs.Post:
        return lambda query, variables: self.post(ip, query, variables)


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


# --- the bot ----------------------------------------------------------------------------------


@dataclass
class Bot:
    caller: Caller
    deadline: float
    solver: proofs.Solver = field(default_factory=proofs.Solver)
    outcome: Counter = field(default_factory=Counter)
    attempts: int = 0  # mutation fields sent with a solved proof
    checked_cpu_seconds: float = 0.0  # solving the proofs of calls not refused by a rate limit
    last_max_number: dict[str, int] = field(default_factory=dict)

    def proofs_for(self, ip: str, purpose: str, count: int) -> list[tuple[str | None, float]]:
        """Up to `count` solved proofs with the CPU seconds each took, as many as the
        deadline lets it solve."""
        challenges = proofs.fetch_challenges(self.caller.as_ip(ip), purpose, count)
        if len(challenges) < count:
            self.outcome["challenge_refused"] += count - len(challenges)
        solved: list[tuple[str | None, float]] = []
        for challenge in challenges:
            self.last_max_number[ip] = challenge["maxNumber"]
            if time.monotonic() >= self.deadline:
                break
            solved.append((self.solver.proof(challenge), self.solver.last_cpu_seconds))
        return solved

    def send(self, ip: str, fields: dict[str, tuple[str, float]], kind: str) -> dict:
        """One aliased mutation of {alias: (field, CPU seconds of its proof)}; the results
        by alias."""
        self.attempts += len(fields)
        text = " ".join(f"{alias}: {call}" for alias, (call, _cpu) in fields.items())
        status, body = self.caller.post(ip, f"mutation {{ {text} }}")
        if status != 200:
            self.outcome[f"http_{status}"] += 1
        results = body.get("data") or {}
        for alias, result in results.items():
            if result[kind]:
                self.outcome["held" if kind == "hold" else "booked"] += 1
                code = None
            else:
                code = result["errors"][0]["code"]
                self.outcome[code] += 1
            # A rate-limited call is refused before its proof is looked at: a bot that
            # knew the limits would not have solved it.
            if code != "RATE_LIMITED":
                self.checked_cpu_seconds += fields[alias][1]
        return results


def proof_arg(proof: str | None) -> str:
    return f', proof: "{proof}"' if proof else ""


def run_bot(port: int, ids: dict, day: dt.date, ips: int, seconds: float) -> Bot:
    bot = Bot(Caller(port), time.monotonic() + seconds)
    starts = [s["start"] for s in free_slots(bot.caller, ids, day)]
    addresses = [f"203.0.113.{n + 1}" for n in range(ips)]
    where = f'service: "{ids["service"]}", location: "{ids["location"]}"'
    alias = cursor = 0
    while time.monotonic() < bot.deadline:
        for ip in addresses:
            batch = [starts[(cursor + n) % len(starts)] for n in range(ALIASES)]
            cursor += ALIASES
            paid = bot.proofs_for(ip, "HOLD_SLOT", ALIASES)
            holds = {
                f"h{n}": (
                    f'holdSlot(input: {{{where}, start: "{start}"{proof_arg(proof)}}}) '
                    "{ hold { id } holdSecret errors { code } }",
                    cpu,
                )
                for n, (start, (proof, cpu)) in enumerate(zip(batch, paid, strict=False))
            }
            got = []
            if holds:
                for result in bot.send(ip, holds, "hold").values():
                    if result["hold"]:
                        got.append((result["hold"]["id"], result["holdSecret"]))
            books = []
            for hold_id, secret in got:
                alias += 1
                books.append(
                    f'bookAppointment(input: {{name: "Bot Bauer", email: '
                    f'"bot+{alias}@example.org", hold: "{hold_id}", holdSecret: "{secret}"'
                    "%s}) { booking { code } errors { code } }"
                )
            for start in batch:
                alias += 1
                books.append(
                    f'bookAppointment(input: {{name: "Bot Bauer", email: '
                    f'"bot{alias}@example.org", {where}, start: "{start}"'
                    "%s}) { booking { code } errors { code } }"
                )
            for chunk in range(0, len(books), ALIASES):
                wanted = books[chunk : chunk + ALIASES]
                paid = bot.proofs_for(ip, "BOOK_APPOINTMENT", len(wanted))
                fields = {
                    f"b{chunk + n}": (book % proof_arg(proof), cpu)
                    for n, (book, (proof, cpu)) in enumerate(zip(wanted, paid, strict=False))
                }
                if fields:
                    bot.send(ip, fields, "booking")
            if time.monotonic() >= bot.deadline:
                break
    return bot


# --- honest latency ---------------------------------------------------------------------------


PAUSE_BEFORE_BOOKING_S = 0.1  # longer than an honest solve at the base difficulty (~30 ms)


@dataclass
class Honest:
    """One honest client population on one server: its free starts and its samples."""

    caller: Caller
    starts: list[str]
    first_ip: int
    solver: proofs.Solver = field(default_factory=proofs.Solver)
    samples: list[float] = field(default_factory=list)

    def book(self, n: int, ids: dict) -> None:
        ip = f"10.{(self.first_ip + n) // 250}.{(self.first_ip + n) % 250}.9"
        variables = {
            "i": {
                "name": "Erika Mustermann",
                "email": f"erika{self.first_ip + n}@example.org",
                "service": ids["service"],
                "location": ids["location"],
                "start": self.starts[n],
            }
        }
        fetched = time.perf_counter()
        [challenge] = proofs.fetch_challenges(self.caller.as_ip(ip), "BOOK_APPOINTMENT", 1)
        proof = self.solver.proof(challenge)  # None where proofs are switched off
        if proof:
            variables["i"]["proof"] = proof
        # Every timed POST comes the same pause after the challenge, with or without solving:
        # else the servers with proofs were measured idle-cooled by the client's solving and
        # the others hot from the challenge request just before (a citizen always pauses).
        time.sleep(max(0.0, PAUSE_BEFORE_BOOKING_S - (time.perf_counter() - fetched)))
        began = time.perf_counter()
        status, body = self.caller.post(ip, BOOK, variables)
        elapsed = (time.perf_counter() - began) * 1000
        result = (body.get("data") or {}).get("bookAppointment") or {}
        if status == 200 and result.get("booking"):
            self.samples.append(elapsed)
        else:
            print(f"  honest booking failed: {status} {result.get('errors')}")


def honest_latencies(
    servers: list[harness.Daphne], ids: dict, days: list, count: int
) -> list[Honest]:
    """`count` honest bookings per server, interleaved; the order alternates every round."""
    clients = []
    for index, server in enumerate(servers):
        caller = Caller(server.port)
        starts = [
            s["start"]
            for day in days[3 * index : 3 * index + 3]
            for s in free_slots(caller, ids, day)
            for _ in range(s["remaining"])
        ]
        clients.append(Honest(caller, starts, first_ip=1000 * index))
    rounds = min(count, *(len(c.starts) for c in clients))
    for n in range(rounds):
        for client in clients if n % 2 == 0 else reversed(clients):
            client.book(n, ids)
    return clients


def counting_ms(samples: int = 500) -> float:
    """Mean time of one counted hit on this process's store (Redis with REDIS_URL, else the
    database), with keys nobody else uses."""
    from backend.core.ratelimit import hit

    began = time.perf_counter()
    for n in range(samples):
        hit("bookAppointment", email=f"timing{n}@example.org")
    return (time.perf_counter() - began) * 1000 / samples


def phase_figures(samples: list[float]) -> dict:
    half = len(samples) // 2
    stats = harness.percentiles(samples)
    return {
        "n": stats["n"],
        "p50_ms": round(stats["p50_ms"], 2),
        "p95_ms": round(stats["p95_ms"], 2),
        "p50_ms_halves": [
            round(harness.percentiles(samples[:half])["p50_ms"], 2),
            round(harness.percentiles(samples[half:])["p50_ms"], 2),
        ],
    }


def main() -> int:
    from django.conf import settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ips", type=int, default=1, help="addresses the bot uses (K)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long the bot tries")
    parser.add_argument("--honest", type=int, default=100, help="honest bookings per server")
    args = parser.parse_args()

    print(f"Hoarding benchmark on {harness.database_label(ENV)}; load {harness.machine()}")
    harness.migrate_and_load_demo(ENV)
    from backend.bookings.models import Booking, Hold
    from backend.catalog.models import Location, Service

    ids = {
        "service": str(Service.objects.get(slug="personalausweis").pk),
        "location": str(Location.objects.get(slug="rathaus").pk),
    }
    days = working_days(10)
    bot_day, honest_days = days[0], days[1:]
    base = ENV.child_env() | {"TRUSTED_PROXIES": "127.0.0.1"}
    environments = [
        base,
        harness.without_abuse_limits(dict(base)),
        harness.without_abuse_limits(dict(base)) | {"POW_ENABLED": "0"},
    ]
    servers: list[harness.Daphne] = []
    try:
        for label, env in zip(("on", "lifted", "lifted-nopow"), environments, strict=True):
            servers.append(harness.Daphne(ENV, label, env))
            servers[-1].start()
        honest = honest_latencies(servers, ids, honest_days, args.honest)
        seats = sum(s["remaining"] for s in free_slots(Caller(servers[0].port), ids, bot_day))
        print(f"  bot: {args.ips} address(es), {args.seconds:g} s, {seats} seats on {bot_day}")
        bot = run_bot(servers[0].port, ids, bot_day, args.ips, args.seconds)
        now = dt.datetime.now(dt.UTC)
        booked = Booking.objects.filter(email__startswith="bot", starts_at__date=bot_day).count()
        held = Hold.objects.filter(expires_at__gt=now, starts_at__date=bot_day).count()
    finally:
        for server in servers:
            server.stop()

    got = booked + held
    share = 100.0 * got / seats if seats else 0.0
    cpu = bot.solver.cpu_seconds
    per_seat = round(cpu / got, 3) if got else None
    per_attempt = round(cpu / bot.attempts, 4) if bot.attempts else None
    print(f"  bot outcomes: {dict(sorted(bot.outcome.items()))}")
    print(f"  bot booked {booked} and held {held} of {seats} seats: {share:.2f} %")
    print(
        f"  bot solved {bot.solver.solved} proofs in {cpu:.2f} CPU s "
        f"(base maxNumber {settings.POW_MAX_NUMBER}): "
        + (f"{per_seat:.3f} s per seat it got, " if per_seat is not None else "no seat, ")
        + (f"{per_attempt:.4f} s per attempt ({bot.attempts})" if per_attempt else "")
    )
    checked = bot.checked_cpu_seconds
    print(
        f"  of which {checked:.2f} CPU s for calls not refused by a rate limit (what a bot that"
        " knew the limits would pay)" + (f": {checked / got:.3f} s per seat" if got else "")
    )
    print(f"  maxNumber each bot address was given last: {bot.last_max_number}")

    phases = {name: phase_figures(c.samples) for name, c in zip(PHASES, honest, strict=True)}
    reference = phases[PHASES[-1]]["p50_ms"]
    print(f"\n  honest bookAppointment POST ({len(honest[0].samples)} per server, interleaved)")
    for name, figures in phases.items():
        figures["p50_ratio_to_last"] = round(figures["p50_ms"] / reference, 3)
        first, second = figures["p50_ms_halves"]
        print(
            f"  {name:<30} p50 {figures['p50_ms']:7.2f} ms  p95 {figures['p95_ms']:7.2f} ms  "
            f"halves' p50 {first:6.2f} / {second:6.2f} ms  "
            f"ratio {figures['p50_ratio_to_last']:.3f}"
        )
    solved = honest[0].solver
    honest_solve = solved.cpu_seconds / solved.solved if solved.solved else 0.0
    print(f"  an honest client's solving (not timed above): {honest_solve:.4f} CPU s per proof")
    per_hit_ms = counting_ms()
    # Per honest booking: the request (1), bookAppointment per address (2 rates), per e-mail
    # (1), the burst counter (1): five counter writes.
    counting = 5 * per_hit_ms
    print(
        f"  one counter write: {per_hit_ms:.3f} ms in-process; five per booking: {counting:.2f} ms"
    )
    overhead = 100.0 * (phases[PHASES[0]]["p50_ms"] - reference) / reference
    figures = {
        "ips": args.ips,
        "seconds": args.seconds,
        "seats": seats,
        "bot_booked": booked,
        "bot_held_at_end": held,
        "bot_share_pct": round(share, 2),
        "bot_outcomes": dict(bot.outcome),
        "bot_proofs_solved": bot.solver.solved,
        "bot_attempts": bot.attempts,
        "bot_solve_cpu_s": round(cpu, 2),
        "bot_solve_cpu_s_per_seat": per_seat,
        "bot_solve_cpu_s_per_attempt": per_attempt,
        "bot_solve_cpu_s_not_rate_limited": round(checked, 2),
        "bot_solve_cpu_s_not_rate_limited_per_seat": round(checked / got, 3) if got else None,
        "pow_max_number_base": settings.POW_MAX_NUMBER,
        "bot_max_number_at_end": bot.last_max_number,
        "honest_bookappointment": phases,
        "honest_solve_cpu_s_per_proof": round(honest_solve, 4),
        "defenses_overhead_pct_of_p50": round(overhead, 1),
        "counter_write_ms": round(per_hit_ms, 3),
        "counting_pct_of_p50_undefended": round(100.0 * counting / reference, 1),
    }
    targets = [
        harness.Target("overhead of all defenses on honest p50", round(overhead, 1), "<=", 10, "%")
    ]
    if args.ips == 1:
        targets.insert(
            0, harness.Target("bot's share of seats (K=1)", round(share, 2), "<=", 5, "%")
        )
    return 0 if harness.report("hoarding", ENV, figures, targets) else 1


if __name__ == "__main__":
    sys.exit(main())
