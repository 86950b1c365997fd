"""What a production installation needs once its database is migrated, as `serve` does it after
migrate: the Web Push keys (VAPID_KEY_FILE) and the first admin. Idempotent: run it at every
deployment (`ops/entrypoint.sh migrate` does, before any web process starts, so two web
processes never race to create them).

The first admin's password comes from ADMIN_PASSWORD or is written to var/admin_password
(mode 0600); it never reaches the terminal without DEBUG (backend/core/first_admin.py)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from backend.core.first_admin import check_admin_password, create_first_admin
from backend.notifications.channels.push import ensure_vapid_keys


class Command(BaseCommand):
    help = "Create the Web Push keys and the first admin unless they exist (after migrate)."

    def handle(self, *args, **options):
        try:
            with translation.override("en"):  # as the rest of this console output
                check_admin_password()
        except ValidationError as exc:
            raise CommandError(f"ADMIN_PASSWORD: {' '.join(exc.messages)}") from exc
        ensure_vapid_keys()
        line = create_first_admin()
        self.stdout.write(line or "Admin: a superuser exists already")
