"""What-if settings for `booking.py --conn-max-age-0`: the project's settings, but database
connections are closed at the end of every request (CONN_MAX_AGE = 0).

Why: under daphne, Django runs each request's sync code in a fresh thread
(asgiref.ThreadSensitiveContext), so a persistent connection (CONN_MAX_AGE = 60 in
backend/settings.py) is never reused. It stays open in the finished thread until Python's
garbage collector frees it, and under load PostgreSQL runs out of connections ("sorry, too many
clients already"). Django's documentation advises disabling persistent connections under ASGI.
This module exists only so the benchmark can show the effect without changing the product.
"""

from backend.settings import *  # noqa: F403
from backend.settings import DATABASES

DATABASES["default"]["CONN_MAX_AGE"] = 0
