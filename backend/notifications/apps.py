from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mail, SMS and Web Push to citizens; reminders, the waitlist, reports, retention."""

    name = "backend.notifications"
    label = "notifications"

    def ready(self) -> None:
        from . import checks, reactions  # noqa: F401  (checks registers itself)

        reactions.connect()
