from django.core.management.base import BaseCommand

from backend.notifications.retry import retry_failed


class Command(BaseCommand):
    help = "Retry deliveries that failed for now (the jobs also retry by themselves)."

    def add_arguments(self, parser):
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args, verbose, **options):
        results = retry_failed()
        for delivery_id, status in results:
            if verbose:
                self.stdout.write(f"delivery {delivery_id}: {status}")
        self.stdout.write(self.style.SUCCESS(f"{len(results)} deliveries retried."))
