"""Expected failures of every domain (bookings, the live queue, sign-in, devices,
notifications): one list of codes, which the schema exposes as the GraphQL enum ErrorCode
(ops/adr/0013-one-error-enum.md)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    SLOT_TAKEN = "SLOT_TAKEN"
    BUSY = "BUSY"
    SLOT_UNAVAILABLE = "SLOT_UNAVAILABLE"
    OUTSIDE_BOOKING_WINDOW = "OUTSIDE_BOOKING_WINDOW"
    DEADLINE_PASSED = "DEADLINE_PASSED"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    HOLD_NOT_FOUND = "HOLD_NOT_FOUND"
    NOT_FOUND = "NOT_FOUND"
    SERVICE_NOT_OFFERED = "SERVICE_NOT_OFFERED"
    BOOKING_NOT_ACTIVE = "BOOKING_NOT_ACTIVE"
    SAME_SLOT = "SAME_SLOT"
    INVALID_TIME = "INVALID_TIME"
    INVALID_NAME = "INVALID_NAME"
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    PHONE_REQUIRED = "PHONE_REQUIRED"
    CHANNEL_UNAVAILABLE = "CHANNEL_UNAVAILABLE"
    HOLD_EXTENSION_LIMIT = "HOLD_EXTENSION_LIMIT"
    INVALID_IDEMPOTENCY_KEY = "INVALID_IDEMPOTENCY_KEY"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_DATE_RANGE = "INVALID_DATE_RANGE"
    RANGE_TOO_LARGE = "RANGE_TOO_LARGE"
    # The live queue (backend/queue)
    QUOTA_REACHED = "QUOTA_REACHED"
    LOCATION_CLOSED = "LOCATION_CLOSED"
    QUEUE_EMPTY = "QUEUE_EMPTY"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    TOO_EARLY = "TOO_EARLY"
    TOO_LATE = "TOO_LATE"
    ALREADY_CHECKED_IN = "ALREADY_CHECKED_IN"
    WRONG_LOCATION = "WRONG_LOCATION"
    NOT_SIGNED_IN = "NOT_SIGNED_IN"
    NOT_SERVED_HERE = "NOT_SERVED_HERE"  # that counter does not handle the ticket's service
    PAIRING_INVALID = "PAIRING_INVALID"
    WRONG_PIN = "WRONG_PIN"
    PIN_LOCKED = "PIN_LOCKED"
    KIOSK_PIN_NOT_SET = "KIOSK_PIN_NOT_SET"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    WAITLIST_DISABLED = "WAITLIST_DISABLED"
    WAITLIST_FULL = "WAITLIST_FULL"
    ALREADY_ON_WAITLIST = "ALREADY_ON_WAITLIST"
    OFFER_EXPIRED = "OFFER_EXPIRED"
    INVALID_PUSH_ENDPOINT = "INVALID_PUSH_ENDPOINT"  # not https on a public host
    # Anti-abuse: rate limits, hold ownership, per-person caps (backend/core/ratelimit.py)
    RATE_LIMITED = "RATE_LIMITED"  # too many attempts; retry after retryAfterSeconds
    # Staff sign-in and sessions (backend/accounts)
    LOGIN_LOCKED = "LOGIN_LOCKED"  # too many failed sign-ins for this name or address
    PASSWORD_REJECTED = "PASSWORD_REJECTED"  # the new password fails the password validators
    RESET_LINK_INVALID = "RESET_LINK_INVALID"  # wrong, used or expired password-reset link
    # Proof of work for anonymous holds, bookings and waitlist joins (proof_of_work.py)
    PROOF_REQUIRED = "PROOF_REQUIRED"
    PROOF_INVALID = "PROOF_INVALID"  # wrong, expired, replayed or too easy for this network
    TOO_MANY_HOLDS = "TOO_MANY_HOLDS"  # live holds per client/network (HOLD_MAX_LIVE_*)
    TOO_MANY_BOOKINGS = "TOO_MANY_BOOKINGS"  # open bookings per e-mail/phone and service
    SMS_COUNTRY_NOT_ALLOWED = "SMS_COUNTRY_NOT_ALLOWED"  # not in SMS_ALLOWED_COUNTRY_CODES
    # Waitlist anti-abuse (double opt-in)
    CONFIRMATION_EXPIRED = "CONFIRMATION_EXPIRED"  # the e-mail confirmation link ran out


class DomainError(Exception):
    """A business rule said no. Nothing was changed."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class DomainErrors(DomainError):
    """Several input problems at once (e.g. bad email and bad phone), reported together."""

    def __init__(self, errors: list[DomainError]):
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = errors
