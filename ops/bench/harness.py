"""Plumbing shared by the benchmark scripts: environment, Django, child processes (manage.py,
daphne, consumers, Chromium), statistics, the JSON line.

The scripts run from the repository root as `.venv/bin/python ops/bench/<name>.py`. They use
PostgreSQL when DATABASE_URL points there, else SQLite in a temporary directory; either way the
secret key and every file they write live in a temporary VORZIMMER_VAR_DIR, never in var/.
"""

from __future__ import annotations

import atexit
import gc
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[2]
# The shared test suites use these databases; a benchmark must never write into them.
FORBIDDEN_DB_PREFIX = "test"


@dataclass(frozen=True)
class Environment:
    var_dir: Path
    database_url: str  # empty: SQLite in var_dir
    vendor: str  # "sqlite" | "postgresql"

    def child_env(self) -> dict[str, str]:
        """The environment for subprocesses (manage.py, daphne): the same database and var/."""
        return dict(os.environ)


def without_abuse_limits(env: dict[str, str]) -> dict[str, str]:
    """A child environment whose rate limits and per-client caps a throughput benchmark
    (thousands of bookings from one address) cannot reach; ops/bench/hoarding.py measures
    the defenses themselves. After bootstrap()."""
    from django.conf import settings

    for key in settings.RATE_LIMIT_DEFAULTS:
        env["RATE_LIMIT_" + key.upper().replace(".", "_")] = "1000000/minute"
    env["HOLD_MAX_LIVE_PER_CLIENT"] = env["BOOKING_MAX_OPEN_PER_CONTACT"] = "1000000"
    env["SECURITY_BURST_BOOKINGS"] = env["SECURITY_BURST_LIMIT_HITS"] = "1000000"
    return env


def lift_abuse_limits_in_process() -> None:
    """The same for benchmarks that call the app in-process (django.test.Client)."""
    from django.conf import settings

    settings.RATE_LIMITS = dict.fromkeys(settings.RATE_LIMITS, "1000000/minute")
    settings.HOLD_MAX_LIVE_PER_CLIENT = settings.BOOKING_MAX_OPEN_PER_CONTACT = 1_000_000


def _vendor_of(url: str) -> str:
    scheme = urlparse(url).scheme
    if scheme.startswith("postgres"):
        return "postgresql"
    if scheme.startswith("sqlite"):
        return "sqlite"
    raise SystemExit(f"Benchmarks support PostgreSQL and SQLite, not {scheme!r}.")


