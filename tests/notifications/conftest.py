"""Fakes only at the edge, as local servers that speak the real protocol: an SMTP server
(aiosmtpd), SMS provider APIs (sipgate, Twilio, Vonage) and a Web Push service, each on
127.0.0.1 with a free port. Plus the browser side of Web Push (a P-256 key pair and an auth
secret) that decrypts what the push service received."""

from __future__ import annotations

import base64
import datetime
import email
import email.policy
import json
import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import http_ece
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from huey.contrib.djhuey import HUEY

# The queue tests' office hour (a working Monday, 10:00) and floor (kiosk, clerk, counters).
from tests.queue.conftest import floor, office_hour  # noqa: F401


@dataclass
class Mailbox:
    messages: list[email.message.EmailMessage] = field(default_factory=list)
    # Answers to RCPT TO, used up first, e.g. "451 4.7.1 Greylisted, try again later".
    rcpt_replies: list[str] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.pop(0) if self.rcpt_replies else "250 OK"
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls this name
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"

    def text(self, index: int = -1) -> str:
        return self.messages[index].get_body(("plain",)).get_content()

    def subjects(self) -> list[str]:
        """Decoded subjects. A long non-ASCII subject is folded onto the next line as an
        encoded word ("Subject:\\n =?utf-8?q?...?="); the parser keeps that fold's space."""
        return [m["Subject"].strip() for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield mailbox
    controller.stop()


def run_due_retries(seconds: float) -> list:
    """What Huey's consumer does once `seconds` have passed: take the tasks whose retry is
    due off the schedule and run them. Returns them."""
    when = HUEY._get_timestamp() + datetime.timedelta(seconds=seconds)
    due = HUEY.read_schedule(when)
    for task in due:
        HUEY.execute(task, when)
    return due


@pytest.fixture(autouse=True)
def _no_leftover_jobs():
    """Immediate-mode Huey keeps retries it scheduled in memory: start each test empty."""
    HUEY.flush()
    yield
    HUEY.flush()


# --- a small HTTP server that records requests ----------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, secret = base64.b64decode(value).decode().partition(":")
        return user, secret

    def form(self) -> dict[str, str]:
        assert self.headers["content-type"] == "application/x-www-form-urlencoded"
        return {k: v[0] for k, v in parse_qs(self.body.decode(), strict_parsing=True).items()}

    def json(self):
        assert self.headers["content-type"] == "application/json"
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """ThreadingHTTPServer on 127.0.0.1:<free port>. `answer(request)` decides the reply;
    `failures` (a list of statuses or Replies) are used up first, one per request."""

    def __init__(self, answer: Callable[[Request], Reply]):
        self.answer = answer
        self.requests: list[Request] = []
        self.message_statuses: list[str] = []  # Vonage's per-message status, used up first
        self.failures: list[int | Reply] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like the real APIs

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                reply = fake._reply(request)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format, *args):  # quiet: no stderr noise in tests
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def _reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            return failure if isinstance(failure, Reply) else Reply(failure, b"{}", JSON)
        return self.answer(request)

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


JSON = {"Content-Type": "application/json"}


# --- SMS providers: the real paths, authentication and answers --------------------------------

SMS_USER, SMS_SECRET = "token-id-42", "s3cret-token"


SIPGATE_EXTENSIONS = {"s0", "s2"}  # the account's SMS extensions


def _sipgate(fake: FakeServer, request: Request) -> Reply:
    """POST /v2/sessions/sms, JSON {smsId, recipient, message}, basic auth tokenId:token;
    smsId is one of the account's SMS extensions ("s0"), else 403; answers 204 No Content."""
    if request.path != "/v2/sessions/sms":
        return Reply(404, b'{"error":"not found"}', JSON)
    if request.basic_auth() != (SMS_USER, SMS_SECRET):
        return Reply(401, b"", {})
    body = request.json()
    if set(body) != {"smsId", "recipient", "message"}:
        return Reply(400, b'{"error":"bad request"}', JSON)
    if body["smsId"] not in SIPGATE_EXTENSIONS:
        return Reply(403, b"", {})
    return Reply(204)


def _twilio(fake: FakeServer, request: Request) -> Reply:
    """POST /2010-04-01/Accounts/<SID>/Messages.json, form To/From/Body, basic auth SID:token;
    answers 201 with the message resource."""
    if request.path != f"/2010-04-01/Accounts/{SMS_USER}/Messages.json":
        return Reply(404, b'{"code":20404,"status":404}', JSON)
    if request.basic_auth() != (SMS_USER, SMS_SECRET):
        return Reply(401, b'{"code":20003,"status":401}', JSON)
    form = request.form()
    if not {"To", "From", "Body"} <= set(form):
        return Reply(400, b'{"code":21604,"status":400}', JSON)
    message = {"sid": "SM" + "0" * 32, "status": "queued", "to": form["To"], "body": form["Body"]}
    return Reply(201, json.dumps(message).encode(), JSON)


