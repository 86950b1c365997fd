from __future__ import annotations

import datetime

import strawberry

from ..enums import BookingSource, Language, NotificationChannel


@strawberry.input(description="Which slot to hold.")
class HoldSlotInput:
    service: strawberry.ID = strawberry.field(description="Service id.")
    location: strawberry.ID = strawberry.field(description="Location id.")
    start: datetime.datetime = strawberry.field(description="Slot start with its UTC offset.")
    proof: str | None = strawberry.field(
        default=None,
        description="A solved proofOfWorkChallenge (purpose HOLD_SLOT); anonymous callers only.",
    )


@strawberry.input(description="Which hold to give back.")
class ReleaseHoldInput:
    hold: strawberry.ID = strawberry.field(description="The hold's id.")
    secret: str | None = strawberry.field(
        default=None,
        description="The holdSecret from holdSlot; without the right one HOLD_NOT_FOUND.",
    )


@strawberry.input(description="Book from a hold, or directly by service, location and start.")
class BookAppointmentInput:
    name: str = strawberry.field(description="The citizen's name.")
    email: str = strawberry.field(description="Email address for the confirmation.")
    phone: str | None = strawberry.field(default=None, description="Phone (needed for SMS).")
    language: Language | None = strawberry.field(
        default=None, description="Language for messages (default: de)."
    )
    channel: NotificationChannel | None = strawberry.field(
        default=None, description="Preferred notification channel (default: email)."
    )
    hold: strawberry.ID | None = strawberry.field(
        default=None, description="A hold from holdSlot; then service/location/start are ignored."
    )
    hold_secret: str | None = strawberry.field(
        default=None,
        description="With `hold`: the holdSecret from holdSlot; without the right one "
        "HOLD_NOT_FOUND.",
    )
    service: strawberry.ID | None = strawberry.field(default=None, description="Service id.")
    location: strawberry.ID | None = strawberry.field(default=None, description="Location id.")
    start: datetime.datetime | None = strawberry.field(
        default=None, description="Slot start with its UTC offset."
    )
    source: BookingSource | None = strawberry.field(
        default=None, description="Where the citizen booked (web, embed, kiosk)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A unique key per booking attempt (e.g. a UUID). Retrying with the same key "
        "returns the first result instead of booking twice. Keys are scoped to the caller (the "
        "API token, the staff user, or for citizens the hold's secret): the same key "
        "from another caller is a new request.",
    )
    proof: str | None = strawberry.field(
        default=None,
        description="A solved proofOfWorkChallenge (purpose BOOK_APPOINTMENT); anonymous "
        "callers only.",
    )


@strawberry.input(description="A booking, identified by its code and secret token.")
class ManageBookingInput:
    code: str = strawberry.field(description="The booking code, e.g. K7M-4QX.")
    token: str = strawberry.field(description="The secret token from the manage link.")


@strawberry.input(description="Move a booking to another start time.")
class RescheduleBookingInput:
    code: str = strawberry.field(description="The booking code.")
    token: str = strawberry.field(description="The secret token from the manage link.")
    new_start: datetime.datetime = strawberry.field(description="New start with UTC offset.")


@strawberry.input(description="Cancel a booking as staff.")
class StaffCancelBookingInput:
    booking: strawberry.ID = strawberry.field(description="The booking's id.")
    reason: str = strawberry.field(default="", description="Why (kept in the audit log).")
