"""Settings for vorzimmer, all from environment variables.

Where municipal deployment guides already name a setting, that name is used
(BOOKING_MIN_ADVANCE_HOURS, KIOSK_PIN, ...), so operators find what they know.
The embedded default needs no services: SQLite, in-memory channel layer, Huey on SQLite.
With DATABASE_URL / REDIS_URL set, the same code runs on PostgreSQL and Redis.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.core.private_files import restrict_to_owner

BASE_DIR = Path(__file__).resolve().parent.parent
# var/ holds personal data and keys (databases incl. their -wal/-shm files, Huey's queue, the
# secret key, the VAPID key): everything this process creates is for its own user only, and
# var/ itself (and whatever an older version left readable there) is tightened at every start.
os.umask(0o077)
VAR_DIR = Path(os.environ.get("VORZIMMER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
restrict_to_owner(VAR_DIR)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/ (0600)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


DEBUG = env_bool("DEBUG")
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "corsheaders",
    "strawberry_django",
    "huey.contrib.djhuey",
    "axes",
    "backend.core",
    "backend.web",
    "backend.catalog",
    "backend.accounts",
    "backend.bookings",
    "backend.queue",
    "backend.notifications",
    "backend.backups",
]

# Kept lean: each middleware costs on every request (Django's default stack roughly halved
# trivial ASGI throughput).
MIDDLEWARE = [
    # Outermost, so it times the whole answer and sees the final status (errors included).
    "backend.core.access_log.AccessLogMiddleware",
    # Before anything asks request.is_secure(): X-Forwarded-Proto only from TRUSTED_PROXIES.
    "backend.core.proxy.TrustedProxyHeadersMiddleware",
    # Before the others, so it compresses what they (WhiteNoise's static files) answer; never
    # /graphql or the admin (BREACH: backend/web/compression.py).
    "backend.web.compression.PublicGZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.accounts.middleware.BearerTokenMiddleware",
    # After the bearer token (integrations are counted per token, on the fields).
    "backend.core.request_limits.GraphQLRequestRateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Staff sessions: sign out after inactivity; axes' lockout page for the admin login.
    "backend.accounts.idle.StaffIdleTimeoutMiddleware",
    "backend.accounts.login_throttle.LoginLockoutMiddleware",
]

ROOT_URLCONF = "backend.urls"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'vorzimmer.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI every request runs in a fresh thread, so persistent per-thread connections
    # (CONN_MAX_AGE) pile up until PostgreSQL refuses more. psycopg's pool (Django >= 5.1)
    # shares a bounded set of connections instead.
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": env_int("DATABASE_POOL_SIZE", 20), "timeout": 30}
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE: a write transaction takes the write lock at its start, so two
        # bookings never interleave check-and-insert and never deadlock on lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so concurrency tests use real connections from real threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, channel layer, jobs -------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

HUEY = {
    "name": os.environ.get("HUEY_NAME", "vorzimmer"),
    # Explicit: without the key djhuey sets immediate = DEBUG (jobs would run inside requests).
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    # Huey keeps UTC internally (its default, right across DST changes); periodic jobs that
    # run at a local hour convert to TIME_ZONE themselves (notifications/schedule.py).
    "utc": True,
    "consumer": {
        "workers": env_int("HUEY_WORKERS", 2),
        "worker_type": "thread",
        # SIGTERM (systemd, docker stop, `serve` stopping) lets running jobs finish; Huey's
        # default treats it as an interrupt and leaves e.g. a mail half-sent.
        "graceful_signal": "TERM",
    },
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}

# --- Auth ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses locked-out sign-ins before a password is checked (staff session block).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous DB user reports is_authenticated=True, so anonymous requests would pass
# IsAuthenticated(): off.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

# --- Security headers ------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Secure cookies, HSTS and the proxy's X-Forwarded-Proto: see "Production configuration".

# --- i18n / time -----------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [
    ("de", "Deutsch"),
    ("en", "English"),
    ("tr", "Türkçe"),
    ("ar", "العربية"),
    ("uk", "Українська"),
]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

# Uploaded files (none yet; backed up and restored with the database: backend/backups/files.py).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

STATIC_URL = "/static/"
# Where `collectstatic` (ops/entrypoint.sh migrate) puts the files for a proxy that serves
# /static/ itself (ops/nginx): then outside var/, which is private, and readable by the proxy's
# user (public files: 0644 / 0755 whatever the umask). The app serves them either way.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "static")
if not os.environ.get("STATIC_ROOT"):
    STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
WHITENOISE_USE_FINDERS = True
# The browser code every page shares lives once in frontend_static/ (served as /static/app/);
# kiosk/ and embed/ import it from there.
STATICFILES_DIRS = [
    ("app", BASE_DIR / "frontend_static"),
    ("kiosk", BASE_DIR / "kiosk"),
    ("embed", BASE_DIR / "embed"),
]

# --- Notifications ---------------------------------------------------------------------------
SMTP_HOST = os.environ.get("SMTP_HOST", "")
# EMAIL_BACKEND=smtp|console. With SMTP_HOST mail is sent (console only matters without it).
# Printing mail instead of sending it is for development; outside DEBUG it is an explicit
# opt-in (backend/core/checks.py refuses the start otherwise) and prints no body, link or full
# address (backend/core/mail.py).
EMAIL_TRANSPORT = os.environ.get("EMAIL_BACKEND", "").strip().lower()
if SMTP_HOST and EMAIL_TRANSPORT in ("", "console"):
    EMAIL_TRANSPORT = "smtp"
if SMTP_HOST and EMAIL_TRANSPORT == "smtp":
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_HOST
    EMAIL_PORT = env_int("SMTP_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("SMTP_PASS", "")
    EMAIL_USE_TLS = env_bool("SMTP_TLS", True)
    EMAIL_TIMEOUT = 20
elif DEBUG:  # development: whole messages on the console, links included
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:  # recipients masked, subject and sizes only
    EMAIL_BACKEND = "backend.core.mail.RedactingConsoleBackend"
FROM_EMAIL = os.environ.get("FROM_EMAIL", "termine@localhost")
FROM_NAME = os.environ.get("FROM_NAME", "Terminverwaltung")
DEFAULT_FROM_EMAIL = f"{FROM_NAME} <{FROM_EMAIL}>"
# The development default; production must name its public address (backend/core/checks.py).
PUBLIC_BASE_URL_IS_DEFAULT = not os.environ.get("PUBLIC_BASE_URL")
PUBLIC_BASE_URL = (os.environ.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")

SMS_ENABLED = env_bool("SMS_ENABLED", False)
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "console")  # console | sipgate | twilio | vonage
SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
# Twilio/Vonage sender: ≤ 11 letters/digits or a phone number; checked at startup, never cut.
SMS_SENDER = os.environ.get("SMS_SENDER", "Termine")
# sipgate sends from an SMS extension of the account, "s0" for the first (GET /v2/{userId}/sms
# lists them); the sender name shown to recipients is set for that extension in sipgate's app.
SIPGATE_SMS_ID = os.environ.get("SIPGATE_SMS_ID", "s0")
SMS_API_BASE_URL = os.environ.get("SMS_API_BASE_URL", "")  # override the provider's API host

# REMINDER_SCHEDULE=48h,24h,2h (whole m/h/d, checked at startup); the older
# single-reminder setting REMINDER_HOURS_BEFORE=24 still works and means "24h".
_single_reminder = os.environ.get("REMINDER_HOURS_BEFORE")
REMINDER_SCHEDULE = env_list(
    "REMINDER_SCHEDULE", f"{_single_reminder}h" if _single_reminder else "48h,24h,2h"
)
REMINDER_CHANNEL = os.environ.get("REMINDER_CHANNEL", "email")  # email | sms | both
ALLOW_CHANNEL_CHOICE = env_bool("ALLOW_CHANNEL_CHOICE", True)

WAITLIST_ENABLED = env_bool("WAITLIST_ENABLED", True)
# Confirmed entries waiting per service and location (organizations may set their own).
WAITLIST_MAX_SIZE = env_int("WAITLIST_MAX_SIZE", 10)
WAITLIST_OFFER_MINUTES = env_int("WAITLIST_OFFER_MINUTES", 30)

DAILY_REPORT_ENABLED = env_bool("DAILY_REPORT_ENABLED", False)
DAILY_REPORT_EMAIL = os.environ.get("DAILY_REPORT_EMAIL", "")
DAILY_REPORT_TIME = os.environ.get("DAILY_REPORT_TIME", "07:00")  # HH:MM in TIME_ZONE
RETENTION_DAYS = env_int("RETENTION_DAYS", 90)  # organizations may set their own

VAPID_KEY_FILE = Path(os.environ.get("VAPID_KEY_FILE", VAR_DIR / "vapid_private.pem"))
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", f"mailto:{FROM_EMAIL}")
# Push endpoints must be https on a public host; true allows http and local hosts (a local
# fake push service). Only with DEBUG (a system check says so otherwise); tests set it.
PUSH_ALLOW_INSECURE_ENDPOINTS = env_bool("PUSH_ALLOW_INSECURE_ENDPOINTS", False)

# --- Outbound requests: Web Push endpoints (backend/core/netguard.py) ------------------------
# Push endpoints must be on a known push service (FCM, Mozilla, Apple, Windows); these hosts
# are allowed in addition ("push.example.org", or "*.example.org" for any host below it).
PUSH_ALLOWED_HOSTS = env_list("PUSH_ALLOWED_HOSTS")

# --- Cross-origin: the embed in city portals (CORS_ALLOWED_ORIGINS) -------------------------
# Origins listed here (and per organization in the admin) may frame /embed and call /graphql
# from the browser; django-cors-headers asks backend.web.origins.cors_allows per request.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/graphql$"
CORS_ALLOW_CREDENTIALS = False  # the embed is anonymous: no cookies cross origins

# --- Booking policy: deployment defaults; organizations and services override them ---------
BOOKING_MIN_ADVANCE_HOURS = env_int("BOOKING_MIN_ADVANCE_HOURS", 2)
BOOKING_MAX_ADVANCE_DAYS = env_int("BOOKING_MAX_ADVANCE_DAYS", 60)
CANCELLATION_DEADLINE_HOURS = env_int("CANCELLATION_DEADLINE_HOURS", 24)
BOOKING_HOLD_MINUTES = env_int("BOOKING_HOLD_MINUTES", 10)

# --- Live queue -----------------------------------------------------------------------------
QUEUE_OPENS_EARLY_MINUTES = env_int("QUEUE_OPENS_EARLY_MINUTES", 30)
QUEUE_MAX_RECALLS = env_int("QUEUE_MAX_RECALLS", 2)  # a third recall marks a no-show
CHECK_IN_EARLY_MINUTES = env_int("CHECK_IN_EARLY_MINUTES", 60)
CHECK_IN_LATE_MINUTES = env_int("CHECK_IN_LATE_MINUTES", 15)
KIOSK_IDLE_TIMEOUT_SECONDS = env_int("KIOSK_IDLE_TIMEOUT_SECONDS", 60)
KIOSK_PIN = os.environ.get("KIOSK_PIN", "1234")

# --- Municipality shown by load_demo ---------------------------------------------------------
MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Stadtverwaltung Musterhausen")
MUNICIPALITY_SHORT = os.environ.get("MUNICIPALITY_SHORT", "Musterhausen")

# --- GraphQL limits (one set of rules for every request) ------------------------------------
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
GRAPHQL_MAX_BODY_BYTES = env_int("GRAPHQL_MAX_BODY_BYTES", 100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = GRAPHQL_MAX_BODY_BYTES

# --- Production configuration: transport security, first admin, logs ----------------------
# Checked by backend/core/checks.py (`manage.py check --deploy`, and at every start of `serve`
# or daphne without DEBUG): unsafe values stop the start with a clear message.

# Proxies (IP addresses or networks, comma-separated) whose X-Forwarded-* headers are honoured.
# Django believes X-Forwarded-Proto from anybody once SECURE_PROXY_SSL_HEADER is set;
# backend.core.proxy drops the header unless the connection comes from one of these.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_HTTPS = PUBLIC_BASE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if _HTTPS and not DEBUG:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    # Off by default: other hosts of the city's domain may not speak https yet.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)

# The first admin's password for `serve` (unset: generated; printed only with DEBUG, otherwise
# written to var/admin_password, mode 0600).
ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "")

# --- Staff sign-in and sessions -------------------------------------------------------------
# Failed sign-ins (admin login form and GraphQL logIn) lock a user name OR a client address
# after STAFF_LOGIN_FAILURE_LIMIT tries for STAFF_LOGIN_COOLOFF_MINUTES; a try during the
# lockout starts the cool-off again (backend/accounts/login_throttle.py).
STAFF_LOGIN_FAILURE_LIMIT = env_int("STAFF_LOGIN_FAILURE_LIMIT", 5)
STAFF_LOGIN_COOLOFF_MINUTES = env_int("STAFF_LOGIN_COOLOFF_MINUTES", 15)
AXES_FAILURE_LIMIT = STAFF_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = "backend.accounts.login_throttle.cool_off_for"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "backend.accounts.login_throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "backend.accounts.login_throttle.lockout_response"
# Personal data stays minimal: no log of every successful sign-in, no user names and
# addresses in the process log (the lockouts themselves are in the admin).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Axes' middleware is there as a subclass (LoginLockoutMiddleware), which its check misses.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]
# Staff sessions end after this long without the staff member doing anything (fractions
# allowed, e.g. 0.25 in tests); background refreshes do not count (backend/accounts/idle.py).
STAFF_IDLE_TIMEOUT_MINUTES = float(os.environ.get("STAFF_IDLE_TIMEOUT_MINUTES") or 30)

# --- Kiosks and displays: pairing ----------------------------------------------------------
# Failed pairDevice tries count against every pairing code live at the time; at this many a
# code dies and the admin makes a new one (backend/accounts/devices.py).
PAIRING_MAX_FAILURES = env_int("PAIRING_MAX_FAILURES", 10)

# --- Proof of work for anonymous holds, bookings and waitlist joins (backend/core/proof_of_work.py)
POW_ENABLED = env_bool("POW_ENABLED", True)
# A challenge's secret number is drawn from 0..maxNumber: a client hashes maxNumber / 2 times
# on average (100,000: about 0.1 s in a browser, see ops/bench/proof_of_work.py).
POW_MAX_NUMBER = env_int("POW_MAX_NUMBER", 100_000)
POW_CHALLENGE_MINUTES = env_int("POW_CHALLENGE_MINUTES", 10)  # a challenge's lifetime
# A network (IPv4 address, IPv6 /64) that spent POW_RAISE_AFTER proofs within the window gets
# POW_RAISE_FACTOR times the work, and so on for every further POW_RAISE_AFTER proofs, up to
# POW_RAISE_MAX_STEPS steps.
POW_RAISE_AFTER = env_int("POW_RAISE_AFTER", 10)
POW_RAISE_WINDOW_MINUTES = env_int("POW_RAISE_WINDOW_MINUTES", 60)
POW_RAISE_FACTOR = env_int("POW_RAISE_FACTOR", 4)
POW_RAISE_MAX_STEPS = env_int("POW_RAISE_MAX_STEPS", 3)
# Signs challenges; by default derived from SECRET_KEY (rotating that voids open challenges).
ALTCHA_HMAC_KEY = os.environ.get("ALTCHA_HMAC_KEY", "")

# LOG_FORMAT=text (default) or json: one JSON object per line (backend/core/logs.py).
LOG_FORMATTERS = {
    "text": "backend.core.logs.ClientErrorsWithoutTraceback",
    "json": "backend.core.logs.JsonLines",
}
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
if LOG_FORMAT not in LOG_FORMATTERS:
    raise ImproperlyConfigured(f"LOG_FORMAT {LOG_FORMAT!r} is unknown: use text or json.")
# One line per request from backend.core.access_log (method, path without the query string,
# status, duration): GET queries carry GraphQL variables, i.e. personal data. Answers below 500
# are ordinary (a 404, a refused login, a rate limit): django.request's duplicate of them is
# dropped and no traceback is printed for them; real errors (5xx) keep theirs.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"server_errors_only": {"()": "backend.core.logs.ServerErrorsOnly"}},
    "formatters": {
        "line": {
            "()": LOG_FORMATTERS[LOG_FORMAT],
            # The request id ("-" outside a request) leads to every line of one request.
            "format": "%(asctime)s %(levelname)s %(request_id)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["server_errors_only"]},
        "django.db.backends": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        "axes": {"level": "ERROR"},  # its warnings name the user and the address
    },
}

# --- Anti-abuse: rate limits (backend/core/ratelimit.py) -------------------------------------
# "<action>.<dimension>": "<rates>" in the notation of the `limits` package ("10/minute",
# "3/hour;10/day": every rate must hold). Each is overridable by RATE_LIMIT_<ACTION>_<DIM>,
# e.g. RATE_LIMIT_HOLDSLOT_IP=20/hour. Dimensions: ip (the client, IPv6 per /64), token
# (an integration's API token: its own, higher limits and no IP limit), session, email, phone.
RATE_LIMIT_DEFAULTS = {
    "request.ip": "300/minute",  # whole /graphql requests (HTTP 429 + Retry-After)
    "availability.ip": "120/minute;2000/hour",  # availableDays / availableSlots
    "availability.session": "120/minute;2000/hour",
    "availability.token": "1200/minute",
    "holdSlot.ip": "10/minute;30/hour",
    "holdSlot.session": "30/hour",
    "holdSlot.token": "600/minute",
    "extendHold.ip": "30/hour",
    "extendHold.session": "30/hour",
    "extendHold.token": "600/minute",
    "releaseHold.ip": "60/hour",
    "releaseHold.session": "60/hour",
    "releaseHold.token": "600/minute",
    "bookAppointment.ip": "3/hour;10/day",
    "bookAppointment.session": "3/hour;10/day",
    "bookAppointment.token": "300/minute",
    "bookAppointment.email": "3/day",
    "bookAppointment.phone": "3/day",
    "booking.ip": "30/hour;100/day",  # a booking looked up by code and token (brute force)
    "booking.session": "30/hour;100/day",
    "booking.token": "600/minute",
    "manageBooking.ip": "30/hour;100/day",  # cancel / reschedule / change by code and token
    "manageBooking.session": "30/hour;100/day",
    "manageBooking.token": "600/minute",
    "pushSubscribe.ip": "20/hour",
    "pushSubscribe.session": "20/hour",
    "pushSubscribe.token": "600/minute",
    # joinWaitlist: each join sends a confirmation e-mail (double opt-in), so per address too.
    "joinWaitlist.ip": "5/hour;20/day",
    "joinWaitlist.session": "5/hour;20/day",
    "joinWaitlist.token": "300/minute",
    "joinWaitlist.email": "3/day",
    # Messages, not requests: over these the booking still succeeds, the message is dropped.
    "confirmation.email": "5/day",  # booking confirmations per recipient
    "confirmation.phone": "3/day",
    "sms.phone": "10/day",  # every SMS to one number (SMS pumping)
}
RATE_LIMITS = {
    key: os.environ.get("RATE_LIMIT_" + key.upper().replace(".", "_"), default)
    for key, default in RATE_LIMIT_DEFAULTS.items()
}
# Counters in Redis when REDIS_URL is set, else in the database (every process sees them).
# Tests give each test its own prefix.
RATE_LIMIT_KEY_PREFIX = os.environ.get("RATE_LIMIT_KEY_PREFIX", "vorzimmer-rl")
# Reverse proxies whose X-Forwarded-For is believed: TRUSTED_PROXIES (defined above).

# --- Staff and device rate limits (same notation and RATE_LIMIT_<ACTION>_<DIM> overrides) ----
# pairDevice per address and over all callers together ("all"), drawTicket and checkIn per
# paired kiosk (checkIn also bounds guessing booking codes there), requestPasswordReset per
# address and per e-mail address.
_STAFF_DEVICE_RATES = {
    "pairDevice.ip": "10/hour",
    "pairDevice.all": "60/hour",
    "drawTicket.device": "20/minute;400/hour",
    "checkIn.device": "20/minute;300/hour",
    "requestPasswordReset.ip": "5/hour",
    "requestPasswordReset.email": "3/hour",
}
RATE_LIMIT_DEFAULTS |= _STAFF_DEVICE_RATES
RATE_LIMITS |= {
    key: os.environ.get("RATE_LIMIT_" + key.upper().replace(".", "_"), default)
    for key, default in _STAFF_DEVICE_RATES.items()
}

# --- Anti-abuse: holds and per-person caps (backend/bookings/services/holds.py, booking.py) --
HOLD_MAX_LIVE_PER_CLIENT = env_int("HOLD_MAX_LIVE_PER_CLIENT", 2)  # per network and per session
HOLD_MAX_LIVE_PER_TOKEN = env_int("HOLD_MAX_LIVE_PER_TOKEN", 100)  # an integration's own cap
HOLD_EXTEND_WINDOW_SECONDS = env_int("HOLD_EXTEND_WINDOW_SECONDS", 150)  # page offers at 120 s
HOLD_MAX_LIFETIME_MINUTES = env_int("HOLD_MAX_LIFETIME_MINUTES", 30)
# Open (future, confirmed) bookings per e-mail and per phone, per organization and service.
BOOKING_MAX_OPEN_PER_CONTACT = env_int("BOOKING_MAX_OPEN_PER_CONTACT", 2)
SMS_ALLOWED_COUNTRY_CODES = env_list("SMS_ALLOWED_COUNTRY_CODES", "+49,+43,+41")

# --- Anti-abuse: staff alerting (backend/core/bursts.py) --------------------------------------
# A network (IPv4 /24, IPv6 /48) making this many holds + bookings, or hitting rate limits this
# often, within the window gets one "security.burst" audit entry per window.
SECURITY_BURST_WINDOW_MINUTES = env_int("SECURITY_BURST_WINDOW_MINUTES", 10)
SECURITY_BURST_BOOKINGS = env_int("SECURITY_BURST_BOOKINGS", 20)
SECURITY_BURST_LIMIT_HITS = env_int("SECURITY_BURST_LIMIT_HITS", 20)
SECURITY_ALERT_EMAIL = os.environ.get("SECURITY_ALERT_EMAIL", "")  # also mailed here when set

# --- Anti-abuse: freed-slot cool-down and the waitlist ----------------------------------------
# A freed place (cancellation, reschedule, released or expired hold) is offered to the
# waitlist first and returns to public availability only after a random delay in this window
# (ops/adr/0007-freed-slot-cooldown.md). MAX 0 disables the cool-down.
FREED_SLOT_COOLDOWN_MIN_SECONDS = env_int("FREED_SLOT_COOLDOWN_MIN_SECONDS", 120)
FREED_SLOT_COOLDOWN_MAX_SECONDS = env_int("FREED_SLOT_COOLDOWN_MAX_SECONDS", 900)
# A waitlist entry counts only once its e-mail address is confirmed; until then it expires.
WAITLIST_CONFIRM_HOURS = env_int("WAITLIST_CONFIRM_HOURS", 24)

# --- GraphQL over HTTP: expanded size, cost and time per request (ops/adr: request limits) ---
# Fields a document may expand to, each fragment spread counted in full; checked before any
# validation rule runs (fragment bombs).
GRAPHQL_MAX_EXPANDED_FIELDS = env_int("GRAPHQL_MAX_EXPANDED_FIELDS", 2000)
# Wall-clock budget for parsing, validating and executing one HTTP request (answered TIMEOUT).
GRAPHQL_REQUEST_BUDGET_SECONDS = float(os.environ.get("GRAPHQL_REQUEST_BUDGET_SECONDS", "10"))
# The cost model: every field costs 1; a list counts its `limit`/`first` or this many items.
GRAPHQL_COST_LIST_SIZE = env_int("GRAPHQL_COST_LIST_SIZE", 10)
GRAPHQL_COST_BUDGET_ANONYMOUS = env_int("GRAPHQL_COST_BUDGET_ANONYMOUS", 50_000)
GRAPHQL_COST_BUDGET_AUTHENTICATED = env_int("GRAPHQL_COST_BUDGET_AUTHENTICATED", 200_000)

# --- The web process's shutdown (backend/web/server.py) ---
# After SIGTERM: how long requests in flight may take to answer before they are cut. Above the
# GraphQL request budget, so a request that started before the signal always finishes.
WEB_SHUTDOWN_GRACE_SECONDS = float(os.environ.get("WEB_SHUTDOWN_GRACE_SECONDS", "20"))

# --- Health, logs, metrics, error reports (docs/operations-observability.md) ----------------
# Readiness (/api/health/ready) fails when the Huey consumer's heartbeat (written at its start
# and every minute) is older than this; 0 switches the check off (a web process without jobs).
HEALTH_HUEY_MAX_AGE_SECONDS = env_int("HEALTH_HUEY_MAX_AGE_SECONDS", 300)
# ... and when var/ or the backup directory has less free space than this.
HEALTH_MIN_FREE_DISK_MB = env_int("HEALTH_MIN_FREE_DISK_MB", 500)
# /metrics answers 404 until this is set, then only to `Authorization: Bearer <token>`.
# (PROMETHEUS_MULTIPROC_DIR, read by prometheus_client itself, sums several processes.)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
_multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _multiprocess_dir and not Path(_multiprocess_dir).is_dir():
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR {_multiprocess_dir!r} is no directory: create it (empty) "
        "before the processes start."
    )
# Error reports to Sentry (or a compatible service) when set; personal data is removed before
# sending (backend/core/error_reports.py).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = os.environ.get("SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN:
    from backend.core.error_reports import init as _init_error_reports

    _init_error_reports(SENTRY_DSN, SENTRY_ENVIRONMENT)

# --- Backups (backend/backups, docs/backup-and-restore.md) ----------------------------------
# Encrypted archives of database, uploaded files and non-secret settings. No key: no backups
# (the deployment check warns). Losing the key loses every backup made with it.
BACKUP_ENCRYPTION_KEY = os.environ.get("BACKUP_ENCRYPTION_KEY", "")
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_TIME = os.environ.get("BACKUP_TIME", "02:30")  # HH:MM in TIME_ZONE, run by the worker
BACKUP_KEEP_DAILY = env_int("BACKUP_KEEP_DAILY", 7)
BACKUP_KEEP_WEEKLY = env_int("BACKUP_KEEP_WEEKLY", 4)
BACKUP_KEEP_MONTHLY = env_int("BACKUP_KEEP_MONTHLY", 12)
# A backup is refused (and the admins alerted) when it would leave less than this free.
BACKUP_MIN_FREE_MB = env_int("BACKUP_MIN_FREE_MB", 1024)
BACKUP_ALERT_EMAIL = os.environ.get("BACKUP_ALERT_EMAIL", "")  # besides the superusers
