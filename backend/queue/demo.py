"""Counters for the demo offices and treatment rooms for the demo practice. Idempotent."""

from backend.catalog.models import Location, Organization

from .models import ServicePoint

COUNTERS = {
    "rathaus": ["Schalter 1", "Schalter 2", "Schalter 3", "Schalter 4"],
    "ba-nord": ["Schalter 1", "Schalter 2"],
    "praxis": ["Sprechzimmer 1", "Sprechzimmer 2"],
}


def load_demo_queue(org: Organization) -> None:
    for location in Location.objects.filter(slug__in=COUNTERS):
        kind = ServicePoint.Kind.ROOM if location.slug == "praxis" else ServicePoint.Kind.COUNTER
        for name in COUNTERS[location.slug]:
            ServicePoint.objects.get_or_create(
                location=location, name=name, defaults={"kind": kind}
            )
