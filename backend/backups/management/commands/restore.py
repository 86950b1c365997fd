from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.backups.create import encryption_key
from backend.backups.errors import BackupFailed, RestoreFailed
from backend.backups.restore import restore_backup


class Command(BaseCommand):
    help = (
        "Replace this installation's data with a backup's. Stop the web and worker processes "
        "first. The archive is checked before anything changes; a safety backup is taken; on "
        "any failure the safety backup is restored and the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options):
        try:
            restore_backup(options["path"], encryption_key(), say=self.stdout.write)
        except (RestoreFailed, BackupFailed) as exc:
            raise CommandError(str(exc)) from None
