"""Run one production web process: the ASGI server with a graceful drain on SIGTERM
(backend/web/server.py). What the container entrypoint, the systemd units and `serve` start."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Run the ASGI web server (HTTP and WebSockets); SIGTERM drains it gracefully."
    # backend.asgi refuses an unsafe production configuration itself (backend/core/checks.py).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--application",
            default="backend.asgi.application",
            help="Dotted path of the ASGI application (tests wrap the production one).",
        )

    def handle(self, *args, host, port, application, **options):
        from backend.web.server import run  # installs Twisted's reactor: only when serving

        run(
            import_string(application),
            host=host,
            port=port,
            grace=settings.WEB_SHUTDOWN_GRACE_SECONDS,
        )
