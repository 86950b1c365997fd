from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backend.backups"
    label = "backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