def _vonage(fake: FakeServer, request: Request) -> Reply:
    """POST /sms/json, form api_key/api_secret/to/from/text; answers 200 with a status per
    message ("0" is success; "1" throttled, others refused)."""
    if request.path != "/sms/json":
        return Reply(404, b"", {})
    form = request.form()
    if (form.get("api_key"), form.get("api_secret")) != (SMS_USER, SMS_SECRET):
        status = "4"  # invalid credentials
    else:
        status = fake.message_statuses.pop(0) if fake.message_statuses else "0"
    body = {"message-count": "1", "messages": [{"to": form.get("to"), "status": status}]}
    return Reply(200, json.dumps(body).encode(), JSON)


PROVIDERS = {"sipgate": _sipgate, "twilio": _twilio, "vonage": _vonage}


@pytest.fixture
def sms_provider(settings):
    """`sms_provider("sipgate")` starts that provider's fake and points the app at it."""
    started: list[FakeServer] = []

    def start(name: str) -> FakeServer:
        fake = FakeServer(lambda request: PROVIDERS[name](fake, request)).start()
        started.append(fake)
        settings.SMS_ENABLED = True
        settings.SMS_PROVIDER = name
        settings.SMS_API_KEY = f"{SMS_USER}:{SMS_SECRET}"
        settings.SMS_SENDER = "Musterhsn"
        settings.SMS_API_BASE_URL = fake.url
        return fake

    yield start
    for fake in started:
        fake.stop()


# --- Web Push: the push service and the browser ------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's push subscription: its own P-256 key pair and 16-byte auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def new(cls, endpoint: str) -> Browser:
        return cls(endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self) -> dict:
        return {"endpoint": self.endpoint, "p256dh": self.p256dh, "auth": self.auth}

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        return json.loads(plain)


@dataclass(frozen=True)
class Vapid:
    """The parts of `Authorization: vapid t=<JWT>, k=<key>`, with the JWT verified."""

    header: dict
    claims: dict
    key: str


VAPID_HEADER = re.compile(r"^vapid t=(?P<t>[\w\-]+\.[\w\-]+\.[\w\-]+),\s*k=(?P<k>[\w\-]+)$")


def verify_vapid(authorization: str) -> Vapid:
    """Parse the header and check the JWT's ES256 signature with the key it names."""
    match = VAPID_HEADER.match(authorization)
    assert match, authorization
    token, key = match["t"], match["k"]
    head, payload, signature = token.split(".")
    raw = b64url_decode(signature)
    assert len(raw) == 64
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
    public.verify(  # raises InvalidSignature
        encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
        f"{head}.{payload}".encode(),
        ec.ECDSA(hashes.SHA256()),
    )
    return Vapid(json.loads(b64url_decode(head)), json.loads(b64url_decode(payload)), key)


class PushService(FakeServer):
    """Accepts a push for any /push/<id> endpoint (201 Created, like FCM/Mozilla autopush);
    `gone` endpoints answer a status (404/410) instead."""

    def __init__(self):
        self.gone: dict[str, int] = {}
        super().__init__(self._push)

    def _push(self, request: Request) -> Reply:
        if not request.path.startswith("/push/"):
            return Reply(404)
        if request.path in self.gone:
            return Reply(self.gone[request.path])
        if request.headers.get("content-encoding") != "aes128gcm" or "ttl" not in request.headers:
            return Reply(400)
        return Reply(201, b"", {"Location": f"{self.url}/message{request.path}"})

    def browser(self, name: str) -> Browser:
        return Browser.new(f"{self.url}/push/{name}")

    def to(self, browser: Browser) -> list[Request]:
        path = urlparse(browser.endpoint).path
        return [r for r in self.requests if r.path == path]


@pytest.fixture(autouse=True)
def vapid_key(settings, tmp_path):
    """The VAPID key lives in tmp_path, never in var/ (every test here: vapidPublicKey and
    send_test_push create it on first use)."""
    settings.VAPID_KEY_FILE = tmp_path / "vapid_private.pem"
    settings.VAPID_SUBJECT = "mailto:termine@musterhausen.example"
    # The local fake push service is http on 127.0.0.1: allowed only like this (dev, tests).
    settings.PUSH_ALLOW_INSECURE_ENDPOINTS = True
    settings.PUSH_ALLOWED_HOSTS = ["127.0.0.1"]
    return settings.VAPID_KEY_FILE


@pytest.fixture
def push_service(vapid_key):
    service = PushService().start()
    yield service
    service.stop()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what waits for the commit (events, then the jobs they
    enqueue, which Huey runs at once in tests) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
