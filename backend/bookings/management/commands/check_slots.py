import datetime as dt
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError

from backend.bookings.explain import explain_day
from backend.catalog.lookup import find_location

REASONS = {
    "holiday": "public holiday",
    "closure": "location closed",
    "no_opening_hours": "no opening hours on this weekday",
}


class Command(BaseCommand):
    help = (
        "Explain why a location has or lacks slots on a day (hours, closures, holidays, "
        "booking window, capacity)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--location", required=True, help="Slug, short name or name.")
        parser.add_argument("--date", required=True, help="YYYY-MM-DD (local day).")
        parser.add_argument("--organization", default=None, help="Organization slug.")

    def handle(self, *args, location, date, organization, **options):
        place = find_location(location, organization)
        try:
            day = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise CommandError(f"Not a date: {date!r} (use YYYY-MM-DD)") from exc
        report = explain_day(place, day)
        tz = ZoneInfo(report.tz)
        out = self.stdout
        out.write(f"{place.name} on {day:%A %Y-%m-%d} ({report.tz})")
        plan = report.plan
        if plan.closed_because:
            detail = f": {plan.detail}" if plan.detail else ""
            out.write(
                self.style.WARNING(f"Closed — {REASONS[plan.closed_because]}{detail}. No slots.")
            )
            return
        hours = ", ".join(
            f"{a.astimezone(tz):%H:%M}–{b.astimezone(tz):%H:%M}" for a, b in plan.open
        )
        out.write(f"Open: {hours}")
        if not report.services:
            out.write(self.style.WARNING("No active service is offered at this location."))
        for s in report.services:
            line = (
                f"- {s.name} ({s.capacity}): {s.starts} start times; "
                f"{s.too_soon} too soon, {s.beyond_horizon} beyond the horizon, "
                f"{s.full} full, {s.free} free ({s.free_places} places)"
            )
            out.write(self.style.SUCCESS(line) if s.free else self.style.WARNING(line))
