"""Settings for vorzimmer, all from environment variables.

Names follow seed 000's .env where one exists (BOOKING_MIN_ADVANCE_HOURS, ...).
The embedded default needs no services: SQLite, in-memory channel layer, Huey on SQLite.
With DATABASE_URL / REDIS_URL set, the same code runs on PostgreSQL and Redis.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VORZIMMER_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


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
    "backend.core",
    "backend.catalog",
    "backend.accounts",
    "backend.bookings",
    "backend.queue",
    "backend.notifications",
]

# Kept lean: each middleware costs on every request (STACK-NOTES trap 13).
MIDDLEWARE = [
    # First, so it compresses what the others (WhiteNoise's static files) answer; never
    # /graphql or the admin (BREACH: backend/core/compression.py).
    "backend.core.compression.PublicGZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backend.accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    # Explicit: djhuey would otherwise set immediate = DEBUG (STACK-NOTES trap 11).
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    # Huey keeps UTC internally (its default, right across DST changes); periodic jobs that
    # run at a local hour convert to TIME_ZONE themselves (notifications/schedule.py).
    "utc": True,
    "consumer": {"workers": env_int("HUEY_WORKERS", 2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")}

# --- Auth ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous DB user reports is_authenticated=True (STACK-NOTES trap 1): off.
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
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

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

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# The browser code every page shares lives once in frontend_static/ (served as /static/app/);
# kiosk/ and embed/ import it from there.
STATICFILES_DIRS = [
    ("app", BASE_DIR / "frontend_static"),
    ("kiosk", BASE_DIR / "kiosk"),
    ("embed", BASE_DIR / "embed"),
]

# --- Notifications (seed 000 names) ----------------------------------------------------------
SMTP_HOST = os.environ.get("SMTP_HOST", "")
if SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_HOST
    EMAIL_PORT = env_int("SMTP_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("SMTP_PASS", "")
    EMAIL_USE_TLS = env_bool("SMTP_TLS", True)
    EMAIL_TIMEOUT = 20
else:  # the embedded default prints mail to the console
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
FROM_EMAIL = os.environ.get("FROM_EMAIL", "termine@localhost")
FROM_NAME = os.environ.get("FROM_NAME", "Terminverwaltung")
DEFAULT_FROM_EMAIL = f"{FROM_NAME} <{FROM_EMAIL}>"
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

SMS_ENABLED = env_bool("SMS_ENABLED", False)
SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "console")  # console | sipgate | twilio | vonage
SMS_API_KEY = os.environ.get("SMS_API_KEY", "")
# Twilio/Vonage sender: ≤ 11 letters/digits or a phone number; checked at startup, never cut.
SMS_SENDER = os.environ.get("SMS_SENDER", "Termine")
# sipgate sends from an SMS extension of the account, "s0" for the first (GET /v2/{userId}/sms
# lists them); the sender name shown to recipients is set for that extension in sipgate's app.
SIPGATE_SMS_ID = os.environ.get("SIPGATE_SMS_ID", "s0")
SMS_API_BASE_URL = os.environ.get("SMS_API_BASE_URL", "")  # override the provider's API host

# REMINDER_SCHEDULE=48h,24h,2h (whole m/h/d, checked at startup); seed 000's older
# REMINDER_HOURS_BEFORE=24 means "24h".
_single_reminder = os.environ.get("REMINDER_HOURS_BEFORE")
REMINDER_SCHEDULE = env_list(
    "REMINDER_SCHEDULE", f"{_single_reminder}h" if _single_reminder else "48h,24h,2h"
)
REMINDER_CHANNEL = os.environ.get("REMINDER_CHANNEL", "email")  # email | sms | both
ALLOW_CHANNEL_CHOICE = env_bool("ALLOW_CHANNEL_CHOICE", True)

WAITLIST_ENABLED = env_bool("WAITLIST_ENABLED", True)
WAITLIST_MAX_SIZE = env_int("WAITLIST_MAX_SIZE", 10)  # waiting per organization (or its own)
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

# --- Cross-origin: the embed in city portals (seed 000: CORS_ALLOWED_ORIGINS) ---------------
# Origins listed here (and per organization in the admin) may frame /embed and call /graphql
# from the browser; django-cors-headers asks backend.core.origins.cors_allows per request.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/graphql$"
CORS_ALLOW_CREDENTIALS = False  # the embed is anonymous: no cookies cross origins

# --- Booking policy: deployment defaults (seed 000 names); organizations and services override
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

# --- Municipality shown by load_demo (seed 000 names) ----------------------------------------
MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Stadtverwaltung Musterhausen")
MUNICIPALITY_SHORT = os.environ.get("MUNICIPALITY_SHORT", "Musterhausen")

# --- GraphQL limits (one set of rules for every request) ------------------------------------
GRAPHQL_MAX_DEPTH = env_int("GRAPHQL_MAX_DEPTH", 10)
GRAPHQL_MAX_ALIASES = env_int("GRAPHQL_MAX_ALIASES", 15)
GRAPHQL_MAX_TOKENS = env_int("GRAPHQL_MAX_TOKENS", 2000)
GRAPHQL_MAX_BODY_BYTES = env_int("GRAPHQL_MAX_BODY_BYTES", 100_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = GRAPHQL_MAX_BODY_BYTES

# Personal data never reaches logs: no request bodies are logged anywhere, and the django.request
# logger (which prints request reprs on 500s) only ever sees method and path.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
    },
}

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
