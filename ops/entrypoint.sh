#!/usr/bin/env bash
# The one way to start vorzimmer's processes, in the container (ops/Dockerfile's ENTRYPOINT)
# and on bare metal (ops/systemd/ units call it):
#
#   ops/entrypoint.sh migrate        wait for the database, deployment checks, migrate, first
#                                    admin + Web Push keys, collectstatic (for the proxy);
#                                    run it once per deployment before the web processes
#   ops/entrypoint.sh web            wait for the database, then one ASGI web process on
#                                    WEB_HOST:PORT (manage.py run_web: graceful drain on SIGTERM)
#   ops/entrypoint.sh worker         the Huey consumer (jobs: e-mail, SMS, push, reminders, backups)
#   ops/entrypoint.sh backup         one backup now (manage.py backup; the worker schedules them)
#   ops/entrypoint.sh manage ARGS..  any manage.py command, e.g. `manage pair_device ...`
#
# Settings come from the environment (ops/.env.example; the README's configuration table).
# The script's own: VORZIMMER_APP_DIR (default: the checkout this script is in),
# VORZIMMER_PYTHON (default: the checkout's .venv, else `python` on PATH), WEB_HOST (0.0.0.0),
# PORT (8000), WAIT_FOR_SERVICES_SECONDS (60).
# Every long-running role replaces this shell (exec), so SIGTERM reaches the server itself.
set -euo pipefail

APP_DIR="${VORZIMMER_APP_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
if [ -z "${VORZIMMER_PYTHON:-}" ]; then
    if [ -x "$APP_DIR/.venv/bin/python" ]; then
        VORZIMMER_PYTHON="$APP_DIR/.venv/bin/python"
    else
        VORZIMMER_PYTHON="python"
    fi
fi
PYTHON="$VORZIMMER_PYTHON"
cd "$APP_DIR"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-backend.settings}"
export PYTHONUNBUFFERED=1

usage() {
    echo "usage: $0 web|worker|migrate|backup|manage ARGS..." >&2
    exit 64
}

# The database (and Redis when REDIS_URL is set) may start after us (compose, a reboot):
# wait until both answer, up to WAIT_FOR_SERVICES_SECONDS, instead of crash-looping.
wait_for_services() {
    "$PYTHON" - <<'PY'
import os
import sys
import time

import django

django.setup()
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

deadline = time.monotonic() + float(os.environ.get("WAIT_FOR_SERVICES_SECONDS", "60"))
problem = ""
while True:
    try:
        connection.ensure_connection()
        connection.close()
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
        break
    except Exception as exc:  # any failure to connect: try again until the deadline
        if type(exc).__name__ + str(exc) != problem:
            problem = type(exc).__name__ + str(exc)
            print(f"waiting for the database/Redis: {type(exc).__name__}", file=sys.stderr)
        if time.monotonic() > deadline:
            sys.exit("the database/Redis did not answer in time (WAIT_FOR_SERVICES_SECONDS)")
        time.sleep(1)
PY
}

[ "$#" -ge 1 ] || usage
role="$1"
shift

case "$role" in
    web)
        wait_for_services
        exec "$PYTHON" manage.py run_web --host "${WEB_HOST:-0.0.0.0}" --port "${PORT:-8000}" "$@"
        ;;
    worker)
        wait_for_services
        exec "$PYTHON" manage.py run_huey "$@"
        ;;
    migrate)
        wait_for_services
        # Without DEBUG: refuse unsafe settings before touching the database (ADR 0002).
        "$PYTHON" manage.py check --deploy --fail-level ERROR
        "$PYTHON" manage.py migrate --noinput
        "$PYTHON" manage.py prepare_instance
        # The proxy serves /static/ from STATIC_ROOT (ops/nginx); the app serves it too.
        "$PYTHON" manage.py collectstatic --noinput -v 0
        ;;
    backup)
        wait_for_services
        exec "$PYTHON" manage.py backup "$@"
        ;;
    manage)
        [ "$#" -ge 1 ] || usage
        exec "$PYTHON" manage.py "$@"
        ;;
    *)
        usage
        ;;
esac
