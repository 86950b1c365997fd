"""The production stack end to end: `ops/entrypoint.sh migrate`, two `ops/entrypoint.sh web`
processes and one `ops/entrypoint.sh worker` on PostgreSQL + Redis, Debian's nginx in front
with the config compose uses (ops/nginx), over https with a local CA only the clients trust.

Through the proxy a citizen books, a kiosk draws a ticket and a clerk calls it; call displays
directly on each web process and one through the proxy all show the call (so the call crossed
processes over Redis). The proxy's own duties are checked as an operator would: HSTS,
compression but never on /graphql, caching of static files, the client's real address for
the app's limits, /metrics closed, body size, ACME and the https redirect."""

from __future__ import annotations

import datetime as dt
import gzip
import http.client
import json
import secrets
import stat
import sys

import pytest

from tests.stack import flows
from tests.stack.office import CLERK
from tests.stack.stack import REPO, Stack, create_database, drop_database, wait_for_line

pytestmark = pytest.mark.stack

LOG_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def running(stack_services, tmp_path_factory):
    database_url, redis_url = stack_services
    database = create_database(database_url)
    stack = Stack(tmp_path_factory.mktemp("stack"), database, redis_url)
    password = secrets.token_urlsafe(16)
    try:
        stack.start()
        built = stack.entrypoint(
            "manage",
            "shell",
            "-v",
            "0",
            "-c",
            "import json; from tests.stack.office import build; "
            f"print(json.dumps(build({password!r})))",
        )
        office = json.loads(built.strip().splitlines()[-1])
        yield stack, office, password
    except BaseException:
        print(stack.logs(), file=sys.stderr)
        raise
    finally:
        stack.close()
        drop_database(database)


@pytest.fixture
def stack(running):
    """The running stack; a failed test's report gets the end of every process's log."""
    return running


def tomorrow() -> str:
    return (dt.date.today() + dt.timedelta(days=1)).isoformat()


def count_bookings(stack: Stack, codes: list[str] | None = None) -> int:
    import psycopg

    with psycopg.connect(stack.database_url) as conn:
        if codes is None:
            return conn.execute("SELECT count(*) FROM bookings_booking").fetchone()[0]
        return conn.execute(
            "SELECT count(*) FROM bookings_booking WHERE code = ANY(%s)", [codes]
        ).fetchone()[0]


def test_migrate_prepared_the_installation(stack):
    stack, _office, _password = stack
    # The first admin's password is in var/, for the server's user only; Web Push keys exist.
    assert stat.S_IMODE((stack.var_dir / "admin_password").stat().st_mode) == 0o600
    assert (stack.var_dir / "vapid_private.pem").exists()
    # Static files for the proxy, readable by its user (outside the private var/).
    dom = stack.static_root / "app" / "lib" / "dom.js"
    assert stat.S_IMODE(dom.stat().st_mode) == 0o644
    assert stat.S_IMODE(dom.parent.stat().st_mode) == 0o755
    # Idempotent: a second deployment's migrate changes nothing and creates no second admin.
    output = stack.entrypoint("migrate")
    assert "a superuser exists already" in output


