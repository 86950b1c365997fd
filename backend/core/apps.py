from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Cross-cutting pieces: audit log, health check, run commands."""

    name = "backend.core"
    label = "core"

    def ready(self) -> None:
        from corsheaders.signals import check_request_enabled

        from . import checks  # noqa: F401  (registers the production configuration checks)
        from .origins import cors_allows

        check_request_enabled.connect(cors_allows, dispatch_uid="vorzimmer-cors")
