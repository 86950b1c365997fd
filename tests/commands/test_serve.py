"""`manage.py serve` as production starts it (DEBUG off): a real start with daphne and the Huey
consumer on a fresh var/, and starts it must refuse.

Production loads no demo and prints no password; var/ and every file in it are private to the
server's user, also what an older version left readable; the access log has one line per
request without query strings; a plain-http client cannot claim https."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180.0  # migrate on a fresh SQLite file; the CI machine may be busy
CANARY = "canary.serve@example.org"


def production_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ADMIN_PASSWORD")
        and not key.startswith(("EMAIL_", "PUBLIC_", "SMTP_", "TRUSTED_", "SECURE_"))
    }
    return {
        **env,
        "DEBUG": "0",
        "VORZIMMER_VAR_DIR": str(var_dir),
        "EMAIL_BACKEND": "console",
        "PUBLIC_BASE_URL": "https://termine.musterhausen.example",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    set_cookies: list[str]


def get(port: int, path: str, headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Answer(
                response.status, dict(response.headers), response.headers.get_all("Set-Cookie")
            )
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, dict(exc.headers), exc.headers.get_all("Set-Cookie") or [])


def modes(var_dir: Path) -> dict[str, int]:
    """Permission bits of var_dir and everything in it, by path relative to var_dir."""
    found = {".": stat.S_IMODE(var_dir.stat().st_mode)}
    for path in var_dir.rglob("*"):
        found[str(path.relative_to(var_dir))] = stat.S_IMODE(path.lstat().st_mode)
    return found


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def production_server(tmp_path) -> Iterator[tuple[Server, Path]]:
    var_dir = tmp_path / "var"
    # As an older version left it: var/ and its database readable by everybody.
    var_dir.mkdir(mode=0o755)
    os.chmod(var_dir, 0o755)
    (var_dir / "vorzimmer.sqlite3").touch(mode=0o644)
    os.chmod(var_dir / "vorzimmer.sqlite3", 0o644)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            cwd=ROOT,
            # The proxy at 10.9.8.7 may say https; this test's client (127.0.0.1) may not.
            env=production_env(var_dir, TRUSTED_PROXIES="10.9.8.7"),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(port, process, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"serve exited:\n{server.output()}"
            try:
                if get(port, "/api/health").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"serve did not get healthy:\n{server.output()}"
            time.sleep(0.5)
        yield server, var_dir
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # serve stops daphne and Huey itself
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_a_production_start_is_private_and_quiet(production_server):
    server, var_dir = production_server

    # var/ and everything in it belongs to the server's user alone, whoever created it.
    found = modes(var_dir)
    expected = {
        ".": 0o700,
        "vorzimmer.sqlite3": 0o600,
        "huey.sqlite3": 0o600,
        "secret_key": 0o600,
        "vapid_private.pem": 0o600,
        "admin_password": 0o600,
        "static": 0o700,
    }
    assert {name: found.get(name) for name in expected} == expected
    # Huey's WAL files exist only while its consumer holds the database open (timing): when
    # they exist, they are private too, as is every other file (checked below).
    assert {name: mode for name, mode in found.items() if mode not in (0o600, 0o700)} == {}

    # A plain-http client claims https: ignored (it is no trusted proxy), so no HSTS header;
    # the cookies are Secure all the same (PUBLIC_BASE_URL is https).
    claimed = get(server.port, "/admin/login/", {"X-Forwarded-Proto": "https"})
    assert claimed.status == 200
    assert "Strict-Transport-Security" not in claimed.headers
    assert [c.split("=")[0] for c in claimed.set_cookies if "; Secure" in c] == ["csrftoken"]

    get(server.port, f'/graphql?query={{__typename}}&variables={{"email":"{CANARY}"}}')
    assert get(server.port, f"/no-such-page?email={CANARY}").status == 404

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    output = server.output()
    password = (var_dir / "admin_password").read_text().strip()
    assert len(password) >= 16
    assert password not in output
    assert (
        f"Admin login: admin, the password is in {var_dir / 'admin_password'} (readable by this "
        "user only; delete the file after the first login)" in output
    )
    assert "Demo" not in output and "password (shown once)" not in output
    access = [
        line.split(": ", 1)[1]
        for line in output.splitlines()
        if "backend.access:" in line and "/api/health" not in line
    ]
    # Method, path, status, duration; whatever /graphql answers a GET, its line has no query.
    assert [line.split()[:2] for line in access] == [
        ["GET", "/admin/login/"],
        ["GET", "/graphql"],
        ["GET", "/no-such-page"],
    ]
    assert access[2].split()[2] == "404" and access[2].endswith(" ms")
    assert "canary" not in output
    assert "Traceback" not in output

    state = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from django.contrib.auth import get_user_model; "
            "from backend.catalog.models import Organization; "
            "admin = get_user_model().objects.get(username='admin'); "
            f"print(admin.is_active and admin.check_password({password!r}), "
            "Organization.objects.count())",
        ],
        cwd=ROOT,
        env=production_env(var_dir),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert state.stdout.split() == ["True", "0"]  # the file's password logs in; no demo


def refused_start(var_dir: Path, command: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=ROOT,
        env=production_env(var_dir, **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if "(core.E" in line]


UNSAFE = {
    "EMAIL_BACKEND": "",
    "PUBLIC_BASE_URL": "",
    "SECRET_KEY": "django-insecure-" + "x1y2z3" * 10,
}
UNSAFE_ERRORS = [
    "?: (core.E005) No e-mail transport: SMTP_HOST is not set.",
    "?: (core.E006) PUBLIC_BASE_URL is not set (the development default is http://127.0.0.1:8000).",
    "?: (core.E007) SECRET_KEY is weak: shorter than 50 characters, fewer than 5 different "
    "characters, or one of Django's generated development keys.",
]


def test_serve_refuses_an_unsafe_production_configuration_before_touching_anything(tmp_path):
    result = refused_start(tmp_path, [sys.executable, "manage.py", "serve"], **UNSAFE)
    assert result.returncode == 1
    assert error_lines(result.stderr) == UNSAFE_ERRORS
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "vorzimmer.sqlite3").exists()  # stopped before migrate


@pytest.mark.parametrize(
    "command",
    [
        ["manage.py", "run_web", "--port", "{port}"],  # what deployments start
        ["-m", "daphne", "-p", "{port}", "backend.asgi:application"],  # daphne by hand
    ],
    ids=["run_web", "daphne"],
)
def test_the_web_server_alone_refuses_the_same_configuration(tmp_path, command):
    port = str(free_port())
    command = [sys.executable, *(part.format(port=port) for part in command)]
    result = refused_start(tmp_path, command, **UNSAFE)
    assert result.returncode == 1
    assert "Refusing to start, the configuration is unsafe for production (DEBUG is off):" in (
        result.stderr
    )
    assert error_lines(result.stderr) == UNSAFE_ERRORS
    assert "Listening on" not in result.stderr + result.stdout


def test_serve_refuses_a_weak_admin_password(tmp_path):
    result = refused_start(
        tmp_path, [sys.executable, "manage.py", "serve"], ADMIN_PASSWORD="password"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "CommandError: ADMIN_PASSWORD: This password is too common."
    )
    assert not (tmp_path / "vorzimmer.sqlite3").exists()
