from __future__ import annotations

import datetime

import strawberry

from backend.bookings.models import WaitlistEntry as EntryModel
from backend.bookings.tokens import manage_token
from backend.core.links import manage_link

from ..enums import Language


@strawberry.type(description="A place on the waitlist.")
class WaitlistEntry:
    _model: strawberry.Private[EntryModel]

    @strawberry.field(description="Entry id.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.pk))

    @strawberry.field(
        description="pending (the e-mail address is not confirmed yet), waiting, offered, "
        "booked, missed (an offer ran out), left, or expired (the last day passed, or the "
        "e-mail address was not confirmed in time)."
    )
    def status(self) -> str:
        return self._model.status

    @strawberry.field(description="Service id.")
    def service(self) -> strawberry.ID:
        return strawberry.ID(str(self._model.service_id))

    @strawberry.field(description="Location id, or null for any location.")
    def location(self) -> strawberry.ID | None:
        return strawberry.ID(str(self._model.location_id)) if self._model.location_id else None

    @strawberry.field(description="Earliest acceptable day.")
    def first_day(self) -> datetime.date:
        return self._model.first_day

    @strawberry.field(description="Latest acceptable day.")
    def last_day(self) -> datetime.date:
        return self._model.last_day

    @strawberry.field(description="The offered slot's start, while an offer is open.")
    def offer_start(self) -> datetime.datetime | None:
        return self._model.offer_start if self._model.status == "offered" else None

    @strawberry.field(
        description="The location of the slot offered (or booked, or missed); null while "
        "waiting, also after declining an offer."
    )
    def offer_location(self) -> strawberry.ID | None:
        location_id = self._model.offer_location_id
        if self._model.status in ("pending", "waiting") or not location_id:
            return None
        return strawberry.ID(str(location_id))

    @strawberry.field(description="Until when the offer can be confirmed.")
    def offer_expires_at(self) -> datetime.datetime | None:
        return self._model.offer_expires_at if self._model.status == "offered" else None

    @strawberry.field(description="The citizen's language for pages and messages.")
    def language(self) -> Language:
        return Language(self._model.language)

    @strawberry.field(description="The booking made from an offer, by its code.")
    def booking_code(self) -> str | None:
        return self._model.booking.code if self._model.booking else None

    @strawberry.field(
        description="The manage link of that booking (the entry's link proves it is theirs)."
    )
    def manage_url(self) -> str | None:
        booking = self._model.booking
        if booking is None or not booking.token_salt:
            return None
        return manage_link(booking.code, manage_token(booking.pk, booking.token_salt))
