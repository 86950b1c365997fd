"""The language a booking's messages go out in, changed from the manage link."""

from __future__ import annotations

from backend.core.actors import Actor
from backend.core.errors import DomainError, ErrorCode
from backend.core.events import record
from backend.core.transactions import write_transaction

from ..contact import LANGUAGES
from ..event_types import BookingLanguageChanged
from ..models import Booking
from .manage import access_booking


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise DomainError(ErrorCode.INVALID_LANGUAGE, "This language is not offered.", "language")
    return language


def do_set_booking_language(code: str, token: str, language: str, actor: Actor) -> Booking:
    """Later reminders, changes and cancellations go out in `language`. Any status: a
    cancelled booking simply gets no more messages. Unchanged language: nothing is written."""
    check_language(language)
    with write_transaction():
        booking = access_booking(code, token, for_update=True)
        if booking.language != language:
            previous = booking.language
            booking.language = language
            booking.save(update_fields=["language", "updated_at"])
            record(BookingLanguageChanged, actor, booking, previous=previous, language=language)
    return booking
