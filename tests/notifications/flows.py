"""GraphQL documents and steps the notification tests share, written as a client would."""

from __future__ import annotations

import datetime as dt
import re

from backend.bookings.models import WaitlistEntry
from backend.bookings.services.waitlist import confirmation_token

SUBSCRIBE_PUSH = """
mutation Subscribe($input: PushSubscriptionInput!) {
  subscribePush(input: $input) { subscribed errors { code field } }
}"""

VAPID_PUBLIC_KEY = "query { vapidPublicKey }"

ENTRY_FIELDS = "entry { id status firstDay lastDay offerStart offerLocation offerExpiresAt }"

JOIN_WAITLIST = f"""
mutation Join($input: JoinWaitlistInput!) {{
  joinWaitlist(input: $input) {{ {ENTRY_FIELDS} token errors {{ code field }} }}
}}"""

CONFIRM_OFFER = """
mutation Confirm($input: WaitlistEntryInput!) {
  confirmWaitlistOffer(input: $input) {
    booking { code status start email service { slug } } manageToken errors { code field }
  }
}"""

LEAVE_WAITLIST = f"""
mutation Leave($input: WaitlistEntryInput!) {{
  leaveWaitlist(input: $input) {{ {ENTRY_FIELDS} errors {{ code field }} }}
}}"""

WAITLIST_ENTRY = """
query Entry($entry: ID!, $token: String!) {
  waitlistEntry(entry: $entry, token: $token) { id status offerStart }
}"""

STATS = """
query Stats($location: ID!, $date: Date!) {
  stats(location: $location, date: $date) {
    totalAppointments availableSlots cancellations waitlistCount topService
  }
}"""

# The citizen of the notification tests: messages name her and go to her address, and the
# tests check that neither leaks where it must not.
AYSE = {"name": "Ayşe Yılmaz", "email": "ayse@example.com"}

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def german_date(day: dt.date) -> str:
    """How the German messages write a day: "Montag, 2. März 2026"."""
    return f"{WEEKDAYS[day.weekday()]}, {day.day}. {MONTHS[day.month - 1]} {day.year}"


AP_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct."]
AP_MONTHS += ["Nov.", "Dec."]


def english_date(day: dt.date) -> str:
    """Django's English DATE_FORMAT ("N j, Y", AP-style months): "March 2, 2026"."""
    return f"{AP_MONTHS[day.month - 1]} {day.day}, {day.year}"


CONFIRM_EMAIL = f"""
mutation ConfirmEmail($input: ConfirmWaitlistEmailInput!) {{
  confirmWaitlistEmail(input: $input) {{ {ENTRY_FIELDS} errors {{ code field }} }}
}}"""


def join_waitlist(
    gql, demo, first_day: dt.date, last_day: dt.date, service=None, confirm=True, **extra
):
    """joinWaitlist; with `confirm`, then the e-mail confirmation as its link would do it
    (the double opt-in itself is tested in test_waitlist_optin.py)."""
    variables = {
        "input": {
            "service": str((service or demo.kfz).pk),
            "location": str(demo.rathaus.pk),
            "firstDay": first_day.isoformat(),
            "lastDay": last_day.isoformat(),
            "name": "Wanda Warteliste",
            "email": "wanda@example.com",
            **extra,
        }
    }
    joined = gql.data(JOIN_WAITLIST, variables)["joinWaitlist"]
    if confirm and joined["entry"] is not None:
        entry = WaitlistEntry.objects.get(pk=joined["entry"]["id"])
        confirmed = confirm_email(gql, joined["entry"]["id"], joined["token"], entry)
        assert confirmed["errors"] == [], confirmed["errors"]
        joined["entry"] = confirmed["entry"]
    return joined


def confirm_email(gql, entry_id: str, token: str, entry: WaitlistEntry) -> dict:
    """confirmWaitlistEmail with the secret the confirmation e-mail's link carries."""
    variables = {
        "input": {"entry": entry_id, "token": token, "confirmation": confirmation_token(entry)}
    }
    return gql.data(CONFIRM_EMAIL, variables)["confirmWaitlistEmail"]


OFFER_LINK = re.compile(r"(?P<base>\S+)/waitlist/(?P<entry>[0-9a-f-]{36})#(?P<token>[\w\-]+)")


def offer_link(text: str) -> tuple[str, str]:
    """(entry id, token) from the link in an offer e-mail."""
    [match] = {m.group(0): m for m in OFFER_LINK.finditer(text)}.values()
    return match["entry"], match["token"]


DECLINE_OFFER = f"""
mutation Decline($input: WaitlistEntryInput!) {{
  declineWaitlistOffer(input: $input) {{ {ENTRY_FIELDS} errors {{ code field }} }}
}}"""


def subscribe_push(gql, browser, **subject) -> dict:
    """subscribePush for `browser` (its endpoint and keys) about a booking, ticket or entry."""
    variables = {"input": {**browser.subscription(), **subject}}
    return gql.data(SUBSCRIBE_PUSH, variables)["subscribePush"]


def manage(made: dict) -> dict:
    """The code and token of a booking, as the manage link carries them."""
    return {"code": made["booking"]["code"], "token": made["manageToken"]}
