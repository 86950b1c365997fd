from django.core.management.base import BaseCommand, CommandError

from backend.backups.create import backup_dir, create_backup
from backend.backups.errors import BackupFailed
from backend.backups.rotation import rotate


class Command(BaseCommand):
    help = (
        "Back up the database, uploaded files and non-secret configuration into one "
        "encrypted archive in BACKUP_DIR (key: BACKUP_ENCRYPTION_KEY); print its path. "
        "Older backups are rotated (BACKUP_KEEP_DAILY / _WEEKLY / _MONTHLY)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-rotate", action="store_true", help="keep every old backup")

    def handle(self, *args, **options):
        try:
            path = create_backup()
        except BackupFailed as exc:
            raise CommandError(str(exc)) from None
        if not options["no_rotate"]:
            for removed in rotate(backup_dir()):
                self.stderr.write(f"Rotated away: {removed.name}")
        self.stdout.write(str(path))
