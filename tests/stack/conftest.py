"""tests/stack: the production stack end to end (ops/entrypoint.sh, ops/nginx with Debian's
nginx, PostgreSQL, Redis). Marked `stack` and left out unless asked for with `-m stack`
(`make test-stack`): they need nginx (`make stack-deps`), PostgreSQL and Redis. The fast
checks of the deployment files (test_env_example.py) are not marked and run everywhere."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """Stack tests run only when the marker expression names them (`-m stack`); any other
    run (make test, make test-pg, `-m "not e2e"`) deselects them."""
    if "stack" in (config.option.markexpr or ""):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("stack") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="module")
def stack_services():
    """(DATABASE_URL, REDIS_URL) of the PostgreSQL and Redis the stack runs on; a clear failure
    when they or nginx are missing (make test-stack sets them)."""
    from tests.stack.stack import NGINX

    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith("postgres") or not redis_url:
        pytest.fail(
            "tests/stack needs DATABASE_URL=postgres://... and REDIS_URL=redis://... "
            "(make test-stack)",
            pytrace=False,
        )
    if not NGINX.exists() or not shutil.which("envsubst"):
        pytest.fail(f"{NGINX} or envsubst is missing: run `make stack-deps`", pytrace=False)
    return database_url, redis_url


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed stack test's report ends with the processes' logs."""
    outcome = yield
    report = outcome.get_result()
    running = getattr(item, "funcargs", {}).get("stack")
    if report.failed and running is not None:
        report.sections.append(("stack logs (last lines)", running[0].logs()))
