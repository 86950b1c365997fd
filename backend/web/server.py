"""The production ASGI server: daphne, run in-process so that SIGTERM drains instead of cutting.

Daphne's own signal handling stops the reactor at once: requests in flight are cancelled and
WebSockets drop without a close frame, so a rolling restart would lose bookings and leave call
displays waiting for a ping timeout. Here SIGTERM (and SIGINT) instead:

1. marks the process draining (readiness answers 503 on connections still open),
2. stops listening, so a proxy's next connection goes to another process,
3. closes every WebSocket with 1001 "going away" — the pages reconnect at once, through the
   proxy, to a process that still listens, and read the board afresh,
4. waits until the HTTP requests in flight have answered, at most `grace` seconds,
5. stops; whatever still runs then is cancelled by daphne's shutdown.

This module is the one place that names the ASGI server; `manage.py run_web` runs it and every
deployment file (container entrypoint, systemd units, `manage.py serve`) calls that command."""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

# daphne.server installs Twisted's asyncio reactor; it must be imported before anything
# imports twisted.internet.reactor.
from daphne.server import Server  # isort: skip
from daphne.endpoints import build_endpoint_description_strings
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import defer
from twisted.internet import reactor as twisted_reactor

from backend.core.lifecycle import begin_draining, is_draining

logger = logging.getLogger(__name__)
# Typed by its zope interfaces, which mypy reads as methods without self.
reactor: Any = twisted_reactor

GOING_AWAY = 1001
POLL_SECONDS = 0.05


class DrainingServer(Server):
    """daphne's Server with a drain on SIGTERM instead of an immediate stop."""

    def __init__(self, application, *, host: str, port: int, grace: float, **options):
        super().__init__(
            application,
            endpoints=build_endpoint_description_strings(host=host, port=port),
            # Ours below; daphne's would stop the reactor at once.
            signal_handlers=False,
            # No daphne access log: it prints query strings (GraphQL variables of GET
            # requests); backend.core.access_log writes one line per request instead.
            verbosity=0,
            **options,
        )
        self.grace = grace
        self.ports: list = []

    def run(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)
        super().run()
        # After the reactor, Python joins the threads that ran sync code (Django views, ORM
        # calls of consumers) before it exits: one stuck in a call that never returns would
        # keep the stopped process alive. Bounded as well, with every thread's stack printed.
        exit_within(self.application_close_timeout)

    def kill_all_applications(self):
        """Cancel the application instances still running and wait for them to end. daphne's
        own waits without a bound (one instance that does not end after its cancellation
        kept a drained process alive for a minute, seen in rolling restarts under load) and
        fails on a connection whose instance was already reaped. Here the wait ends after
        application_close_timeout; what did not end is logged with its stack."""
        pending = [
            task
            for details in self.connections.values()
            if (task := details.get("application_instance")) is not None and not task.done()
        ]
        for task in pending:
            task.cancel()
        # Not Deferred.fromFuture(gather): cancelling that one still waits for the future.
        ended: defer.Deferred = defer.Deferred()

        def end(stuck: bool) -> None:
            if ended.called:
                return
            if stuck:
                self._report_stuck(pending)
            else:
                give_up.cancel()
            ended.callback(None)

        give_up = reactor.callLater(self.application_close_timeout, end, True)
        gathered = asyncio.gather(*pending, return_exceptions=True)
        gathered.add_done_callback(lambda _: end(False))
        return ended

    def _report_stuck(self, pending: list) -> None:
        stuck = [task for task in pending if not task.done()]
        logger.warning(
            "%d application instances did not end within %s s of their cancellation; "
            "stopping without them",
            len(stuck),
            self.application_close_timeout,
        )
        for task in stuck:
            where = "".join(
                f"\n  {frame.f_code.co_filename}:{frame.f_lineno}" for frame in task.get_stack()
            )
            logger.warning("Still running: %r%s", task.get_coro(), where)

    def listen_success(self, port) -> None:
        super().listen_success(port)
        self.ports.append(port)
        address = port.getHost()
        # Tests, scripts and the operator wait for this line.
        sys.stdout.write(f"Listening on http://{address.host}:{address.port}\n")
        sys.stdout.flush()

    def _on_signal(self, signum, frame) -> None:
        # A signal handler may not touch the reactor directly.
        reactor.callFromThread(self._drain_or_stop)

    def _drain_or_stop(self) -> None:
        # Twisted's log goes nowhere at verbosity 0: an error here must not leave the process
        # running without listening.
        try:
            self.drain()
        except Exception:
            logger.exception("Draining failed; stopping at once")
            self.stop()

    def drain(self) -> None:
        if is_draining():
            return
        begin_draining()
        deadline = time.monotonic() + self.grace
        logger.info("Draining: no new connections, %d open", len(self.connections))
        for port in self.ports:
            port.stopListening()
        for protocol in list(self.connections):
            if isinstance(protocol, WebSocketProtocol) and protocol.state == protocol.STATE_OPEN:
                # The frame-level call: autobahn's sendClose admits only the codes an
                # application may choose; 1001 is the endpoint's own "going away".
                protocol.sendCloseFrame(code=GOING_AWAY, reasonUtf8=b"restart", isReply=False)
        self._stop_when_idle(deadline)

    def _busy(self) -> int:
        return sum("disconnected" not in details for details in self.connections.values())

    def _stop_when_idle(self, deadline: float) -> None:
        busy = self._busy()
        if busy and time.monotonic() < deadline:
            reactor.callLater(POLL_SECONDS, self._stop_when_idle, deadline)
            return
        if busy:
            logger.warning("Drain grace over: %d connections still open are cut", busy)
        self.stop()


def exit_within(seconds: float) -> None:
    """Exit now-ish: a daemon timer ends the process after `seconds` if the interpreter's
    own exit (joining threads) has not done so, printing every thread's stack first."""

    def hard_exit() -> None:
        logger.error("The process did not exit within %s s of stopping: stacks follow", seconds)
        faulthandler.dump_traceback(all_threads=True)
        os._exit(1)

    timer = threading.Timer(seconds, hard_exit)
    timer.daemon = True
    timer.start()


def run(
    application, *, host: str, port: int, grace: float, ready: Callable[[], None] | None = None
) -> None:
    DrainingServer(
        application,
        host=host,
        port=port,
        grace=grace,
        # The application closes a WebSocket's handler within this after the socket closed.
        application_close_timeout=10,
        ready_callable=ready,
    ).run()
