from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The kernel every app builds on: errors, actors, events and the audit log,
    transactions, rate limits, the network guard, production checks, health."""

    name = "backend.core"
    label = "core"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the production configuration checks)
        from .metrics import connect_huey
        from .request_id import install_log_record_factory

        install_log_record_factory()
        connect_huey()
