from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import strawberry

from backend.bookings.ics import booking_ics
from backend.bookings.models import Booking as BookingModel
from backend.bookings.models import Hold as HoldModel
from backend.bookings.policy import policy_for
from backend.core.qr import qr_svg

from ..args import InLanguage
from ..enums import BookingSource, BookingStatus, Language, NotificationChannel
from .catalog import Location, Service


def _local(moment: datetime.datetime, location) -> datetime.datetime:
    return moment.astimezone(ZoneInfo(location.timezone_name))


@strawberry.type(description="A staff member, room or device a booking is assigned to.")
class AssignedResource:
    id: strawberry.ID = strawberry.field(description="Stable identifier.")
    name: str = strawberry.field(description="Display name.")


@strawberry.type(description="An appointment.")
class Booking:
    _model: strawberry.Private[BookingModel]

    @strawberry.field(description="Stable identifier (staff and integrations use it).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.pk))

    @strawberry.field(description="Short code the citizen reads out or types, e.g. K7M-4QX.")
    def code(self) -> str:
        return self._model.code

    @strawberry.field(description="Where the booking is in its life.")
    def status(self) -> BookingStatus:
        return BookingStatus(self._model.status)

    @strawberry.field(description="Start, in the location's time zone.")
    def start(self) -> datetime.datetime:
        return _local(self._model.starts_at, self._model.location)

    @strawberry.field(description="End, in the location's time zone.")
    def end(self) -> datetime.datetime:
        return _local(self._model.ends_at, self._model.location)

    @strawberry.field(description="The booked service.")
    def service(self) -> Service:
        return self._model.service

    @strawberry.field(description="The location.")
    def location(self) -> Location:
        return self._model.location

    @strawberry.field(description="The citizen's name.")
    def name(self) -> str:
        return self._model.name

    @strawberry.field(description="The citizen's email address.")
    def email(self) -> str:
        return self._model.email

    @strawberry.field(description="The citizen's phone number in E.164, or null.")
    def phone(self) -> str | None:
        return self._model.phone or None

    @strawberry.field(description="Language for messages to the citizen.")
    def language(self) -> Language:
        return Language(self._model.language)

    @strawberry.field(description="How the citizen wants to be notified.")
    def channel(self) -> NotificationChannel:
        return NotificationChannel(self._model.channel)

    @strawberry.field(description="Where the booking was made.")
    def source(self) -> BookingSource:
        return BookingSource(self._model.source)

    @strawberry.field(description="The staff member assigned (resource-based services).")
    def assigned_staff(self) -> AssignedResource | None:
        staff = self._model.assigned_staff
        return AssignedResource(id=strawberry.ID(str(staff.pk)), name=staff.name) if staff else None

    @strawberry.field(description="Until when the citizen may cancel or reschedule.")
    def change_deadline(self) -> datetime.datetime:
        deadline = self._model.starts_at - policy_for(self._model.service).cancellation_deadline
        return _local(deadline, self._model.location)

    @strawberry.field(description="When the booking was made.")
    def created_at(self) -> datetime.datetime:
        return self._model.created_at

    @strawberry.field(
        description="The appointment as an iCalendar file (text/calendar), for 'add to calendar'."
    )
    def ics(self, language: InLanguage = None) -> str:
        return booking_ics(self._model, language.value if language else None)

    @strawberry.field(description="SVG QR code of the booking code, to check in at the kiosk.")
    def qr_svg(self) -> str:
        return qr_svg(self._model.code)


@strawberry.type(description="A slot reserved for a few minutes while the citizen types.")
class Hold:
    _model: strawberry.Private[HoldModel]

    @strawberry.field(description="Pass this to bookAppointment; it is the hold's only key.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.pk))

    @strawberry.field(description="Start of the held slot, in the location's time zone.")
    def start(self) -> datetime.datetime:
        return _local(self._model.starts_at, self._model.location)

    @strawberry.field(description="End of the held slot.")
    def end(self) -> datetime.datetime:
        return _local(self._model.ends_at, self._model.location)

    @strawberry.field(description="When the hold runs out and the slot is free again.")
    def expires_at(self) -> datetime.datetime:
        return self._model.expires_at

    @strawberry.field(
        description="Seconds until then, by the server's clock (for countdowns "
        "on devices whose clock is off)."
    )
    def expires_in_seconds(self) -> int:
        from django.utils import timezone

        return max(0, int((self._model.expires_at - timezone.now()).total_seconds()))


@strawberry.type(description="One page of bookings.")
class BookingPage:
    items: list[Booking] = strawberry.field(description="The bookings on this page.")
    total_count: int = strawberry.field(description="Bookings matching, on all pages.")
    offset: int = strawberry.field(description="Index of the first item.")
    limit: int = strawberry.field(description="Page size asked for.")
    has_next_page: bool = strawberry.field(description="Whether more items follow.")
