from django.core.management.base import BaseCommand

from backend.accounts.api_tokens import issue_api_token
from backend.catalog.lookup import find_organization


class Command(BaseCommand):
    help = "Issue an API token for an integration; the secret is printed once."

    def add_arguments(self, parser):
        parser.add_argument("--organization", required=True, help="Organization slug.")
        parser.add_argument("--name", required=True, help="What the token is for.")

    def handle(self, *args, organization, name, **options):
        token, secret = issue_api_token(find_organization(organization), name)
        self.stdout.write(self.style.SUCCESS(f"Token {token.name!r} ({token.prefix}…) issued."))
        self.stdout.write(f"Authorization: Bearer {secret}")
