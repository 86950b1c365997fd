"""Set up and start everything: migrate, the first admin login, the Huey consumer, and daphne
on http://127.0.0.1:8000.

With DEBUG (`make run`) it also loads the demo and prints the passwords, once. Without DEBUG
it is a production start: the deployment checks must pass (backend/core/checks.py), no demo
accounts are created and no password reaches the terminal or the log: the first admin's
password comes from ADMIN_PASSWORD or is written to var/admin_password (mode 0600)."""

import secrets
import signal
import subprocess
import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from backend.catalog.models import Organization
from backend.core.first_admin import check_admin_password, create_first_admin
from backend.notifications.channels.push import ensure_vapid_keys


class Command(BaseCommand):
    help = (
        "Migrate, create the first admin, then run daphne and the Huey consumer; with DEBUG "
        "also load the demo on first start."
    )
    # Checked in handle(), with the deployment checks when DEBUG is off.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not load demo data (only DEBUG loads it)."
        )
        parser.add_argument("--no-jobs", action="store_true", help="Do not start Huey.")

    def handle(self, *args, host, port, no_demo, no_jobs, **options):
        self.check(include_deployment_checks=not settings.DEBUG)
        try:
            with translation.override("en"):  # as the rest of this console output
                check_admin_password()
        except ValidationError as exc:
            raise CommandError(f"ADMIN_PASSWORD: {' '.join(exc.messages)}") from exc
        call_command("migrate", interactive=False, verbosity=0)
        # Web Push keys on first start, before the server and the job consumer may both need
        # them (VAPID_KEY_FILE, outside the repository, mode 0600).
        ensure_vapid_keys()
        admin = create_first_admin()
        lines = [admin] if admin else []
        if settings.DEBUG and not no_demo and not Organization.objects.exists():
            staff_password = secrets.token_urlsafe(9)
            call_command("load_demo", staff_password=staff_password, verbosity=0)
            lines.append(
                f"Demo staff (m.mueller, k.becker, verwaltung, kasse, dr.sommer) "
                f"password (shown once): {staff_password}"
            )
        lines += [
            f"GraphQL:  http://{host}:{port}/graphql",
            f"Admin:    http://{host}:{port}/admin/",
            f"Health:   http://{host}:{port}/api/health",
        ]
        width = max(len(line) for line in lines) + 4
        self.stdout.write("\n".join(["=" * width, *(f"  {line}" for line in lines), "=" * width]))
        self.stdout.flush()
        children = []
        if not no_jobs:
            children.append(subprocess.Popen([sys.executable, "manage.py", "run_huey"]))
        server = subprocess.Popen(
            [sys.executable, "manage.py", "run_web", "--host", host, "--port", str(port)]
        )
        children.append(server)

        def stop(signum, frame):
            for child in children:
                child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        code = server.wait()
        stop(None, None)
        for child in children:
            # run_web drains for up to the grace; Huey finishes its running jobs.
            child.wait(timeout=settings.WEB_SHUTDOWN_GRACE_SECONDS + 10)
        sys.exit(code)
