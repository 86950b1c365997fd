"""Benchmark: Web Push and e-mail dispatch through Huey, to local fakes of the push service
and the SMTP server.

Setup: `manage.py migrate` and `manage.py load_demo` (subprocesses, as booking.py does), then a
benchmark organization ("bench-notify") with one location and a pool service, and bookings
inserted with the claims capacity.take() would insert (one seat each):
- --push bookings that chose Web Push, each with one browser subscription: its own P-256 key
  pair and auth secret (as a browser makes them), endpoint on the local push service;
- --email bookings that chose e-mail.
In this process: a push service (http.server on 127.0.0.1, a free port: 201 Created for
POST /push/<n>, like FCM or Mozilla's autopush) and an SMTP server (aiosmtpd), which record
arrival times. The job consumer is a real one in its own process:

    manage.py run_huey --workers 1 --worker-type thread --no-periodic

with HUEY_IMMEDIATE unset, the same DATABASE_URL / REDIS_URL (RedisHuey) / VORZIMMER_VAR_DIR, a
HUEY_NAME of its own (so it never takes jobs of another consumer on the same Redis) and SMTP_*
pointing at the local SMTP server. Per phase this process enqueues one job per message
(send_booking_message: the same job the app enqueues) as fast as it can and waits until the
fake has received every message:
(a) push: reminders by Web Push (VAPID-signed, aes128gcm-encrypted, TTL, Urgency);
(b) e-mail: reminders (HTML + text);
(c) e-mail with attachments: confirmations (HTML + text + .ics + QR PNG).
Rates are messages per minute from the first enqueue to the last arrival (end to end) and
between the first and the last arrival (steady); the consumer's CPU time per message comes
from /proc. Afterwards every message must have arrived exactly once, a sample of pushes is
decrypted with the browsers' keys and their VAPID JWT verified, and every delivery row reads
"sent" after one attempt.

Target: >= 1,000 push notifications per minute with one worker (2 cores); every message
delivered exactly once. Exit status 1 when a correctness target fails (also a missed rate
with --strict).

Run from the repository root (SQLite + SqliteHuey in a temporary directory, or PostgreSQL
and RedisHuey):
    .venv/bin/python ops/bench/notifications.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_vz REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python ops/bench/notifications.py
"""

from __future__ import annotations

import argparse
import base64
import email
import email.policy
import json
import os
import platform
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Before Django loads settings: this process only enqueues (never runs jobs itself), and its
# queue has a name of its own, shared only with the consumer it starts.
os.environ.pop("HUEY_IMMEDIATE", None)
os.environ["HUEY_NAME"] = f"bench-notifications-{os.getpid()}"

import harness

ENV = harness.bootstrap()  # before any Django import: private var dir, settings, django.setup()

import django  # noqa: E402
import http_ece  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402
from dataset import BENCH_PREFIX, drop_bench_data  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from huey.contrib.djhuey import HUEY  # noqa: E402

from backend.accounts.tokens import hash_secret, new_secret  # noqa: E402
from backend.bookings.codes import new_code  # noqa: E402
from backend.bookings.models import Booking, Claim  # noqa: E402
from backend.bookings.tokens import new_salt  # noqa: E402
from backend.catalog.models import Location, OpeningHours, Organization, Service  # noqa: E402
from backend.notifications.channels.push import (  # noqa: E402
    application_server_key,
    ensure_vapid_keys,
)
from backend.notifications.models import Delivery, PushSubscription  # noqa: E402
from backend.notifications.tasks import send_booking_message  # noqa: E402

TARGET_PUSH_PER_MINUTE = 1000.0
CONSUMER_START_TIMEOUT = 60.0
STOP_GRACE_SECONDS = 10.0
SAMPLES = 20  # pushes decrypted and JWTs verified


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--push", type=int, default=1500, help="push notifications")
    parser.add_argument("--email", type=int, default=500, help="reminder e-mails")
    parser.add_argument("--confirmations", type=int, default=200, help="e-mails with .ics + QR")
    parser.add_argument("--workers", type=int, default=1, help="consumer worker threads")
    parser.add_argument("--keep", action="store_true", help="keep the bench-* data afterwards")
    parser.add_argument("--strict", action="store_true", help="exit 1 on a missed rate too")
    return parser.parse_args()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- the fakes ---------------------------------------------------------------------------------


@dataclass
class Arrivals:
    """What a fake received: arrival times and a key per message, thread-safe."""

    times: list[float] = field(default_factory=list)
    keys: Counter = field(default_factory=Counter)
    samples: dict[str, tuple[dict, bytes]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, headers: dict | None = None, body: bytes = b"") -> None:
        with self.lock:
            self.times.append(time.perf_counter())
            self.keys[key] += 1
            if headers is not None and len(self.samples) < SAMPLES and key not in self.samples:
                self.samples[key] = (headers, body)

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def reset(self) -> None:
        with self.lock:
            self.times.clear()
            self.keys.clear()
            self.samples.clear()


