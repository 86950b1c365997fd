"""The production stack on this machine, as tests/stack and ops/bench/proxy.py run it: a local
certificate authority, Debian's nginx rendered from ops/nginx for a temporary prefix (own pid,
logs, temp paths, free ports, non-root paths), and `ops/entrypoint.sh migrate|web|worker` as
subprocesses with a production environment on a database of their own.

Nothing here trusts the local CA outside the clients it builds (an ssl context per client;
Chromium gets the server key's SPKI pin): the process, the machine and the web processes do
not."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import http.client
import json
import os
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[2]
ENTRYPOINT = REPO / "ops" / "entrypoint.sh"
RENDER = REPO / "ops" / "nginx" / "render.sh"
NGINX = Path("/usr/sbin/nginx")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")
DOMAIN = "localhost"
START_TIMEOUT = 180.0  # a web process's start (imports, the schema) on a busy 2-CPU machine
STOP_TIMEOUT = 60.0  # above the drain grace (WEB_SHUTDOWN_GRACE_SECONDS)
GENEROUS = "100000/minute"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- TLS: a local CA and the proxy's certificate -----------------------------------------------


@dataclass(frozen=True)
class Tls:
    ca_file: Path
    cert_file: Path
    key_file: Path
    spki_sha256: str  # base64 of the server key's SubjectPublicKeyInfo hash (Chromium's pin)

    def client_context(self) -> ssl.SSLContext:
        """Trusts exactly the local CA (not the system's), checks the host name."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


def make_tls(directory: Path) -> Tls:
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vorzimmer stack test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DOMAIN)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(DOMAIN), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_file, cert_file = directory / "ca.pem", directory / "cert.pem"
    key_file = directory / "key.pem"
    ca_file.write_bytes(ca.public_bytes(pem))
    cert_file.write_bytes(cert.public_bytes(pem) + ca.public_bytes(pem))  # the chain
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    return Tls(ca_file, cert_file, key_file, pin)


# --- a database of its own ---------------------------------------------------------------------


def create_database(base_url: str) -> str:
    """A new, empty PostgreSQL database next to the one `base_url` names; its URL."""
    import psycopg
    from psycopg import sql

    parsed = urlsplit(base_url)
    name = f"{parsed.path.lstrip('/') or 'vorzimmer'}_stack_{uuid.uuid4().hex[:8]}"
    admin = urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parsed._replace(path=f"/{name}"))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parsed = urlsplit(url)
    admin = urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(parsed.path.lstrip("/"))
            )
        )


# --- child processes ---------------------------------------------------------------------------


class Child:
    """A subprocess writing to its own log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, log: Path) -> None:
        self.name = name
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self, argv: list[str], env: dict[str, str]) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, signum: int = signal.SIGTERM) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signum)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        if self.process is None:
            return None
        self.signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40) -> str:
        return f"--- {self.name} ---\n" + "\n".join(self.output().splitlines()[-lines:])


def wait_for_line(
    path: Path, text: str, timeout: float = 60.0, child: Child | None = None, start: int = 0
) -> str:
    """The first line of a growing log (from byte `start`) that contains `text`, read as it is
    written; fails early when `child` exits first."""
    deadline = time.monotonic() + timeout
    with path.open("rb") as log:
        log.seek(start)
        buffered = b""
        while True:
            chunk = log.read()
            buffered += chunk
            for line in buffered.decode(errors="replace").splitlines():
                if text in line:
                    return line
            if not chunk:
                exited = child is not None and not child.alive()
                assert not exited, f"{child.name} exited:\n{child.tail()}"
                assert time.monotonic() < deadline, f"{text!r} not in {path.name}: {buffered!r}"
                time.sleep(0.05)


# --- HTTPS client -------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


class Https:
    """One keep-alive connection to the proxy from a chosen loopback address (127.0.0.0/8 is
    all this machine's), with a cookie jar; the CSRF token goes along as the pages send it."""

    def __init__(self, port: int, tls: Tls, source: str = "127.0.0.1", timeout: float = 60.0):
        self.port = port
        self.tls = tls
        self.source = source
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPSConnection | None = None
        self.origin = f"https://127.0.0.1:{port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Answer:
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(
                "127.0.0.1",
                self.port,
                timeout=self.timeout,
                context=self.tls.client_context(),
                source_address=(self.source, 0),
            )
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body, sent)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        return Answer(response.status, response.headers, payload)

    def post_graphql(self, query: str, variables: dict | None = None, token: str | None = None):
        headers = {
            "Content-Type": "application/json",
            "Origin": self.origin,
            "Referer": self.origin + "/",
        }
        if csrf := self.cookies.get("csrftoken"):
            headers["X-CSRFToken"] = csrf
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.request("POST", "/graphql", body, headers)

    def graphql(self, query: str, variables: dict | None = None, token: str | None = None):
        answer = self.post_graphql(query, variables, token)
        assert answer.status == 200, (answer.status, answer.body[:500])
        body = answer.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


