"""Benchmark: what a proof of work costs the client, and what checking it costs the server.

Client, Python: solve challenges of the default difficulty (POW_MAX_NUMBER, the setting's
default unless the environment sets it) with hashlib, as a bot would, and take the process
CPU time per solved challenge; the hash rate gives the cost at each raised step too.
Client, browser: Debian's Chromium (Playwright, as tests/e2e) opens the booking page of a
daphne server (DEBUG off) and solves challenges with the page's own solver (lib/proof.js and
its Web Worker); the worker's wall time per challenge is one core's CPU time.
Server: issuing a challenge (one counter read for the network's difficulty), checking a payload
(signature, hash, expiry: CPU only) and spending it (check + two counter increments in the
shared store: Redis with REDIS_URL, else the database) in-process.

Run from the repository root:
    .venv/bin/python ops/bench/proof_of_work.py
    .venv/bin/python ops/bench/proof_of_work.py --solves 50 --browser-solves 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

# The page's own solver, driven from the booking page (same origin, as the flow uses it).
BROWSER_SOLVE = """async (count) => {
  const CHALLENGE = `query($p: ProofPurpose!) { proofOfWorkChallenge(purpose: $p) {
    required algorithm challenge salt signature maxNumber expiresInSeconds } }`;
  const { createProofs } = await import('/static/app/lib/proof.js');
  const fetchChallenge = async (purpose) => {
    const response = await fetch('/graphql', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'omit',
      body: JSON.stringify({ query: CHALLENGE, variables: { p: purpose } }),
    });
    return (await response.json()).data.proofOfWorkChallenge;
  };
  const proofs = createProofs(fetchChallenge);
  const times = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    const payload = await proofs.take('HOLD_SLOT');
    times.push(performance.now() - started);
    if (!payload) throw new Error('the server asked for no proof');
  }
  return times;
}"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solves", type=int, default=30, help="Python solves")
    parser.add_argument("--browser-solves", type=int, default=15, help="Chromium solves")
    parser.add_argument("--checks", type=int, default=300, help="server checks and spends")
    parser.add_argument("--no-browser", action="store_true", help="skip Chromium")
    return parser.parse_args()


def python_solves(count: int) -> tuple[list[float], int]:
    """CPU seconds per solved challenge, and hashes tried in all."""
    from proofs import solve

    from backend.bookings.proof_of_work import Purpose, issue_challenge

    cpu, hashes = [], 0
    for _ in range(count):
        challenge = issue_challenge(Purpose.HOLD_SLOT, "192.0.2.10").to_dict()
        started = time.process_time()
        payload = solve(challenge)
        cpu.append(time.process_time() - started)
        hashes += _number(payload) + 1
    return cpu, hashes


def _number(payload: str) -> int:
    import base64
    import json

    return json.loads(base64.b64decode(payload))["number"]


def server_costs(count: int) -> dict[str, dict[str, float]]:
    """Issue, check (CPU only) and spend (check + counters), in milliseconds."""
    from proofs import solve

    from backend.bookings.proof_of_work import (
        ProofAttempt,
        Purpose,
        _verified_payload,
        issue_challenge,
        spend_proof,
    )
    from backend.core.actors import Actor

    issue_ms, check_ms, spend_ms = [], [], []
    citizen = Actor(None, "citizen")
    for i in range(count):
        ip = f"198.51.100.{i % 200}"  # spread over networks: the difficulty stays at its base
        started = time.perf_counter()
        challenge = issue_challenge(Purpose.HOLD_SLOT, ip).to_dict()
        issue_ms.append((time.perf_counter() - started) * 1000)
        payload = solve(challenge)
        started = time.perf_counter()
        assert _verified_payload(payload, Purpose.HOLD_SLOT) is not None
        check_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        spend_proof(ProofAttempt(payload, ip), Purpose.HOLD_SLOT, citizen)
        spend_ms.append((time.perf_counter() - started) * 1000)
    return {
        "issue": harness.percentiles(issue_ms),
        "check": harness.percentiles(check_ms),
        "spend": harness.percentiles(spend_ms),
    }


def browser_solves(count: int) -> list[float]:
    """Seconds per solved challenge in Chromium's worker (challenge fetch included)."""
    from playwright.sync_api import sync_playwright

    with harness.Daphne(ENV) as server, sync_playwright() as playwright:
        browser = harness.launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{server.url}/?lang=de")
            page.wait_for_selector('[data-testid="location-option"]')
            page.evaluate(BROWSER_SOLVE, 1)  # warm-up: module and worker load
            return [ms / 1000 for ms in page.evaluate(BROWSER_SOLVE, count)]
        finally:
            browser.close()


def seconds(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "mean_s": round(statistics.fmean(values), 4),
        "p50_s": round(statistics.median(values), 4),
        "max_s": round(max(values), 4),
    }


def main() -> int:
    from django.conf import settings

    args = parse_args()
    base = settings.POW_MAX_NUMBER
    print(f"Proof of work on {harness.database_label(ENV)}; POW_MAX_NUMBER={base}")
    print(f"  manage.py migrate: ok; load_demo: {harness.migrate_and_load_demo(ENV)}")

    cpu, hashes = python_solves(args.solves)
    rate = hashes / sum(cpu)
    python = seconds(cpu)
    print(f"\nClient, Python hashlib ({args.solves} challenges at maxNumber {base})")
    print(f"  CPU per challenge: mean {python['mean_s']:.4f} s, p50 {python['p50_s']:.4f} s")
    print(f"  {rate / 1e6:.2f} M hashes per CPU second")
    steps = {
        str(base * settings.POW_RAISE_FACTOR**step): round(
            base * settings.POW_RAISE_FACTOR**step / 2 / rate, 4
        )
        for step in range(settings.POW_RAISE_MAX_STEPS + 1)
    }
    print("  expected CPU seconds per challenge at each difficulty step (maxNumber: s):")
    for max_number, cost in steps.items():
        print(f"    {max_number:>10}: {cost:.4f} s")

    browser = None
    if not args.no_browser:
        browser = seconds(browser_solves(args.browser_solves))
        print(f"\nClient, Chromium worker ({args.browser_solves} challenges, page solver)")
        print(
            f"  per challenge: mean {browser['mean_s']:.3f} s, p50 {browser['p50_s']:.3f} s, "
            f"max {browser['max_s']:.3f} s"
        )

    server = server_costs(args.checks)
    print(f"\nServer ({args.checks} each)")
    print(harness.describe("issue a challenge", server["issue"]))
    print(harness.describe("check a payload (CPU)", server["check"]))
    print(harness.describe("spend a proof (check + counters)", server["spend"]))

    figures = {
        "max_number": base,
        "python_cpu_s_per_challenge": python,
        "python_hashes_per_cpu_s": round(rate),
        "python_expected_cpu_s_by_max_number": steps,
        "browser_s_per_challenge": browser,
        "server_ms": server,
    }
    targets = [
        harness.Target("server spend p50", server["spend"]["p50_ms"], "<=", 10.0, " ms"),
        harness.Target("server check p50", server["check"]["p50_ms"], "<=", 0.5, " ms"),
    ]
    if browser is not None:
        targets.append(harness.Target("browser solve p50", browser["p50_s"], "<=", 1.0, " s"))
    return 0 if harness.report("proof_of_work", ENV, figures, targets) else 1


if __name__ == "__main__":
    sys.exit(main())
