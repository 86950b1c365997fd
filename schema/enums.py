from enum import Enum

import strawberry

from backend.bookings.models import Booking


@strawberry.enum(description="Languages the citizen pages and messages are offered in.")
class Language(Enum):
    DE = "de"
    EN = "en"
    TR = "tr"
    AR = "ar"
    UK = "uk"


@strawberry.enum(description="How the citizen wants to be notified.")
class NotificationChannel(Enum):
    EMAIL = Booking.Channel.EMAIL.value
    SMS = Booking.Channel.SMS.value
    PUSH = Booking.Channel.PUSH.value
    NONE = Booking.Channel.NONE.value


@strawberry.enum(description="Where a booking was made.")
class BookingSource(Enum):
    WEB = Booking.Source.WEB.value
    EMBED = Booking.Source.EMBED.value
    KIOSK = Booking.Source.KIOSK.value
    STAFF = Booking.Source.STAFF.value
    API = Booking.Source.API.value


@strawberry.enum(description="Where a booking is in its life.")
class BookingStatus(Enum):
    CONFIRMED = Booking.Status.CONFIRMED.value
    CHECKED_IN = Booking.Status.CHECKED_IN.value
    CALLED = Booking.Status.CALLED.value
    IN_SERVICE = Booking.Status.IN_SERVICE.value
    COMPLETED = Booking.Status.COMPLETED.value
    CANCELLED = Booking.Status.CANCELLED.value
    NO_SHOW = Booking.Status.NO_SHOW.value


@strawberry.enum(description="What kind of resource a service needs.")
class ResourceKind(Enum):
    STAFF = "staff"
    ROOM = "room"
    DEVICE = "device"


@strawberry.enum(
    description="Where a queue ticket is: waiting -> called -> serving -> done, "
    "or no-show / transferred / cancelled / parked."
)
class TicketStatusCode(Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    PARKED = "parked"


@strawberry.enum(description="How a ticket entered the queue.")
class TicketSource(Enum):
    WALK_IN = "walk_in"
    BOOKING = "booking"
