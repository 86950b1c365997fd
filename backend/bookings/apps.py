from django.apps import AppConfig


class BookingsConfig(AppConfig):
    """Holds, bookings, the capacity claims that make overbooking impossible, the waitlist."""

    name = "backend.bookings"
    label = "bookings"

    def ready(self) -> None:
        from . import event_types  # noqa: F401  (registers the booking and waitlist events)