def _guard_database_name(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    if not name or name.lower().startswith(FORBIDDEN_DB_PREFIX):
        raise SystemExit(
            f"Refusing to benchmark on database {name!r}: names starting with "
            f"{FORBIDDEN_DB_PREFIX!r} belong to the test suites. Use e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_vz"
        )


def _ensure_postgres_database(url: str) -> None:
    """Create the benchmark database when it does not exist yet (trust auth, e.g. bench_vz)."""
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created PostgreSQL database {name}")


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def bootstrap() -> Environment:
    """Prepare the process before Django loads its settings, then set Django up.

    Must run before anything imports Django models or settings.
    """
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    var_dir = Path(tempfile.mkdtemp(prefix="vorzimmer-bench-"))
    atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
    # SIGTERM ends a benchmark like Ctrl-C: through `finally`/`with` blocks (which stop the
    # servers it started) and atexit (which removes the temporary directory).
    signal.signal(signal.SIGTERM, _exit_on_signal)
    os.environ["VORZIMMER_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    # Production-like: DEBUG keeps every SQL statement in memory and unmasks errors.
    os.environ["DEBUG"] = "0"
    # What production without DEBUG requires to start (backend/core/checks.py): mail only
    # printed, redacted (no SMTP here); links on this machine.
    os.environ.setdefault("EMAIL_BACKEND", "console")
    os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    url = os.environ.get("DATABASE_URL", "")
    vendor = _vendor_of(url) if url else "sqlite"
    if vendor == "postgresql":
        _guard_database_name(url)
        _ensure_postgres_database(url)
    import django

    django.setup()
    return Environment(var_dir, url, vendor)


def machine() -> dict:
    """CPUs and load: on a shared machine, other processes skew the tail latencies."""
    return {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)}


def database_label(env: Environment) -> str:
    if env.vendor == "sqlite":
        from django.conf import settings

        return f"SQLite ({settings.DATABASES['default']['NAME']})"
    parsed = urlparse(env.database_url)
    return f"PostgreSQL ({parsed.hostname}:{parsed.port or 5432}/{parsed.path.lstrip('/')})"


# --- child processes: manage.py, daphne, consumers --------------------------------------------

SERVER_START_TIMEOUT = 60.0
# Lines like "module.Error: message": one per exception a server logged.
EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception)\b.*:")
# Debian's Chromium, driven by Playwright as in tests/e2e. As tests/e2e/conftest.py: without
# the background-networking flags Chromium keeps trying to reach Google's hosts.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright):
    """Headless Chromium from /usr/bin through a Playwright instance (sync API)."""
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} is missing: run `make browser` (ops/install-browser.sh)")
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def manage(env: Environment, *args: str) -> str:
    """`manage.py <args>` in a subprocess on the benchmark's database and var dir; its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env.child_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def migrate_and_load_demo(env: Environment) -> str:
    """`manage.py migrate` and `manage.py load_demo`; the last line load_demo printed."""
    manage(env, "migrate", "--noinput", "-v", "0")
    return manage(env, "load_demo").splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Child:
    """A subprocess of the repository root whose output goes to `log`; stopped with
    `stop_signal`, then SIGKILL after `grace` seconds (on exit of a `with` block too)."""

    def __init__(self, log: Path, stop_signal: int = signal.SIGTERM, grace: float = 10.0) -> None:
        self.log = log
        self.stop_signal = stop_signal
        self.grace = grace
        self.process: subprocess.Popen | None = None

    def launch(self, argv: list[str], env: dict[str, str]) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_stop(self) -> None:
        """Ask it to stop without waiting (stop several at once, then wait for each)."""
        if self.alive():
            assert self.process is not None
            self.process.send_signal(self.stop_signal)

    def wait_stopped(self) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=self.grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        self.signal_stop()
        self.wait_stopped()

    def log_lines(self) -> list[str]:
        try:
            return self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_lines()[-lines:])

    def __exit__(self, *exc) -> None:
        self.stop()


MANAGE_RUN_WEB = [sys.executable, "manage.py", "run_web"]


class Daphne(Child):
    """One daphne process on a free loopback port, on the benchmark's database and var dir
    (or `child_env`); `with` starts it, waits until /api/health answers, and stops it."""

    def __init__(
        self,
        env: Environment,
        label: str | None = None,
        child_env: dict[str, str] | None = None,
        grace: float = 10.0,
    ) -> None:
        self.port = free_port()
        super().__init__(env.var_dir / f"daphne-{label or self.port}.log", grace=grace)
        self.child_env = env.child_env() if child_env is None else child_env

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> None:
        self.launch(
            # The production runner (access log of daphne off, drain on SIGTERM).
            [*MANAGE_RUN_WEB, "--host", "127.0.0.1", "--port", str(self.port)],
            self.child_env,
        )

    def wait_ready(self, timeout: float = SERVER_START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise SystemExit(f"daphne on :{self.port} exited:\n{self.log_tail()}")
            try:
                if self.get("/api/health", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit(f"daphne on :{self.port} did not get ready:\n{self.log_tail()}")

    def start(self) -> Daphne:
        """Spawn it and wait until it is ready; stopped again when it does not get there."""
        try:
            self.spawn()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Daphne:
        return self.start()

    def get(
        self, path: str, accept_encoding: str | None = None, timeout: float = 5.0
    ) -> tuple[int, bytes, str]:
        """GET as served (not decoded): status, body, Content-Encoding ("" when none)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {"Accept-Encoding": accept_encoding} if accept_encoding else {}
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            return response.status, response.read(), response.getheader("Content-Encoding", "")
        finally:
            conn.close()

    def exception_lines(self, pattern: re.Pattern = EXCEPTION_LINE, width: int = 200) -> Counter:
        """The log's lines that `pattern` finds something in, cut to `width`, counted."""
        found: Counter = Counter()
        for line in self.log_lines():
            if pattern.search(line):
                found[line.strip()[:width]] += 1
        return found


