from django.core.management.base import BaseCommand

from backend.catalog.lookup import find_location
from backend.queue.devices import new_pairing_code
from backend.queue.models import Device


class Command(BaseCommand):
    help = "Create (or reuse) a kiosk or display for a location and print a pairing code."

    def add_arguments(self, parser):
        parser.add_argument("--location", required=True, help="Slug, short name or name.")
        parser.add_argument("--kind", choices=["kiosk", "display"], default="kiosk")
        parser.add_argument("--name", default=None)
        parser.add_argument("--organization", default=None)

    def handle(self, *args, location, kind, name, organization, **options):
        place = find_location(location, organization)
        name = (
            name or f"{'Kiosk' if kind == 'kiosk' else 'Anzeige'} {place.short_name or place.name}"
        )
        device, _ = Device.objects.get_or_create(location=place, kind=kind, name=name)
        code = new_pairing_code(device)
        self.stdout.write(
            f"{device.name}: open /kiosk and enter the pairing code {code} (valid 15 minutes)."
        )
