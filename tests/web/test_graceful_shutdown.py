"""SIGTERM drains a production web process (`manage.py run_web`): it stops accepting, closes
WebSockets with 1001 so call displays reconnect to another process at once, lets the request
in flight answer, then exits 0. A rolling restart behind a proxy relies on all four."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.e2e.conftest import REPO, RUN_WEB, _database_url, _free_port, _server_env

pytestmark = pytest.mark.django_db(transaction=True)
START_TIMEOUT = 120  # a busy CI machine
GRACE = 2


@dataclass
class Web:
    port: int
    process: subprocess.Popen
    held: Path


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def alive(process: subprocess.Popen) -> bool:
    return process.poll() is None


def refuses_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return True
    return False


def run_web(tmp_path: Path, grace: float) -> Iterator[Web]:
    port = _free_port()
    env = _server_env(_database_url(connection.settings_dict)) | {
        "HELD_DIR": str(tmp_path),
        "WEB_SHUTDOWN_GRACE_SECONDS": str(grace),
    }
    log = tmp_path / "run_web.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*RUN_WEB, "--port", str(port), "--application", "tests.web.held_asgi.application"],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # The runner prints this line once it accepts connections.
    wait_for(
        lambda: f"Listening on http://127.0.0.1:{port}" in log.read_text() or not alive(process),
        START_TIMEOUT,
        "run_web to listen",
    )
    assert alive(process), log.read_text()
    yield Web(port, process, tmp_path)
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.fixture
def web(tmp_path) -> Iterator[Web]:
    # A grace far above what the test needs: the held request must not be cut.
    yield from run_web(tmp_path, grace=300)


@pytest.fixture
def short_grace_web(tmp_path) -> Iterator[Web]:
    yield from run_web(tmp_path, grace=GRACE)


def test_sigterm_drains_requests_and_closes_websockets_with_going_away(web):
    # Given a display's live connection and a request in flight,
    with connect(
        f"ws://127.0.0.1:{web.port}/graphql",
        subprotocols=["graphql-transport-ws"],
        origin=f"http://127.0.0.1:{web.port}",
        open_timeout=START_TIMEOUT,
    ) as display:
        display.send(json.dumps({"type": "connection_init"}))
        assert json.loads(display.recv(START_TIMEOUT)) == {"type": "connection_ack"}
        in_flight = http.client.HTTPConnection("127.0.0.1", web.port, timeout=START_TIMEOUT)
        in_flight.request("GET", "/__held__")
        wait_for((web.held / "started").exists, START_TIMEOUT, "the request to reach the app")

        # when the process gets SIGTERM,
        web.process.send_signal(signal.SIGTERM)

        # the display is told the server is going away (1001) and so reconnects elsewhere,
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                display.recv(START_TIMEOUT)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    # new connections are refused (a proxy sends them to another process),
    wait_for(lambda: refuses_connections(web.port), 30, "the port to close")
    # and the process waits for the request in flight rather than cutting it:
    assert alive(web.process)
    (web.held / "release").touch()
    answer = in_flight.getresponse()
    assert (answer.status, answer.read()) == (200, b"answered")
    assert web.process.wait(timeout=30) == 0


def test_a_request_over_the_grace_is_cut_and_the_process_still_exits(short_grace_web):
    web = short_grace_web
    # The grace (WEB_SHUTDOWN_GRACE_SECONDS) bounds a stop: a hung request cannot keep an
    # old process alive through a rolling restart. Here the request is never released.
    in_flight = http.client.HTTPConnection("127.0.0.1", web.port, timeout=START_TIMEOUT)
    in_flight.request("GET", "/__held__")
    wait_for((web.held / "started").exists, START_TIMEOUT, "the request to reach the app")
    signalled = time.monotonic()
    web.process.send_signal(signal.SIGTERM)
    assert web.process.wait(timeout=60) == 0
    assert time.monotonic() - signalled >= GRACE
    # The cut request gets no answer, not a wrong one.
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        in_flight.getresponse()


def test_an_application_that_ignores_its_cancellation_does_not_keep_the_process(web):
    # daphne waits for cancelled application instances without a bound; the runner gives
    # them application_close_timeout (10 s), then stops without them and names them.
    with connect(
        f"ws://127.0.0.1:{web.port}/__stubborn__",
        origin=f"http://127.0.0.1:{web.port}",
        open_timeout=START_TIMEOUT,
    ) as socket_:
        wait_for((web.held / "stubborn").exists, START_TIMEOUT, "the stubborn app to run")
        web.process.send_signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed):
            while True:
                socket_.recv(START_TIMEOUT)
    assert web.process.wait(timeout=60) == 0
    log = (web.held / "run_web.log").read_text()
    assert "1 application instances did not end within 10 s of their cancellation" in log
