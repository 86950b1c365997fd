"""Set up and start everything for the embedded default: migrate, demo data, an admin login
(printed once), the Huey consumer, and daphne on http://127.0.0.1:8000."""

import secrets
import signal
import subprocess
import sys

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from backend.catalog.models import Organization
from backend.notifications.channels.push import ensure_vapid_keys


class Command(BaseCommand):
    help = "Migrate, load the demo on first start, then run daphne and the Huey consumer."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")
        parser.add_argument("--no-jobs", action="store_true", help="Do not start Huey.")

    def handle(self, *args, host, port, no_demo, no_jobs, **options):
        call_command("migrate", interactive=False, verbosity=0)
        # Web Push keys on first start, before the server and the job consumer may both need
        # them (VAPID_KEY_FILE, outside the repository, mode 0600).
        ensure_vapid_keys()
        first_start = not get_user_model().objects.filter(is_superuser=True).exists()
        lines = []
        if first_start:
            password = secrets.token_urlsafe(12)
            get_user_model().objects.create_superuser("admin", "admin@localhost", password)
            lines.append(f"Admin login (shown once): admin / {password}")
        if not no_demo and not Organization.objects.exists():
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
        children = []
        if not no_jobs:
            children.append(subprocess.Popen([sys.executable, "manage.py", "run_huey"]))
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                host,
                "-p",
                str(port),
                "backend.asgi:application",
            ]
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
            child.wait(timeout=10)
        sys.exit(code)