def test_citizen_kiosk_clerk_and_displays_on_both_processes(stack):
    stack, office, password = stack
    context = stack.tls.client_context()
    boards = [
        flows.Board(
            f"display on web{n + 1}",
            f"ws://127.0.0.1:{port}/graphql",
            f"http://127.0.0.1:{port}",
            office["location"],
        )
        for n, port in enumerate(stack.web_ports)
    ]
    boards.append(
        flows.Board(
            "display through the proxy",
            f"wss://127.0.0.1:{stack.https_port}/graphql",
            f"https://127.0.0.1:{stack.https_port}",
            office["location"],
            context=context,
        )
    )
    try:
        citizen = stack.client()
        start = flows.first_start(citizen, office, tomorrow())
        booked = flows.book(citizen, office, start, "citizen")
        assert booked.errors == [] and booked.code, booked
        assert count_bookings(stack, [booked.code]) == 1
        # The worker sent the confirmation (printed, redacted: EMAIL_BACKEND=console).
        line = wait_for_line(stack.worker.log, "E-mail not sent (EMAIL_BACKEND=console) to")
        assert "citizen@example.org" not in line

        kiosk = stack.client()
        code = flows.pairing_code(
            stack.entrypoint("manage", "pair_device", "--location", "amt", "--kind", "kiosk")
        )
        token = flows.pair_kiosk(kiosk, code)
        number = flows.draw_ticket(kiosk, office, token)

        clerk = stack.client()
        flows.clerk_signs_in(clerk, office, CLERK, password)
        assert flows.call_next(clerk, office) == number

        # One display shares the process that served the call, the other does not: the call
        # reached both (and the proxied one) through Redis.
        for board in boards:
            board.wait_for(number)
    finally:
        for board in boards:
            board.close()


def test_the_proxy_headers_compression_and_caching(stack):
    stack, _office, _password = stack
    client = stack.client()

    page = client.request("GET", "/", headers={"Accept-Encoding": "br, gzip"})
    assert page.status == 200
    assert page.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]
    assert page.headers["Content-Encoding"] in ("br", "gzip")
    assert page.headers["Cache-Control"] == "no-cache"  # the app's, passed through

    script = client.request("GET", "/static/app/lib/dom.js", headers={"Accept-Encoding": "gzip"})
    assert script.status == 200 and script.headers["Content-Encoding"] == "gzip"
    assert b"export" in gzip.decompress(script.body)
    # No content hash in the name: cached, but revalidated (a 304 without a body).
    assert script.headers["Cache-Control"] == "no-cache"
    etag = script.headers["ETag"]
    again = client.request("GET", "/static/app/lib/dom.js", headers={"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")
    # The vendored library's build chunk carries its content hash: cached for a year.
    chunk = next((REPO / "frontend_static" / "vendor" / "graphql-ws").glob("common-*.js"))
    hashed = client.request("GET", f"/static/app/vendor/graphql-ws/{chunk.name}")
    assert hashed.status == 200 and hashed.body == chunk.read_bytes()
    assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashed.headers.get_all("Strict-Transport-Security") == ["max-age=31536000"]

    # /graphql is never compressed (its answers carry tokens next to echoed input: BREACH).
    answer = client.request(
        "POST",
        "/graphql",
        json.dumps({"query": "{ __typename }"}).encode(),
        {"Content-Type": "application/json", "Accept-Encoding": "br, gzip"},
    )
    assert answer.status == 200 and json.loads(answer.body) == {"data": {"__typename": "Query"}}
    assert "Content-Encoding" not in answer.headers

    # Bodies above the app's GRAPHQL_MAX_BODY_BYTES stop at the proxy.
    big = client.request("POST", "/graphql", b"x" * 200_000, {"Content-Type": "application/json"})
    assert big.status == 413

    # /metrics is not public, not even with the token.
    token = stack.env()["METRICS_TOKEN"]
    metrics = client.request("GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    assert metrics.status == 403


def test_plain_http_redirects_except_the_acme_challenge(stack):
    stack, _office, _password = stack
    challenge = stack.nginx_dir / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / "token-123").write_text("token-123.thumbprint")
    conn = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=30)
    try:
        conn.request("GET", "/.well-known/acme-challenge/token-123")
        response = conn.getresponse()
        assert (response.status, response.read()) == (200, b"token-123.thumbprint")
        conn.request("GET", "/staff/?lang=en")
        response = conn.getresponse()
        response.read()
        assert response.status == 301
        assert response.headers["Location"] == f"{stack.base_url}/staff/?lang=en"
    finally:
        conn.close()


LOOKUP = "query($c: String!, $t: String!) { booking(code: $c, token: $t) { code } }"


