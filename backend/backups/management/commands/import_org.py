from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.backups.create import encryption_key
from backend.backups.errors import BackupFailed
from backend.backups.organizations import TransferError, import_organization


class Command(BaseCommand):
    help = (
        "Import an organization exported with export_org, with new ids, all or nothing. "
        "Refused when its slug or one of its user names exists here."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options):
        try:
            slug, counts = import_organization(options["path"], encryption_key())
        except (TransferError, BackupFailed) as exc:
            raise CommandError(f"Import refused, nothing was changed: {exc}") from None
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"Imported organization {slug}.")
