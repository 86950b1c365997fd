"""The slot engine: pure functions on time intervals. No ORM, no settings, no clock.

Callers (backend/bookings/availability.py) load plain data from the database, pass "now" in,
and get slots back, so every rule here is testable with hypothesis in microseconds.
"""
