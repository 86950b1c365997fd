"""Booking use cases: the only code that changes bookings, holds and claims."""