class Daphnes:
    """`count` daphne processes, all spawned before waiting for the first; stopped together
    (each gets the grace period at the same time)."""

    def __init__(
        self,
        env: Environment,
        count: int,
        child_env: dict[str, str] | None = None,
        grace: float = 10.0,
    ) -> None:
        self.servers = [Daphne(env, child_env=child_env, grace=grace) for _ in range(count)]

    @property
    def ports(self) -> list[int]:
        return [s.port for s in self.servers]

    @property
    def pids(self) -> list[int]:
        return [s.pid for s in self.servers]

    def __enter__(self) -> Daphnes:
        try:
            for server in self.servers:
                server.spawn()
            for server in self.servers:
                server.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for server in self.servers:
            server.signal_stop()
        for server in self.servers:
            server.wait_stopped()

    def exception_lines(self, pattern: re.Pattern = EXCEPTION_LINE, width: int = 200) -> Counter:
        return sum((s.exception_lines(pattern, width) for s in self.servers), Counter())


# --- statistics -----------------------------------------------------------------------------


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99, mean and max of a list of durations in milliseconds."""
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "n": len(samples_ms),
        "p50_ms": round(cuts[49], 3),
        "p95_ms": round(cuts[94], 3),
        "p99_ms": round(cuts[98], 3),
        "mean_ms": round(statistics.fmean(samples_ms), 3),
        "max_ms": round(max(samples_ms), 3),
    }


def describe(label: str, stats: dict[str, float]) -> str:
    return (
        f"  {label:<34} p50 {stats['p50_ms']:8.2f} ms   p95 {stats['p95_ms']:8.2f} ms   "
        f"p99 {stats['p99_ms']:8.2f} ms   (n={stats['n']})"
    )


class GcWatch:
    """Counts the garbage collector's runs and pauses per generation while active.

    Full (generation 2) collections walk every tracked object of the process, Django's and
    Strawberry's included, so they show up as the slow tail of otherwise steady timings.
    """

    def __init__(self) -> None:
        self.runs = [0, 0, 0]
        self.ms = [0.0, 0.0, 0.0]
        self._started = 0.0

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            generation = info["generation"]
            self.runs[generation] += 1
            self.ms[generation] += (time.perf_counter() - self._started) * 1000

    def __enter__(self) -> GcWatch:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self._callback)

    def as_dict(self) -> dict:
        return {
            "full_collections": self.runs[2],
            "full_collections_ms": round(self.ms[2], 1),
            "all_collections_ms": round(sum(self.ms), 1),
        }


# --- targets and the one machine-readable line ----------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    op: str  # "<=" | ">=" | "=="
    limit: float
    unit: str = ""

    @property
    def passed(self) -> bool:
        if self.op == "<=":
            return self.value <= self.limit
        if self.op == ">=":
            return self.value >= self.limit
        return self.value == self.limit

    def as_dict(self) -> dict:
        return {**asdict(self), "pass": self.passed}


def report(name: str, env: Environment, figures: dict, targets: list[Target]) -> bool:
    """Print the targets for people, then exactly one JSON line (the last line of stdout)."""
    print("\nTargets")
    for t in targets:
        verdict = "PASS" if t.passed else "FAIL"
        print(f"  [{verdict}] {t.name}: {t.value:g}{t.unit} (target {t.op} {t.limit:g}{t.unit})")
    passed = all(t.passed for t in targets)
    load = machine()["load_average_1m"]
    print(f"Overall: {'PASS' if passed else 'FAIL'} (load average now {load})", flush=True)
    line = {
        "name": name,
        "database": env.vendor,
        "machine": machine(),
        "figures": figures,
        "targets": [t.as_dict() for t in targets],
        "pass": passed,
    }
    print(json.dumps(line, sort_keys=False, default=str), flush=True)
    return passed
