from django.conf import settings
from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Open (and close) a connection to the configured SMTP server."

    def handle(self, *args, **options):
        if not settings.SMTP_HOST:
            self.stdout.write("SMTP_HOST is not set: mail goes to the console.")
            return
        try:
            connection = get_connection()
            connection.open()
            connection.close()
        except Exception as exc:
            raise CommandError(
                f"SMTP {settings.SMTP_HOST}:{settings.EMAIL_PORT} failed: {exc}"
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"SMTP {settings.SMTP_HOST} answers."))
