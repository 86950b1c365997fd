from django.core.management.base import BaseCommand, CommandError

from backend.backups.smoke import book_smoke_appointment
from backend.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Book one appointment through the booking service (run by verify_backup on its "
        "scratch database; never run it on the live database)."
    )

    def handle(self, *args, **options):
        try:
            code = book_smoke_appointment()
        except (DomainError, LookupError) as exc:
            raise CommandError(f"Smoke booking failed: {exc}") from None
        if code is None:
            self.stdout.write("Smoke booking skipped: no active service to book.")
        else:
            self.stdout.write(f"Smoke booking through the booking service: OK ({code}).")
