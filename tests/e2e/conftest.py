"""End-to-end fixtures: a real daphne server on the test database, Debian's Chromium driven by
Playwright, and axe-core for accessibility checks.

- `live_server_e2e` (function scope; the daphne process itself lives for the whole session of
  one pytest process, so every xdist worker has its own server on its own test database). It
  runs backend.asgi:application with the production settings (DEBUG off), wrapped only by
  tests/e2e/asgi.py; a failed test's report gets the end of the server's log.
  Requesting it also requests `transactional_db`: the server is another process and sees only
  committed rows. Load data with the `demo` fixture or `load_demo()` as in tests/conftest.py.
- `page` / `context`: a fresh browser context per test; the page's Content-Security-Policy is
  enforced. `a11y_page`: a context with `bypass_csp=True`, only for `axe_violations` (see there).
- `axe_violations(page, impacts)`: runs the vendored axe-core (tests/e2e/vendor) in the page.
- `graphql_socket()`: a graphql-transport-ws client (GraphQLSocket) from Python to the server.

The browser is /usr/bin/chromium from Debian (ops/install-browser.sh, run by `make test`);
Playwright's own browser download is never used. Every test in tests/e2e is marked `e2e`
(`pytest -m "not e2e"` leaves them out). Write e2e tests as plain (sync) functions.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# As on this kind of machine's notes: without the background-networking flags Chromium keeps
# trying to reach Google's hosts, and the closed network refuses them.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERVER_START_TIMEOUT = 60.0
SERVER_STOP_GRACE = 10.0
PORT_ATTEMPTS = 3
E2E_DIR = Path(__file__).parent
# backend.asgi:application behind a content-type cache reset between tests (tests/e2e/asgi.py)
SERVER_APP = "tests.e2e.asgi.application"
# The production web runner (backend/web/server.py), as deployments start it.
RUN_WEB = [sys.executable, "manage.py", "run_web"]


def pytest_collection_modifyitems(config, items):
    """Mark everything under tests/e2e as `e2e`, whether or not the module says so."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that used the live server gets the end of the server's log."""
    outcome = yield
    report = outcome.get_result()
    server = getattr(item, "funcargs", {}).get("live_server_e2e")
    if report.failed and server is not None:
        report.sections.append(("daphne log (last lines)", server.log_tail()))


# --- password hashing -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Overrides tests/conftest.py's MD5 hasher, which the live server cannot verify
    (tests/e2e/hashers.py)."""
    settings.PASSWORD_HASHERS = ["tests.e2e.hashers.FastPBKDF2PasswordHasher"]


# --- the live server ------------------------------------------------------------------------


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    def get(self, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"the e2e daphne server has exited:\n{self.log_tail()}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the test database this pytest process created (and, under xdist,
    suffixed with its worker id): the name is read from the live connection settings."""
    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine.endswith("sqlite3"):
        path = Path(name)
        if not path.is_absolute() or "mode=memory" in name or name == ":memory:":
            raise pytest.UsageError(f"e2e tests need a file test database, not {name!r}")
        return f"sqlite:///{path}"
    if engine.endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{quote(password, safe='')}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{quote(name, safe='')}"
    raise pytest.UsageError(f"e2e tests support SQLite and PostgreSQL, not {engine}")


def _server_env(database_url: str) -> dict[str, str]:
    from django.conf import settings

    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the server keeps Django's async checks
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DATABASE_URL": database_url,
            # The same var dir and key as this process: sessions and signed values made
            # on either side are valid on the other.
            "VORZIMMER_VAR_DIR": str(settings.VAR_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
            "LOG_LEVEL": env.get("LOG_LEVEL", "WARNING"),
            # Opt-ins the server refuses to start without (backend/core/checks.py): mail is
            # printed (redacted); links point at the default address as in this process
            # (_spawn points them at the server itself).
            "EMAIL_BACKEND": "console",
            "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
            # The pages' tests cancel and reschedule and expect the slot back at once; the
            # freed-slot cool-down is tested through /graphql (test_freed_slot_cooldown.py).
            "FREED_SLOT_COOLDOWN_MAX_SECONDS": "0",
        }
    )
    # REDIS_URL passes through: with it the server uses channels-redis and checks Redis in
    # /api/health, as the suite's own settings do.
    return env | generous_limits_env()


def generous_limits_env() -> dict[str, str]:
    """Rate limits and per-client caps that these tests' ordinary use (a browser holding and
    booking many times from 127.0.0.1 with one address) cannot reach. The defenses
    themselves are tested with their defaults (tests/e2e/test_shared_limits.py)."""
    from django.conf import settings

    env = {
        "RATE_LIMIT_" + key.upper().replace(".", "_"): "100000/minute"
        for key in settings.RATE_LIMIT_DEFAULTS
    }
    return env | {"HOLD_MAX_LIVE_PER_CLIENT": "10000", "BOOKING_MAX_OPEN_PER_CONTACT": "10000"}


