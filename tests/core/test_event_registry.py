"""The event pipeline itself: typed facts, the audit row, delivery only after commit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import transaction

from backend.bookings.event_types import BookingCancelled, BookingRescheduled
from backend.core.actors import SYSTEM
from backend.core.events import Ref, event_types, record, subscribe, unsubscribe
from backend.core.models import AuditLog


def test_every_event_type_is_named_described_and_holds_only_plain_facts():
    kinds = event_types()
    assert len({kind.name for kind in kinds}) == len(kinds)
    for kind in kinds:
        assert kind.name.count(".") == 1 and kind.name == kind.name.lower(), kind.name
        assert kind.description.strip(), kind.name


@pytest.mark.django_db
def test_facts_that_do_not_fit_the_payload_are_refused_and_nothing_is_written():
    subject = Ref("booking", uuid.uuid4())
    with pytest.raises(TypeError):
        record(BookingCancelled, SYSTEM, subject, by="staff")  # reason missing
    with pytest.raises(TypeError):
        record(BookingCancelled, SYSTEM, subject, by="staff", reason="", phone="+49 30 1")
    with pytest.raises(TypeError, match="reason"):
        record(BookingCancelled, SYSTEM, subject, by="staff", reason=12)
    with pytest.raises(TypeError, match="needs a subject"):
        record(BookingCancelled, SYSTEM, None, by="staff", reason="")
    assert not AuditLog.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_audited_event_writes_its_row_with_the_facts_and_reaches_subscribers_after_commit():
    seen = []
    subscribe(BookingRescheduled, seen.append)
    booking_id = uuid.uuid4()
    old = dt.datetime(2026, 12, 8, 9, 0, tzinfo=dt.UTC)
    try:
        with transaction.atomic():
            record(
                BookingRescheduled,
                SYSTEM,
                Ref("booking", booking_id),
                old_start=old,
                new_start=old + dt.timedelta(hours=1),
            )
            assert seen == []  # not before commit
        (event,) = seen
        assert (event.subject_type, event.subject_id) == ("booking", booking_id)
        assert event.facts.old_start == old
        entry = AuditLog.objects.get()
        assert (entry.action, entry.object_id, entry.actor_kind) == (
            "booking.rescheduled",
            str(booking_id),
            "system",
        )
        assert entry.data == {
            "old_start": old.isoformat(),
            "new_start": "2026-12-08T10:00:00+00:00",
        }

        with pytest.raises(RuntimeError), transaction.atomic():
            record(
                BookingRescheduled, SYSTEM, Ref("booking", booking_id), old_start=old, new_start=old
            )
            raise RuntimeError("the use case fails after recording")
        assert len(seen) == 1 and AuditLog.objects.count() == 1  # rolled back: no delivery
    finally:
        unsubscribe(BookingRescheduled, seen.append)
