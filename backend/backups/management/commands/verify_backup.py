from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.backups.create import encryption_key
from backend.backups.errors import BackupFailed, VerificationFailed
from backend.backups.verify import verify_backup


class Command(BaseCommand):
    help = (
        "Prove that a backup restores: decrypt and check it, restore it into a scratch "
        "database, compare every table with the manifest, book an appointment there, drop it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options):
        try:
            verify_backup(options["path"], encryption_key(), say=self.stdout.write)
        except (VerificationFailed, BackupFailed) as exc:
            raise CommandError(f"Backup {options['path']} FAILED verification: {exc}") from None
        self.stdout.write(f"Backup {options['path']} verified.")
