from django.core.management.base import BaseCommand, CommandError

from backend.notifications.test_messages import TEMPLATES, send_test_email


class Command(BaseCommand):
    help = "Send a sample of one e-mail template to an address."

    def add_arguments(self, parser):
        parser.add_argument("--template", required=True, choices=TEMPLATES)
        parser.add_argument("--to", required=True)
        parser.add_argument("--language", default="de", choices=["de", "en", "tr", "ar", "uk"])

    def handle(self, *args, template, to, language, **options):
        try:
            send_test_email(template, to, language)
        except Exception as exc:
            raise CommandError(f"Sending failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"{template} ({language}) sent."))