def _spawn(env: dict[str, str], log: Path) -> LiveServer:
    port = _free_port()
    # Links (manage links, ticket QR codes) are made on PUBLIC_BASE_URL, as in a deployment
    # where it is the address the pages are served from.
    env = env | {"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [*RUN_WEB, "--port", str(port), "--application", SERVER_APP],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return LiveServer(port, process, log)


def _wait_ready(server: LiveServer) -> bool:
    """True once /api/health answers 200; False if the process exited (e.g. port taken)."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            if server.get("/api/health", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    _stop(server)
    raise RuntimeError(f"daphne on :{server.port} did not get healthy:\n{server.log_tail()}")


def _stop(server: LiveServer) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=SERVER_STOP_GRACE)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def _daphne(django_db_setup, tmp_path_factory) -> Iterator[LiveServer]:
    """One daphne process per pytest process, on the test database pytest-django created.

    Depends on django_db_setup, so it is stopped before the test database is dropped."""
    from django.db import connection

    env = _server_env(_database_url(connection.settings_dict))
    log = tmp_path_factory.mktemp("e2e-server") / "daphne.log"
    for _attempt in range(PORT_ATTEMPTS):  # another process may take the free port first
        server = _spawn(env, log)
        if _wait_ready(server):
            break
    else:
        raise RuntimeError(f"daphne did not start:\n{server.log_tail()}")
    try:
        yield server
    finally:
        _stop(server)


@pytest.fixture
def live_server_e2e(_daphne: LiveServer, transactional_db) -> LiveServer:
    """The running server. Implies `transactional_db`: rows a test writes are committed
    (and visible to the server), and the database is emptied after the test."""
    _daphne.check_alive()
    return _daphne


class GraphQLSocket:
    """graphql-transport-ws from Python, as a kiosk or display would speak it.

    websockets' sync client runs in its own thread, not in an asyncio loop, so it works
    beside Playwright's sync API."""

    def __init__(self, server: LiveServer, timeout: float = 10.0):
        from websockets.sync.client import connect

        self.timeout = timeout
        self._closing = contextlib.ExitStack()
        self.ws = self._closing.enter_context(
            connect(
                server.ws_url,
                subprotocols=["graphql-transport-ws"],
                origin=server.url,  # Channels' origin validator refuses sockets without one
                open_timeout=timeout,
            )
        )
        self.ws.send(json.dumps({"type": "connection_init"}))
        ack = json.loads(self.ws.recv(timeout))
        assert ack == {"type": "connection_ack"}, ack

    def subscribe(self, query: str, variables: dict | None = None, id: str = "1") -> None:
        payload = {"query": query, "variables": variables or {}}
        self.ws.send(json.dumps({"id": id, "type": "subscribe", "payload": payload}))

    def next(self, timeout: float | None = None) -> dict:
        """The next result's data (answering pings); fails on errors."""
        while True:
            message = json.loads(self.ws.recv(timeout or self.timeout))
            if message["type"] == "ping":
                self.ws.send(json.dumps({"type": "pong"}))
                continue
            assert message["type"] == "next", message
            assert "errors" not in message["payload"], message["payload"]
            return message["payload"]["data"]

    def close(self) -> None:
        self._closing.close()


@pytest.fixture
def graphql_socket(live_server_e2e):
    """Opens GraphQLSockets to the live server; all are closed after the test."""
    sockets: list[GraphQLSocket] = []

    def open_socket() -> GraphQLSocket:
        sockets.append(GraphQLSocket(live_server_e2e))
        return sockets[-1]

    yield open_socket
    for socket_ in sockets:
        socket_.close()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium under Playwright's sync API, one per test module.

    Module scope, not session: while Playwright's sync API is started, it keeps an asyncio
    loop marked as running in this thread, which breaks the suite's async (pytest-asyncio)
    tests on the same xdist worker and makes Django refuse ORM calls
    (SynchronousOnlyOperation). pytest tears a module's fixtures down before running another
    module's test, so neither leaks out of tests/e2e; inside, Django's check is switched off,
    as Playwright's loop never runs Django code (the server process keeps the check)."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: run `make browser` (ops/install-browser.sh), which "
            "`make test` does first",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def a11y_page(browser):
    """A page whose Content-Security-Policy Chromium ignores, for `axe_violations` only.

    axe-core has to run inside the page. Playwright's `add_script_tag(path=...)` inserts the
    file's text as an inline <script>, which the app's `script-src 'self'` (no
    'unsafe-inline', no nonce) forbids, so the injection fails on every page of ours;
    `bypass_csp=True` (CDP Page.setBypassCSP) lifts the policy in this context. Accessibility
    does not depend on the CSP; functional tests use `page`, where the CSP is enforced
    (test_smoke.py shows the inline injection is refused there)."""
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


# --- axe-core ---------------------------------------------------------------------------------


def axe_violations(page, impacts=("serious", "critical"), context=None) -> list[dict]:
    """axe-core's violations in the page as it is now, of the given impact levels.

    Each is axe's result object (id, impact, help, helpUrl, nodes with their targets). Use a
    page from `a11y_page` on pages with our CSP (see there). `context` narrows the check to
    a selector (axe's `context` argument)."""
    from playwright.sync_api import Error as PlaywrightError

    if not page.evaluate("() => typeof window.axe === 'object'"):
        try:
            page.add_script_tag(path=str(AXE))
        except PlaywrightError as exc:
            if "Content Security Policy" not in str(exc):
                raise
            raise AssertionError(
                "the page's CSP refused axe-core (inline script): use the a11y_page fixture, "
                "whose context bypasses the CSP, for accessibility checks"
            ) from exc
    results = page.evaluate(
        """async (context) => axe.run(context || document, {resultTypes: ['violations']})""",
        context,
    )
    return [v for v in results["violations"] if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    """A readable summary for assertion messages."""
    return json.dumps(
        [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [n["target"] for n in v["nodes"]][:5],
            }
            for v in violations
        ],
        indent=2,
        ensure_ascii=False,
    )
