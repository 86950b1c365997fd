from django.core.management.base import BaseCommand, CommandError

from backend.notifications.channels import PermanentError, TransientError
from backend.notifications.channels.push import application_server_key, send_push
from backend.notifications.models import PushSubscription


class Command(BaseCommand):
    help = "Print the VAPID public key; with --subscription, send it a test push."

    def add_arguments(self, parser):
        parser.add_argument("--subscription", type=int, default=None, help="PushSubscription id")

    def handle(self, *args, subscription, **options):
        self.stdout.write(f"VAPID public key: {application_server_key()}")
        if subscription is None:
            return
        target = PushSubscription.objects.filter(pk=subscription).first()
        if target is None:
            raise CommandError("No such subscription.")
        try:
            send_push(target, {"title": "Test", "url": "/"}, ttl=60, urgency="normal")
        except (PermanentError, TransientError) as exc:
            raise CommandError(f"Push failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS("Push sent."))
