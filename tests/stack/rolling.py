"""A rolling restart of the web processes under load, through the proxy: citizens book without
pause (retrying a lost answer with the same idempotency key, as the booking page does), a clerk
calls a fresh ticket every `call_every` seconds, call displays follow the board through the
proxy and reconnect like the display page. Meanwhile each web process in turn gets SIGTERM,
drains and exits, and is started again. Used by tests/stack and ops/bench/proxy.py."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field

from tests.stack import flows
from tests.stack.office import CLERK
from tests.stack.stack import Stack, wait_for_line

# As the deployment's backstop (systemd TimeoutStopSec, compose stop_grace_period): a process
# still running this long after SIGTERM is killed (here SIGABRT, for its stacks: exit -6).
STOP_TIMEOUT = 40.0


@dataclass
class Rolling:
    bookings: list[flows.BookingOutcome] = field(default_factory=list)
    calls: list[tuple[str, float]] = field(default_factory=list)  # (number, sent at)
    calls_wall_ms: list[int] = field(default_factory=list)  # the same moments, epoch ms
    boards: list[flows.Board] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)  # SIGTERM -> ready again
    stop_seconds: list[float] = field(default_factory=list)  # SIGTERM -> exited (the drain)
    seconds: float = 0.0
    errors: list[BaseException] = field(default_factory=list)
    hung: list[str] = field(default_factory=list)  # log tails of processes SIGTERM did not end

    def longest_gap(self, board: flows.Board) -> float:
        """The longest time this display was behind: from a call until it showed that call or
        a later one (with one counter the board shows only the newest call, so a call made
        and replaced while the display reconnected is caught up by the next one)."""
        sent = [at for _, at in self.calls]
        return _longest_gap(self.calls, sent, board.seen, board.name)

    def longest_page_gap(self, seen_ms: dict[str, int]) -> float:
        """The same for the display page, from its own record (wall-clock milliseconds)."""
        seen = {number: ms / 1000 for number, ms in seen_ms.items()}
        sent = [ms / 1000 for ms in self.calls_wall_ms]
        return _longest_gap(self.calls, sent, seen, "the display page")


def _longest_gap(calls, sent: list[float], seen: dict[str, float], name: str) -> float:
    worst = 0.0
    for index, at in enumerate(sent):
        arrivals = [seen[number] for number, _ in calls[index:] if number in seen]
        assert arrivals, f"{name} never caught up after call {index}"
        worst = max(worst, min(arrivals) - at)
    return worst


def rolling_restart(
    stack: Stack,
    office: dict,
    password: str,
    *,
    bookers: int = 3,
    displays: int = 2,
    call_every: float = 0.5,
    warm_bookings: int = 5,
) -> Rolling:
    result = Rolling()
    stop = threading.Event()
    progress = threading.Condition()
    kiosk = stack.client()
    code = flows.pairing_code(
        stack.entrypoint("manage", "pair_device", "--location", "amt", "--kind", "kiosk")
    )
    token = flows.pair_kiosk(kiosk, code)
    clerk = stack.client()
    flows.clerk_signs_in(clerk, office, CLERK, password)
    day = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    start = flows.first_start(stack.client(), office, day)
    result.boards = [
        flows.Board(
            f"display {n + 1} through the proxy",
            f"wss://127.0.0.1:{stack.https_port}/graphql",
            f"https://127.0.0.1:{stack.https_port}",
            office["location"],
            context=stack.tls.client_context(),
            reconnect=True,
        )
        for n in range(displays)
    ]

    def guarded(work):
        def run(*args):
            try:
                work(*args)
            except BaseException as exc:
                result.errors.append(exc)
                stop.set()
            finally:
                with progress:
                    progress.notify_all()

        return run

    @guarded
    def book(number: int) -> None:
        client = stack.client()
        attempt = 0
        while not stop.is_set():
            outcome = flows.book(client, office, start, f"load-{number}-{attempt}")
            attempt += 1
            with progress:
                result.bookings.append(outcome)
                progress.notify_all()

    @guarded
    def call() -> None:
        while not stop.is_set():
            flows.draw_ticket(kiosk, office, token)
            sent, sent_wall = time.monotonic(), int(time.time() * 1000)
            number = flows.call_next(clerk, office)
            with progress:
                result.calls.append((number, sent))
                result.calls_wall_ms.append(sent_wall)
                progress.notify_all()
            stop.wait(call_every)  # the clerk's pace, not a wait for a condition

    def until(condition, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        with progress:
            while not condition():
                assert not result.errors, result.errors
                left = deadline - time.monotonic()
                assert left > 0, "the load made no progress"
                progress.wait(min(left, 1.0))

    threads = [threading.Thread(target=book, args=(n,), daemon=True) for n in range(bookers)]
    threads.append(threading.Thread(target=call, daemon=True))
    began = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        until(lambda: len(result.bookings) >= warm_bookings and len(result.calls) >= 2)
        for index, web in enumerate(stack.webs):
            restart_began = time.monotonic()
            web.signal(signal.SIGTERM)
            try:
                result.exit_codes.append(web.wait(STOP_TIMEOUT))
            except subprocess.TimeoutExpired:
                # SIGABRT, not SIGKILL: with PYTHONFAULTHANDLER the process prints every
                # thread's stack first, i.e. what kept it from exiting.
                web.signal(signal.SIGABRT)
                result.exit_codes.append(web.wait(STOP_TIMEOUT))
                result.hung.append(web.tail(120))
            result.stop_seconds.append(time.monotonic() - restart_began)
            offset = web.log_size()
            stack.start_web(index)
            stack.web_ready(index, start=offset)
            result.restart_seconds.append(time.monotonic() - restart_began)
            # nginx rests a refused server for fail_timeout: wait until it sends this one
            # work again before the next process goes down.
            wait_for_line(web.log, "POST /graphql", 120.0, web, offset)
        calls_then = len(result.calls)
        until(lambda: len(result.calls) >= calls_then + 2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        result.seconds = time.monotonic() - began
    return result
