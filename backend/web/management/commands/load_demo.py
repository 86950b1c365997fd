from django.core.management.base import BaseCommand

from backend.accounts.models import StaffMember
from backend.accounts.staff import create_staff
from backend.catalog.demo import load_demo
from backend.catalog.models import Location, Resource, Service
from backend.queue.demo import load_demo_queue

Role = StaffMember.Role


class Command(BaseCommand):
    help = "Load the demo municipality Musterhausen and a demo practice. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--staff-password",
            default=None,
            help="Password for the demo staff logins (default: none usable).",
        )

    def handle(self, *args, staff_password=None, **options):
        org = load_demo()
        rathaus = Location.objects.get(organization=org, slug="rathaus")
        nord = Location.objects.get(organization=org, slug="ba-nord")
        services = {s.slug: s for s in Service.objects.filter(organization=org)}
        demo_staff = [
            ("m.mueller", rathaus, ["personalausweis", "reisepass"], Role.COUNTER_STAFF),
            ("s.yilmaz", rathaus, ["kfz-zulassung", "ummeldung"], Role.COUNTER_STAFF),
            ("k.becker", nord, [], Role.LOCATION_MANAGER),
            ("verwaltung", rathaus, [], Role.ORG_ADMIN),
            ("kasse", rathaus, [], Role.BILLING),
        ]
        for username, location, slugs, role in demo_staff:
            create_staff(
                username,
                f"{username}@musterhausen.de",
                location,
                [services[s] for s in slugs],
                role,
                staff_password,
            )
        practice_doctor = Resource.objects.get(name="Dr. Anna Sommer")
        create_staff(
            "dr.sommer",
            "sommer@praxis-sommer.de",
            practice_doctor.location,
            [],
            Role.DOCTOR,
            staff_password,
            resource=practice_doctor,
        )
        load_demo_queue(org)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded: {org.name} with {org.locations.count()} locations, "
                f"{org.services.count()} services; staff: "
                + ", ".join(u for u, *_ in demo_staff)
                + ", dr.sommer"
            )
        )