def lookup_limited(client) -> bool:
    body = client.post_graphql(LOOKUP, {"c": "ABC-DEF", "t": "x" * 43}).json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
    return "RATE_LIMITED" in codes


def test_the_app_counts_the_clients_address_not_the_proxys(stack):
    """Booking look-ups are limited per client address (3 an hour here). Behind the proxy the
    app sees every client's own address (X-Forwarded-For from a trusted proxy), so one
    client's limit is not another's, and a client cannot choose its address by header."""
    stack, _office, _password = stack
    first, second = stack.client("127.0.0.2"), stack.client("127.0.0.3")
    assert [lookup_limited(first) for _ in range(4)] == [False, False, False, True]
    assert lookup_limited(second) is False
    spoofing = stack.client("127.0.0.2")
    answer = spoofing.request(
        "POST",
        "/graphql",
        json.dumps({"query": LOOKUP, "variables": {"c": "ABC-DEF", "t": "x" * 43}}).encode(),
        {"Content-Type": "application/json", "X-Forwarded-For": "198.51.100.7"},
    )
    codes = [e.get("extensions", {}).get("code") for e in answer.json().get("errors", [])]
    assert codes == ["RATE_LIMITED"]


def test_a_rolling_restart_loses_no_booking_and_no_call(stack, record_property):
    """Each web process in turn is stopped (SIGTERM: it drains) and started again while
    citizens book without pause, a clerk calls a ticket every half second and call displays
    (the real display page in Chromium, and two reconnecting sockets) watch through the proxy."""
    from playwright.sync_api import sync_playwright

    from tests.stack.display_page import DisplayPage, launch
    from tests.stack.rolling import rolling_restart

    stack, office, password = stack
    with sync_playwright() as playwright:
        browser = launch(playwright, stack)
        try:
            display = DisplayPage(browser, stack, office["location"])
            rolling = rolling_restart(stack, office, password)
            try:
                assert rolling.errors == []
                # Every attempt ended in exactly one booking: none lost, none twice.
                assert [b for b in rolling.bookings if b.errors or not b.code] == []
                stored = stored_load_bookings(stack)
                assert sorted(code for code, _ in stored) == sorted(
                    b.code for b in rolling.bookings
                )
                assert len({email for _, email in stored}) == len(stored)
                # Every display shows the last call; the sockets were moved off a stopping
                # process (1001) and came back through the proxy.
                last = rolling.calls[-1][0]
                for board in rolling.boards:
                    board.wait_for(last)
                    assert 1001 in board.closes, (board.name, board.closes)
                display.wait_for(last)
                assert display.online()
                gaps = {b.name: round(rolling.longest_gap(b), 3) for b in rolling.boards}
                gaps["display page (Chromium)"] = round(
                    rolling.longest_page_gap(display.seen_ms()), 3
                )
                # Each process drained and exited by itself (not by the SIGKILL backstop).
                assert rolling.exit_codes == [0, 0], "\n".join(rolling.hung)
            finally:
                for board in rolling.boards:
                    board.close()
                display.close()
        finally:
            browser.close()
    figures = {
        "bookings": len(rolling.bookings),
        "bookings_retried": sum(1 for b in rolling.bookings if b.retries),
        "calls": len(rolling.calls),
        "restart_seconds": [round(s, 2) for s in rolling.restart_seconds],
        "stop_seconds": [round(s, 2) for s in rolling.stop_seconds],
        "longest_display_gap_seconds": gaps,
        "seconds": round(rolling.seconds, 1),
    }
    record_property("rolling_restart", figures)
    print(f"\nrolling restart: {figures}")


def stored_load_bookings(stack: Stack) -> list[tuple[str, str]]:
    import psycopg

    with psycopg.connect(stack.database_url) as conn:
        return conn.execute(
            "SELECT code, email FROM bookings_booking WHERE email LIKE 'load-%%'"
        ).fetchall()
