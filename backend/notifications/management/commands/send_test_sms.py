from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backend.notifications.channels import PermanentError, TransientError
from backend.notifications.channels.sms import send_sms


class Command(BaseCommand):
    help = "Send a test SMS through SMS_PROVIDER."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="E.164, e.g. +4915123456789")

    def handle(self, *args, to, **options):
        try:
            send_sms(to, f"Test von {settings.SMS_SENDER}: SMS funktioniert.")
        except (PermanentError, TransientError) as exc:
            raise CommandError(f"SMS failed ({settings.SMS_PROVIDER}): {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"SMS sent via {settings.SMS_PROVIDER}."))
