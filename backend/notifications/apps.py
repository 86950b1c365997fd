from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mail, SMS and Web Push to citizens; reminders, the waitlist's messages, reports,
    retention."""

    name = "backend.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import checks, event_types, reactions  # noqa: F401  (they register themselves)

        reactions.connect()