class PushService:
    """POST /push/<n> -> 201 Created, like a real push service; records each arrival."""

    def __init__(self) -> None:
        self.arrivals = Arrivals()
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not self.path.startswith("/push/"):
                    self.send_response(404)
                else:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    arrivals.add(self.path, headers, body)
                    self.send_response(201)
                    self.send_header("Location", f"/message{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> PushService:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """aiosmtpd handler: records each message by its To address."""

    def __init__(self) -> None:
        self.arrivals = Arrivals()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.arrivals.add(f"{message['To']} {message['Subject']}".strip())
        return "250 OK"


# --- data ----------------------------------------------------------------------------------------


@dataclass
class Browser:
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def new(cls) -> Browser:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        public = self.private_key.public_key()
        return b64url(
            public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )


@dataclass
class Office:
    org: Organization
    location: Location
    service: Service
    start: datetime


def build_office(seats: int) -> Office:
    """One location open all week and a pool service with room for every booking at one
    start, tomorrow 10:00 (the messages do not depend on when it is)."""
    org = Organization.objects.create(
        slug=BENCH_PREFIX + "notify",
        name="Benchmark: Benachrichtigungen",
        holiday_region="DE-NW",
        timezone="Europe/Berlin",
    )
    location = Location.objects.create(organization=org, slug="post", name="Poststelle")
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=d, opens=clock_time(8), closes=clock_time(18))
        for d in range(1, 8)
    )
    service = Service.objects.create(
        organization=org, slug="nachricht", name="Nachricht", duration_minutes=15, capacity=seats
    )
    service.locations.set([location])
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time())) + timedelta(
        hours=10
    )
    return Office(org, location, service, start)


def insert_bookings(office: Office, count: int, first_seat: int, channel: str) -> list[Booking]:
    """Bookings with the claim capacity.take() inserts for a pool seat."""
    codes = set(Booking.objects.values_list("code", flat=True))
    bookings, claims = [], []
    for number in range(count):
        code = new_code()
        while code in codes:
            code = new_code()
        codes.add(code)
        booking = Booking(
            organization=office.org,
            location=office.location,
            service=office.service,
            starts_at=office.start,
            ends_at=office.start + timedelta(minutes=15),
            code=code,
            token_salt=new_salt(),
            manage_token_hash=hash_secret(new_secret()),
            name=f"Bürgerin {first_seat + number}",
            email=f"buergerin{first_seat + number}@example.com",
            channel=channel,
        )
        bookings.append(booking)
        claims.append(
            Claim(
                location=office.location,
                service=office.service,
                start=office.start,
                busy_from=office.start,
                busy_until=office.start + timedelta(minutes=15),
                seat=first_seat + number,
                capacity=office.service.capacity,
                booking=booking,
            )
        )
    with transaction.atomic():
        Booking.objects.bulk_create(bookings, batch_size=500)
        Claim.objects.bulk_create(claims, batch_size=500)
    return bookings


def subscribe_all(bookings: list[Booking], push_url: str) -> dict[str, Browser]:
    """One browser subscription per booking; returns the browsers by endpoint path."""
    browsers: dict[str, Browser] = {}
    subscriptions = []
    for number, booking in enumerate(bookings):
        browser = Browser.new()
        path = f"/push/{number}"
        browsers[path] = browser
        subscriptions.append(
            PushSubscription(
                endpoint=f"{push_url}{path}",
                p256dh=browser.p256dh,
                auth=b64url(browser.auth_secret),
                booking=booking,
            )
        )
    PushSubscription.objects.bulk_create(subscriptions, batch_size=500)
    return browsers


# --- the consumer --------------------------------------------------------------------------------


class Consumer(harness.Child):
    """`manage.py run_huey` in its own process; stopped with SIGINT (graceful), then SIGKILL."""

    def __init__(self, workers: int, smtp_port: int) -> None:
        super().__init__(ENV.var_dir / "run_huey.log", signal.SIGINT, STOP_GRACE_SECONDS)
        self.workers = workers
        self.smtp_port = smtp_port

    def __enter__(self) -> Consumer:
        env = ENV.child_env() | {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp_port),
            "SMTP_TLS": "0",
            "SMTP_USER": "",
            "SMTP_PASS": "",
            "HUEY_WORKERS": str(self.workers),
            # The local push service is http on 127.0.0.1: allowed like this only, and the
            # system check that refuses it without DEBUG is skipped below (a benchmark).
            "PUSH_ALLOW_INSECURE_ENDPOINTS": "1",
            "PUSH_ALLOWED_HOSTS": "127.0.0.1",
        }
        env.pop("HUEY_IMMEDIATE", None)
        self.launch(
            [
                sys.executable,
                "manage.py",
                "run_huey",
                "--skip-checks",
                "--workers",
                str(self.workers),
                "--worker-type",
                "thread",
                "--no-periodic",
                "--max-delay",
                "1",  # poll an idle queue at least every second (default 10 s)
            ],
            env,
        )
        return self


def wait_for(arrivals: Arrivals, count: int, consumer: Consumer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while arrivals.count() < count:
        if not consumer.alive():
            raise SystemExit(f"run_huey exited:\n{consumer.log_tail()}")
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def run_phase(
    label: str, jobs: list[tuple], arrivals: Arrivals, consumer: Consumer, timeout: float
) -> dict:
    """Enqueue one send_booking_message job per message and wait for every message."""
    arrivals.reset()
    cpu_before = harness.cpu_seconds(consumer.pid)
    began = time.perf_counter()
    for args in jobs:
        send_booking_message(*args)
    enqueued = time.perf_counter() - began
    complete = wait_for(arrivals, len(jobs), consumer, timeout)
    time.sleep(0.2)  # a late duplicate would show up now
    cpu = harness.cpu_seconds(consumer.pid) - cpu_before
    with arrivals.lock:
        times = sorted(arrivals.times)
        keys = Counter(arrivals.keys)
    received = len(times)
    end_to_end = (times[-1] - began) if times else float("inf")
    steady = (times[-1] - times[0]) if received > 1 else float("inf")
    figures = {
        "messages": len(jobs),
        "received": received,
        "complete": complete,
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "enqueue_seconds": round(enqueued, 3),
        "first_arrival_seconds": round(times[0] - began, 3) if times else None,
        "end_to_end_seconds": round(end_to_end, 3),
        "per_minute_end_to_end": round(received / end_to_end * 60, 1) if times else 0.0,
        "per_minute_steady": round((received - 1) / steady * 60, 1) if received > 1 else 0.0,
        "consumer_cpu_ms_per_message": round(cpu / max(received, 1) * 1000, 2),
    }
    print(
        f"  {label:<34} {figures['per_minute_end_to_end']:8.0f}/min end to end "
        f"({received} of {len(jobs)} in {end_to_end:.1f} s; steady "
        f"{figures['per_minute_steady']:.0f}/min; enqueue {enqueued:.2f} s), consumer CPU "
        f"{figures['consumer_cpu_ms_per_message']:.1f} ms/message"
    )
    return figures


# --- checks --------------------------------------------------------------------------------------


def check_push_samples(arrivals: Arrivals, browsers: dict[str, Browser], push_url: str) -> dict:
    """Decrypt sampled pushes with the browser's key; verify their VAPID JWT (ES256) and
    claims; check TTL and Urgency."""
    public_key = application_server_key()
    failures: list[str] = []
    for path, (headers, body) in arrivals.samples.items():
        browser = browsers[path]
        try:
            payload = json.loads(
                http_ece.decrypt(
                    body,
                    private_key=browser.private_key,
                    auth_secret=browser.auth_secret,
                    version="aes128gcm",
                )
            )
            assert set(payload) == {"title", "url"} and payload["url"].startswith("/manage/")
            scheme, _, params = headers["authorization"].partition(" ")
            parts = dict(part.strip().split("=", 1) for part in params.split(","))
            assert scheme == "vapid" and parts["k"] == public_key
            head, claims, signature = parts["t"].split(".")
            raw = b64url_decode(signature)
            point = b64url_decode(parts["k"])
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point).verify(
                encode_dss_signature(
                    int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
                ),
                f"{head}.{claims}".encode(),
                ec.ECDSA(hashes.SHA256()),
            )
            claims_dict = json.loads(b64url_decode(claims))
            assert claims_dict["aud"] == push_url
            assert claims_dict["sub"] == settings.VAPID_SUBJECT
            assert claims_dict["exp"] > time.time()
            assert int(headers["ttl"]) > 0 and headers["urgency"] == "normal"
            assert headers["content-encoding"] == "aes128gcm"
        except Exception as exc:
            failures.append(f"{path}: {type(exc).__name__} {exc}")
    return {"checked": len(arrivals.samples), "failed": len(failures), "failures": failures[:3]}


def delivery_audit(office: Office) -> dict:
    rows = Delivery.objects.filter(booking__organization=office.org)
    statuses = Counter(rows.values_list("status", flat=True))
    return {
        "deliveries": rows.count(),
        "by_status": dict(statuses),
        "not_sent": rows.exclude(status=Delivery.Status.SENT).count(),
        "more_than_one_attempt": rows.filter(attempts__gt=1).count(),
    }


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    huey_class = type(HUEY).__name__
    print(f"Notification dispatch benchmark on {harness.database_label(ENV)}, {huey_class}")
    print(
        f"  Python {platform.python_version()}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.2f}), DEBUG off; "
        f"consumer: run_huey, {args.workers} worker thread(s)"
    )
    if HUEY.immediate:
        raise SystemExit("HUEY is in immediate mode: the benchmark needs a real consumer.")
    print(f"  manage.py migrate: ok; load_demo: {harness.migrate_and_load_demo(ENV)}")
    drop_bench_data()
    HUEY.flush()  # this run's queue only (its own HUEY_NAME)
    ensure_vapid_keys()  # created once here, in the temporary var dir, before the consumer

    warmup = 10
    office = build_office(seats=args.push + args.email + 2 * warmup)
    mailbox = Mailbox()
    smtp_port = harness.free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    try:
        with PushService() as push, Consumer(args.workers, smtp_port) as consumer:
            started = time.perf_counter()
            push_bookings = insert_bookings(office, args.push + warmup, 0, "push")
            browsers = subscribe_all(push_bookings, push.url)
            mail_bookings = insert_bookings(
                office, args.email + warmup, args.push + warmup, "email"
            )
            print(
                f"  data: {len(push_bookings)} bookings with a push subscription, "
                f"{len(mail_bookings)} by e-mail ({time.perf_counter() - started:.1f} s)"
            )
            reminder = ("booking_reminder", "bench")
            # Warm-up (imports, the schema of messages, connections): not counted.
            warm = [(b.pk, *reminder) for b in push_bookings[:warmup]]
            run_phase("warm-up (push)", warm, push.arrivals, consumer, CONSUMER_START_TIMEOUT)
            warm = [(b.pk, *reminder) for b in mail_bookings[:warmup]]
            run_phase("warm-up (e-mail)", warm, mailbox.arrivals, consumer, 60)

            print(f"\n(a) Web Push reminders, {args.push} subscriptions")
            jobs = [(b.pk, *reminder) for b in push_bookings[warmup:]]
            pushed = run_phase("push", jobs, push.arrivals, consumer, max(60, args.push / 5))
            samples = check_push_samples(push.arrivals, browsers, push.url)
            print(
                f"  {samples['checked']} sampled pushes decrypted with the browser key, VAPID "
                f"JWT verified: {samples['failed']} failed {samples['failures'] or ''}"
            )
            print(f"\n(b) e-mail reminders, {args.email} messages")
            jobs = [(b.pk, *reminder) for b in mail_bookings[warmup:]]
            mailed = run_phase("e-mail", jobs, mailbox.arrivals, consumer, max(60, args.email / 2))
            print(f"\n(c) e-mail confirmations (.ics + QR PNG), {args.confirmations} messages")
            chosen = mail_bookings[warmup : warmup + args.confirmations]
            jobs = [(b.pk, "booking_confirmation") for b in chosen]
            confirmed = run_phase(
                "e-mail with attachments",
                jobs,
                mailbox.arrivals,
                consumer,
                max(60, args.confirmations),
            )
            exceptions = [
                line for line in consumer.log_tail(10_000).splitlines() if "Traceback" in line
            ]
    finally:
        smtp.stop()
        HUEY.flush()

    audit = delivery_audit(office)
    expected = args.push + args.email + args.confirmations + 2 * warmup
    print(
        f"\nDelivery log: {audit['deliveries']} rows (expected {expected}), by status "
        f"{audit['by_status']}, more than one attempt {audit['more_than_one_attempt']}; "
        f"consumer tracebacks {len(exceptions)}"
    )
    if not args.keep:
        drop_bench_data()
    figures = {
        "huey": huey_class,
        "workers": args.workers,
        "push": pushed,
        "push_samples": samples,
        "email": mailed,
        "email_with_attachments": confirmed,
        "delivery_log": audit,
        "consumer_tracebacks": len(exceptions),
    }
    lost_or_doubled = sum(
        phase["messages"] - phase["received"] + 2 * phase["duplicates"]
        for phase in (pushed, mailed, confirmed)
    )
    correctness = [
        harness.Target("messages lost or duplicated (all phases)", lost_or_doubled, "==", 0),
        harness.Target("sampled pushes not decrypted/verified", samples["failed"], "==", 0),
        harness.Target("deliveries not sent", audit["not_sent"], "==", 0),
        harness.Target("delivery rows vs messages", audit["deliveries"], "==", expected),
        harness.Target("consumer tracebacks", len(exceptions), "==", 0),
    ]
    targets = [
        harness.Target(
            f"Web Push per minute, end to end ({args.workers} worker)",
            pushed["per_minute_end_to_end"],
            ">=",
            TARGET_PUSH_PER_MINUTE,
            "/min",
        ),
        *correctness,
    ]
    passed = harness.report("notifications", ENV, figures, targets)
    if not all(t.passed for t in correctness):
        return 1
    return 1 if args.strict and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
