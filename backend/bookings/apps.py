from django.apps import AppConfig


class BookingsConfig(AppConfig):
    """Holds, bookings and the capacity claims that make overbooking impossible."""

    name = "backend.bookings"
    label = "bookings"
