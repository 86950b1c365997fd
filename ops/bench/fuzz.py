"""Fuzz /graphql with hypothesis-graphql: valid and invalid documents and broken bodies.

Posts `--documents` (default 10,000) generated requests through Django's test client against
the production schema (DEBUG off) on the demo data, and counts responses by status, 5xx,
responses that leak a traceback, file path or SQL, and records logged at ERROR. Prints the
figures and one JSON line. The CI test tests/schema/test_fuzz.py runs the same generator on a
small budget. Usage: `.venv/bin/python ops/bench/fuzz.py [--documents N]`.
"""

from __future__ import annotations

import argparse
import collections
import logging
import time

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from backend.catalog.demo import load_demo  # noqa: E402
from tests.schema.fuzz_graphql import ErrorLog, bodies, leak_in  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=10_000)
    args = parser.parse_args()

    call_command("migrate", interactive=False, verbosity=0)
    load_demo()
    client = Client()
    statuses: collections.Counter[int] = collections.Counter()
    leaks: list[str] = []
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    started = time.monotonic()

    @settings(
        max_examples=args.documents,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # nothing fails here, so there is nothing to shrink
        suppress_health_check=list(HealthCheck),
    )
    @given(request=bodies())
    def post(request):
        body, content_type = request
        response = client.post("/graphql", body, content_type=content_type)
        statuses[response.status_code] += 1
        total = sum(statuses.values())
        if total % 1000 == 0:  # progress: a long run on a busy machine shows it is alive
            print(f"  {total} posted, {time.monotonic() - started:.0f} s: {dict(statuses)}")
        leak = leak_in(response.content, body)
        if leak:
            leaks.append(leak)

    post()
    elapsed = time.monotonic() - started
    logging.getLogger().removeHandler(errors)

    total = sum(statuses.values())
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"documents posted: {total} in {elapsed:.1f} s ({total / elapsed:.0f}/s)")
    for status, count in sorted(statuses.items()):
        print(f"  HTTP {status}: {count}")
    print(f"5xx: {server_errors}; leaks: {len(leaks)} {sorted(set(leaks))[:5]}")
    print(f"records logged at ERROR: {len(errors.records)}")
    figures = {
        "documents": total,
        "seconds": round(elapsed, 1),
        "by_status": {str(k): v for k, v in sorted(statuses.items())},
        "server_errors": server_errors,
        "leaks": len(leaks),
        "error_log_records": len(errors.records),
    }
    targets = [
        harness.Target("documents posted", total, ">=", args.documents * 0.95),
        harness.Target("5xx responses", server_errors, "==", 0),
        harness.Target("responses with a leak", len(leaks), "==", 0),
        harness.Target("records logged at ERROR", len(errors.records), "==", 0),
    ]
    return 0 if harness.report("fuzz", ENV, figures, targets) else 1


if __name__ == "__main__":
    raise SystemExit(main())