# --- the stack ---------------------------------------------------------------------------------


@dataclass
class Stack:
    """migrate once, `web_count` web processes, one worker, nginx in front; `start()` brings
    them up in that order, `close()` stops everything it started."""

    workdir: Path
    database_url: str
    redis_url: str
    web_count: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.tls = make_tls(self.workdir / "tls")
        self.http_port, self.https_port = free_port(), free_port()
        self.web_ports = [free_port() for _ in range(self.web_count)]
        self.var_dir = self.workdir / "var"
        self.static_root = self.workdir / "static"
        self.nginx_dir = self.workdir / "nginx"
        self.webs = [
            Child(f"web{n + 1}", self.workdir / f"web{n + 1}.log") for n in range(self.web_count)
        ]
        self.worker = Child("worker", self.workdir / "worker.log")
        self.proxy = Child("nginx", self.workdir / "nginx.log")
        self.run = uuid.uuid4().hex[:8]
        self.secret_key = secrets.token_urlsafe(50)

    # the environment -------------------------------------------------------------------------

    def env(self, **extra: str) -> dict[str, str]:
        """Production, as an operator's .env has it (tests/commands/test_serve.py)."""
        from tests.commands.test_serve import production_env

        env = production_env(
            self.var_dir,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            SECRET_KEY=self.secret_key,
            PUBLIC_BASE_URL=f"https://{DOMAIN}:{self.https_port}",
            ALLOWED_HOSTS=f"{DOMAIN},127.0.0.1",
            TRUSTED_PROXIES="127.0.0.1",
            STATIC_ROOT=str(self.static_root),
            VORZIMMER_PYTHON=sys.executable,
            # Its own Huey queue and rate-limit counters on the shared Redis.
            HUEY_NAME=f"stack-{self.run}",
            RATE_LIMIT_KEY_PREFIX=f"stack-rl-{self.run}",
            # Proofs of work stay on, cheap (the suite's difficulty): the load is many bookings.
            POW_MAX_NUMBER="1000",
            POW_RAISE_AFTER="0",
            METRICS_TOKEN=secrets.token_urlsafe(24),
            # A process killed with SIGABRT (tests/stack/rolling.py) prints its threads' stacks.
            PYTHONFAULTHANDLER="1",
        )
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env |= generous_limits()
        return env | self.extra_env | extra

    def entrypoint(self, *args: str, timeout: float = 300.0) -> str:
        done = subprocess.run(
            [str(ENTRYPOINT), *args],
            cwd=REPO,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise AssertionError(
                f"ops/entrypoint.sh {' '.join(args)} exited {done.returncode}:\n"
                f"{done.stdout}\n{done.stderr}"
            )
        return done.stdout

    # the processes ---------------------------------------------------------------------------

    def start_web(self, index: int) -> None:
        self.webs[index].start(
            [str(ENTRYPOINT), "web"],
            self.env(WEB_HOST="127.0.0.1", PORT=str(self.web_ports[index])),
        )

    def web_ready(self, index: int, timeout: float = START_TIMEOUT, start: int = 0) -> None:
        """Until the process says it listens (run_web's line, in its log from byte `start`),
        then until /api/health/ready is 200, as a load balancer waits: it is 503 until every
        check passes, e.g. while the worker, started beside it, has not yet beaten its heart."""
        web, port = self.webs[index], self.web_ports[index]
        deadline = time.monotonic() + timeout
        wait_for_line(web.log, f"Listening on http://127.0.0.1:{port}", timeout, web, start)
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("GET", "/api/health/ready")
                answer = conn.getresponse()
                status, body = answer.status, answer.read().decode(errors="replace")
            finally:
                conn.close()
            if status == 200:
                return
            assert time.monotonic() < deadline, f"not ready: {status} {body}\n{web.tail()}"
            time.sleep(0.1)

    def start_worker(self) -> None:
        self.worker.start([str(ENTRYPOINT), "worker"], self.env())

    def render_proxy(self) -> Path:
        """ops/nginx/render.sh for this prefix, wrapped in a main config of our own."""
        for sub in ("logs", "tmp", "acme"):
            (self.nginx_dir / sub).mkdir(parents=True, exist_ok=True)
        site = self.nginx_dir / "vorzimmer.conf"
        subprocess.run(
            [str(RENDER), str(site)],
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "DOMAIN": DOMAIN,
                "WEB_UPSTREAMS": " ".join(f"127.0.0.1:{port}" for port in self.web_ports),
                "STATIC_ROOT": str(self.static_root),
                "HTTP_PORT": f"127.0.0.1:{self.http_port}",
                "HTTPS_PORT": str(self.https_port),
                "TLS_CERT": str(self.tls.cert_file),
                "TLS_KEY": str(self.tls.key_file),
                "ACME_ROOT": str(self.nginx_dir / "acme"),
                "ACCESS_LOG": str(self.nginx_dir / "logs" / "access.log"),
            },
            check=True,
        )
        temp = self.nginx_dir / "tmp"
        lines = [
            f"load_module {BROTLI_MODULE};" if BROTLI_MODULE.exists() else "",
            # As root (CI containers) the workers would become `nobody`, who cannot read this
            # test's private temporary directory; as any other user the line is ignored.
            "user root;" if os.geteuid() == 0 else "",
            "worker_processes 1;",
            f"pid {self.nginx_dir / 'nginx.pid'};",
            f"error_log {self.nginx_dir / 'logs' / 'error.log'} warn;",
            "events { worker_connections 1024; }",
            "http {",
            "    include /etc/nginx/mime.types;",
            "    default_type application/octet-stream;",
            "    sendfile on;",
            *(
                f"    {kind}_temp_path {temp / kind};"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            ),
            f"    include {site};",
            "}",
        ]
        main = self.nginx_dir / "nginx.conf"
        main.write_text("\n".join(line for line in lines if line) + "\n")
        return main

    def start_proxy(self) -> None:
        main = self.render_proxy()
        base = [str(NGINX), "-p", str(self.nginx_dir), "-c", str(main)]
        base += ["-e", str(self.nginx_dir / "logs" / "error.log")]
        subprocess.run([*base, "-t", "-q"], check=True, capture_output=True)
        self.proxy.start([*base, "-g", "daemon off;"], dict(os.environ))
        deadline = time.monotonic() + 30
        while True:
            assert self.proxy.alive(), self.proxy.tail() + self.nginx_error_log()
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1),
            ):
                return
            assert time.monotonic() < deadline, "nginx did not listen"
            time.sleep(0.05)

    def nginx_error_log(self) -> str:
        path = self.nginx_dir / "logs" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> None:
        self.entrypoint("migrate")
        for index in range(self.web_count):
            self.start_web(index)
        self.start_worker()
        for index in range(self.web_count):
            self.web_ready(index)
        self.start_proxy()

    def close(self) -> None:
        for child in [self.proxy, *self.webs]:
            child.signal(signal.SIGTERM)
        for child in [self.proxy, *self.webs]:
            child.stop()
        self.worker.stop()

    def logs(self) -> str:
        children = [*self.webs, self.worker, self.proxy]
        return (
            "\n".join(c.tail() for c in children)
            + "\n--- nginx error.log ---\n"
            + (self.nginx_error_log()[-3000:])
        )

    # clients ---------------------------------------------------------------------------------

    def client(self, source: str = "127.0.0.1") -> Https:
        return Https(self.https_port, self.tls, source)

    @property
    def base_url(self) -> str:
        return f"https://{DOMAIN}:{self.https_port}"


def generous_limits() -> dict[str, str]:
    """Limits ordinary use of the stack test (hundreds of bookings from one machine) cannot
    reach; the `booking` look-up keeps a small per-address limit, which shows whose address
    the app counts behind the proxy."""
    from django.conf import settings

    env = {
        "RATE_LIMIT_" + key.upper().replace(".", "_"): GENEROUS
        for key in settings.RATE_LIMIT_DEFAULTS
    }
    return env | {
        "RATE_LIMIT_BOOKING_IP": "3/hour",
        "HOLD_MAX_LIVE_PER_CLIENT": "100000",
        "BOOKING_MAX_OPEN_PER_CONTACT": "100000",
        "SECURITY_BURST_BOOKINGS": "100000",
        "SECURITY_BURST_LIMIT_HITS": "100000",
    }
