"""ops/kiosk for real: kiosk-browser.sh starts Debian's Chromium (headless here, by the
KIOSK_CHROMIUM_FLAGS override) on a call display page of the live test server, the display
pairs with the code setup.sh leaves for the first start, and kiosk-watchdog.sh, run directly
as its systemd timer would, brings a killed, a hung and a failed page back.

The page is read over Chromium's DevTools protocol on 127.0.0.1, as the watchdog does."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.accounts.devices import new_pairing_code
from backend.accounts.models import Device
from backend.catalog.models import Location, Organization
from tests.commands.test_serve import free_port
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
KIOSK = REPO / "ops" / "kiosk"
DEADLINE = 60.0  # Chromium's start and the page's first requests on a busy machine
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, with python3-websocket, as on the Pi


def wait_for(condition: Callable[[], object], what: str, timeout: float = DEADLINE):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def token_on_disk(profile: Path) -> bool:
    storage = profile / "Default" / "Local Storage" / "leveldb"
    for path in storage.glob("*"):
        try:
            if b"vorzimmer.displayToken" in path.read_bytes():
                return True
        except OSError:  # a file LevelDB compacted away meanwhile
            continue
    return False


def command_line(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


@dataclass
class Kiosk:
    """One kiosk set-up in a temp dir: the config setup.sh would write, its state dir."""

    root: Path
    url: str
    devtools: int
    extra_flags: str = ""

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def log(self) -> Path:
        return self.root / "browser.log"

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "KIOSK_CONF": str(self.root / "vorzimmer-kiosk.conf"),
            "KIOSK_STATE_DIR": str(self.state),
            "KIOSK_CHROMIUM": str(CHROMIUM),
            "KIOSK_CHROMIUM_FLAGS": " ".join(["--headless", *CHROMIUM_ARGS, self.extra_flags]),
            **extra,
        }

    def start_command(self) -> str:
        """What systemd's ExecStart does, detached, for the watchdog's restart command."""
        return f"setsid {KIOSK / 'kiosk-browser.sh'} >>{self.log} 2>&1 </dev/null &"

    def start(self) -> None:
        subprocess.run(["bash", "-c", self.start_command()], env=self.env(), check=True)

    def pid(self) -> int | None:
        try:
            pid = int((self.state / "browser.pid").read_text())
        except (OSError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def page(self, expression: str):
        """Evaluates an expression in the page; None while the browser does not answer."""
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{self.devtools}/json/list", timeout=5
            ) as answer:
                pages = [t for t in json.load(answer) if t["type"] == "page"]
            with connect(pages[0]["webSocketDebuggerUrl"], open_timeout=5) as ws:
                ws.send(
                    json.dumps(
                        {
                            "id": 1,
                            "method": "Runtime.evaluate",
                            "params": {"expression": expression, "returnByValue": True},
                        }
                    )
                )
                while True:
                    message = json.loads(ws.recv(5))
                    if message.get("id") == 1:
                        return message["result"]["result"].get("value")
        except (OSError, IndexError, TimeoutError, KeyError, WebSocketException):
            return None

    def hang_page(self) -> None:
        """Sends the page an endless loop (its renderer hangs; the browser process does not)."""
        from websockets.sync.client import connect

        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.devtools}/json/list", timeout=5
        ) as answer:
            page = next(t for t in json.load(answer) if t["type"] == "page")
        with connect(page["webSocketDebuggerUrl"], open_timeout=5) as ws:
            ws.send(
                json.dumps(
                    {"id": 1, "method": "Runtime.evaluate", "params": {"expression": "for(;;){}"}}
                )
            )

    def watchdog(self, **extra: str) -> subprocess.CompletedProcess:
        env = self.env(
            KIOSK_WATCHDOG_STATE=str(self.root / "watchdog"),
            KIOSK_WATCHDOG_GRACE="0",
            KIOSK_WATCHDOG_FAILURES="1",
            KIOSK_WATCHDOG_TIMEOUT="5",
            KIOSK_PYTHON=SYSTEM_PYTHON,
            KIOSK_RESTART_COMMAND=self.start_command(),
            **extra,
        )
        return subprocess.run(
            [str(KIOSK / "kiosk-watchdog.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module", autouse=True)
def _system_python_speaks_websocket():
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import websocket"], capture_output=True)
    if probe.returncode != 0:
        pytest.fail(
            f"{SYSTEM_PYTHON} lacks Debian's python3-websocket (the watchdog's DevTools client): "
            "run ops/install-test-tools.sh (make test-tools)",
            pytrace=False,
        )


@pytest.fixture
def kiosk(tmp_path) -> Iterator[Callable[[str], Kiosk]]:
    made: list[Kiosk] = []

    def make(url: str) -> Kiosk:
        kiosk = Kiosk(tmp_path, url, free_port())
        kiosk.state.mkdir()
        (tmp_path / "vorzimmer-kiosk.conf").write_text(
            f"KIOSK_ROLE=display\nKIOSK_URL='{url}'\nKIOSK_DEVTOOLS_PORT={kiosk.devtools}\n"
        )
        made.append(kiosk)
        return kiosk

    yield make
    for kiosk in made:
        kiosk.stop()


@pytest.fixture
def tv(live_server_e2e) -> Device:
    org = Organization.objects.create(slug="musterhausen", name="Stadt Musterhausen")
    location = Location.objects.create(organization=org, slug="rathaus", name="Rathaus Nord")
    return Device.objects.create(location=location, kind=Device.Kind.DISPLAY, name="TV Wartezone")


def test_the_display_pairs_from_the_fragment_once_and_the_watchdog_keeps_it_up(
    live_server_e2e, kiosk, tv
):
    # A paired display's address leaves the location out: its token names it.
    display_url = f"{live_server_e2e.url}/display/queue"
    pi = kiosk(display_url)
    code = new_pairing_code(tv)
    (pi.state / "pair-code").write_text(code + "\n")
    pi.start()

    def paired():
        tv.refresh_from_db()
        return tv.paired_at

    wait_for(paired, "the display to pair")
    assert not (pi.state / "pair-code").exists()  # used once, gone
    shown = "document.querySelector('#location-name').textContent"
    wait_for(lambda: pi.page(shown) == "Rathaus Nord", "the paired display's location")
    assert pi.page("location.href") == display_url  # the page dropped the used code
    pid = pi.pid()
    assert pid is not None
    flags = command_line(pid)
    for flag in (
        "--kiosk",
        "--noerrdialogs",
        "--disable-session-crashed-bubble",
        "--autoplay-policy=no-user-gesture-required",
        "--kiosk-printing",
        "--no-first-run",
        f"--user-data-dir={pi.state / 'profile'}",
        f"{display_url}#pair={code}",  # the first start only
    ):
        assert flag in flags, flag

    # A crashed browser: the watchdog starts it again, still paired (the token is in the
    # profile), with no code. Chromium writes localStorage to disk a few seconds after a
    # change: a browser killed before that would have lost the token (a power cut right after
    # pairing means pairing again), so the test kills it once the token is on disk.
    wait_for(lambda: token_on_disk(pi.state / "profile"), "the token in the profile on disk")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: pi.pid() is None, "the browser to die")
    result = pi.watchdog()
    assert "restarting the browser: the browser is not running" in result.stdout
    restarted = wait_for(pi.pid, "the restarted browser")
    assert restarted != pid
    flags = command_line(restarted)
    assert display_url in flags and "--kiosk" in flags
    assert not any(code in flag for flag in flags)
    wait_for(lambda: pi.page(shown) == "Rathaus Nord", "the restarted display's location")
    paired_at = tv.paired_at
    tv.refresh_from_db()
    assert tv.paired_at == paired_at  # not paired again: the kept token was used

    # A healthy browser is left alone.
    assert pi.watchdog().stdout == ""
    assert pi.pid() == restarted

    # A hung browser (stopped): DevTools does not answer, the watchdog kills and restarts it.
    os.kill(restarted, signal.SIGSTOP)
    result = pi.watchdog()
    assert "restarting the browser: the browser does not answer" in result.stdout
    wait_for(lambda: pi.pid() not in (None, restarted), "the browser started after the hang")
    wait_for(lambda: pi.page(shown) == "Rathaus Nord", "the display after the hang")


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>board</title><p>board</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_the_watchdog_reloads_a_failed_page_and_restarts_a_hung_one(kiosk):
    port = free_port()
    pi = kiosk(f"http://127.0.0.1:{port}/display/queue?location=rathaus")
    # Chromium retries an error page itself after a growing pause (seconds, then minutes):
    # off here, so that what brings the page back is the watchdog.
    pi.extra_flags = "--disable-auto-reload"
    pi.start()
    error_page = "chrome-error://chromewebdata/"
    wait_for(lambda: pi.page("location.href") == error_page, "Chromium's error page")

    result = pi.watchdog()  # the server is still down: nothing to do yet
    assert "the server still does not answer" in result.stdout
    pid = pi.pid()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = pi.watchdog()
        assert "server answers again: reloaded it" in result.stdout
        wait_for(lambda: pi.page("document.title") == "board", "the reloaded page")
        assert pi.pid() == pid  # reloaded in place, not restarted

        # A hung page (a script that never returns): the browser's process answers, the page
        # does not; the watchdog restarts the browser.
        pi.hang_page()
        result = pi.watchdog()
        assert "restarting the browser: the page does not answer (hung)" in result.stdout
        wait_for(lambda: pi.pid() not in (None, pid), "the browser started after the hang")
        wait_for(lambda: pi.page("document.title") == "board", "the page after the hang")
    finally:
        server.shutdown()
        server.server_close()
