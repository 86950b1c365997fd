import secrets

from django.core.management.base import BaseCommand

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.catalog.lookup import find_location, find_services


class Command(BaseCommand):
    help = "Create (or update) a staff login at a location, qualified for some services."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--location", required=True, help="Slug, short name or name.")
        parser.add_argument("--services", default="", help="Comma-separated names or slugs.")
        parser.add_argument(
            "--role",
            default=StaffMember.Role.COUNTER_STAFF,
            choices=[r.value for r in StaffMember.Role if r != StaffMember.Role.INTEGRATION],
        )
        parser.add_argument("--organization", default=None, help="Organization slug.")
        parser.add_argument(
            "--no-password",
            action="store_true",
            help="Do not set a password (e.g. when logins come from SSO).",
        )

    def handle(self, *args, **opts):
        location = find_location(opts["location"], opts["organization"])
        services = find_services(opts["services"], location.organization)
        password = None if opts["no_password"] else secrets.token_urlsafe(12)
        user = create_staff(
            opts["username"], opts["email"], location, services, opts["role"], password
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{user.username}: {opts['role']} at {location.name}"
                + (f", services: {', '.join(s.name for s in services)}" if services else "")
            )
        )
        if password:
            self.stdout.write(f"Initial password (shown once): {password}")
