from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.backups.create import encryption_key
from backend.backups.errors import BackupFailed
from backend.backups.organizations import TransferError, export_organization


class Command(BaseCommand):
    help = (
        "Export one organization (catalog, staff and permissions, devices, bookings, queue) "
        "into an encrypted file for import_org on another installation (same "
        "BACKUP_ENCRYPTION_KEY there while importing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args, **options):
        try:
            counts = export_organization(options["slug"], options["output"], encryption_key())
        except (TransferError, BackupFailed) as exc:
            raise CommandError(str(exc)) from None
        for label, count in counts.items():
            self.stderr.write(f"  {label}: {count}")
        self.stdout.write(str(options["output"]))
