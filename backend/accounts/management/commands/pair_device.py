from django.core.management.base import BaseCommand

from backend.accounts.devices import PAIRING_VALID_FOR, new_pairing_code
from backend.accounts.models import Device
from backend.catalog.lookup import find_location
from backend.core.links import display_link, display_pairing_link, kiosk_link


class Command(BaseCommand):
    help = (
        "Create (or reuse) a kiosk or call display for a location and print a pairing code. "
        "Kiosks must be paired. Displays need not be (the board is public: "
        "/display/queue?location=<slug> works as is); pairing one only lets its address "
        "leave out the location and lets an admin see and revoke it."
    )

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
        minutes = int(PAIRING_VALID_FOR.total_seconds() // 60)
        if kind == Device.Kind.DISPLAY:
            self.stdout.write(
                f"{device.name}: open {display_pairing_link(code)} on the TV once "
                f"(valid {minutes} minutes); it keeps its token and its location. "
                f"Without pairing, {display_link(place.slug)} works too."
            )
        else:
            self.stdout.write(
                f"{device.name}: open {kiosk_link()} and enter the pairing code {code} "
                f"(valid {minutes} minutes)."
            )
