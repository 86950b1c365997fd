"""Benchmark: what health polling, scraping and the per-request bookkeeping cost.

Setup: `manage.py migrate` (subprocess), then one daphne (`python -m daphne -v 0 ...
backend.asgi:application`, DEBUG off) with METRICS_TOKEN set and the Huey heartbeat check off
(no consumer runs here), on the benchmark's database (DATABASE_URL / REDIS_URL as given).

Over HTTP, one keep-alive connection, sequential: GET /api/health/live, /api/health/ready
(database + Redis asked every time; migrations, heartbeat and disks from the few-second cache)
and /metrics with the bearer token, after warm-up requests; latency percentiles of each.

In-process: what backend.core.access_log's middleware adds to every request besides its log
line: choosing the request id (setting and resetting the context variable) and counting the
request and its latency in Prometheus (`metrics.observe_request`), per request in
microseconds, over a resolved request as the middleware sees it.

Targets: readiness p95 <= 25 ms (a balancer polls it every few seconds per process), a scrape
p95 <= 100 ms, the bookkeeping <= 50 µs per request.

Run from the repository root:
    .venv/bin/python ops/bench/observability.py
    .venv/bin/python ops/bench/observability.py --requests 2000
"""

from __future__ import annotations

import argparse
import http.client
import time

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

TOKEN = "bench-metrics-token"
WARMUP = 50
TARGET_READY_P95_MS = 25.0
TARGET_SCRAPE_P95_MS = 100.0
TARGET_BOOKKEEPING_US = 50.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="per endpoint")
    return parser.parse_args()


def timed_gets(port: int, path: str, count: int, headers: dict[str, str]) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    samples = []
    try:
        for n in range(WARMUP + count):
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"GET {path} answered {response.status}")
            if n >= WARMUP:
                samples.append(elapsed)
    finally:
        conn.close()
    return samples


def bookkeeping_us(count: int) -> float:
    """Microseconds per request for the request id and the two metrics observations."""
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from backend.core import metrics, request_id

    request = RequestFactory().get("/api/health/live", REMOTE_ADDR="127.0.0.1")
    request.resolver_match = resolve("/api/health/live")
    response = HttpResponse()
    started = time.perf_counter()
    for _ in range(count):
        begun = time.perf_counter()
        rid = request_id.choose(request.META.get("HTTP_X_REQUEST_ID"), "127.0.0.1")
        token = request_id.begin(rid)
        response[request_id.HEADER] = rid
        metrics.observe_request(request, response, time.perf_counter() - begun)
        request_id.end(token)
    return (time.perf_counter() - started) / count * 1e6


def main() -> None:
    args = parse_args()
    print(f"Database: {harness.database_label(ENV)}")
    harness.manage(ENV, "migrate", "--noinput", "-v", "0")
    child_env = ENV.child_env() | {"METRICS_TOKEN": TOKEN}
    figures: dict = {"requests": args.requests}
    with harness.Daphne(ENV, child_env=child_env) as server:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for label, path, headers in [
            ("live", "/api/health/live", {}),
            ("ready", "/api/health/ready", {}),
            ("metrics", "/metrics", auth),
        ]:
            stats = harness.percentiles(timed_gets(server.port, path, args.requests, headers))
            figures[label] = stats
            print(harness.describe(f"GET {path}", stats))
    figures["bookkeeping_us_per_request"] = round(bookkeeping_us(20_000), 2)
    print(f"  request id + metrics per request    {figures['bookkeeping_us_per_request']} µs")
    harness.report(
        "observability",
        ENV,
        figures,
        [
            harness.Target(
                "readiness p95", figures["ready"]["p95_ms"], "<=", TARGET_READY_P95_MS, " ms"
            ),
            harness.Target(
                "scrape p95", figures["metrics"]["p95_ms"], "<=", TARGET_SCRAPE_P95_MS, " ms"
            ),
            harness.Target(
                "bookkeeping per request",
                figures["bookkeeping_us_per_request"],
                "<=",
                TARGET_BOOKKEEPING_US,
                " µs",
            ),
        ],
    )


if __name__ == "__main__":
    main()
