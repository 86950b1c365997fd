"""A production-like server in a subprocess (DEBUG off, its own var/ and SQLite database), for
tests of what an operator sees: log lines, /metrics, error reports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.commands.test_serve import ROOT, free_port, get, production_env

START_TIMEOUT = 180.0


@dataclass
class Process:
    port: int
    process: subprocess.Popen
    stdout: Path
    stderr: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self) -> str:
        return self.stderr.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()


def migrate(var_dir: Path, **env: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=ROOT,
        env=production_env(var_dir, **env),
        check=True,
        timeout=START_TIMEOUT,
    )


@contextmanager
def running(command: list[str], var_dir: Path, name: str, **env: str) -> Iterator[Process]:
    """`command` ({port} replaced) with the production environment; yields once readiness
    answers 200, stops it (SIGTERM) afterwards."""
    port = free_port()
    out, err = var_dir.parent / f"{name}.out", var_dir.parent / f"{name}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [part.format(port=port) for part in command],
            cwd=ROOT,
            env=production_env(var_dir, **env),
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
    server = Process(port, process, out, err)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"{name} exited:\n{server.log()}"
            try:
                if get(port, "/api/health/ready").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{name} did not get ready:\n{server.log()}"
            time.sleep(0.2)  # polling a condition with a deadline: the server is starting
        yield server
    finally:
        server.stop()


# The production web runner (backend/web/server.py), as deployments start it.
RUN_WEB = [sys.executable, "manage.py", "run_web", "--port", "{port}"]
