"""Holds expire by themselves; the periodic job only tidies up and is safe to run twice."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from backend.bookings.models import Claim, Hold
from backend.bookings.tasks import purge_expired_holds
from tests.conftest import at, working_day
from tests.documents import HOLD_SLOT

pytestmark = pytest.mark.django_db


def hold(gql, demo, hour):
    return gql.data(
        HOLD_SLOT,
        {
            "input": {
                "service": str(demo.kfz.pk),
                "location": str(demo.rathaus.pk),
                "start": at(working_day(), hour),
            }
        },
    )["holdSlot"]["hold"]


def test_the_job_deletes_expired_holds_and_their_claims_only(gql, demo):
    stale, fresh = hold(gql, demo, 9), hold(gql, demo, 10)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    Hold.objects.filter(pk=stale["id"]).update(expires_at=past)
    Claim.objects.filter(hold_id=stale["id"]).update(expires_at=past)

    assert purge_expired_holds.call_local() == 1
    assert purge_expired_holds.call_local() == 0
    assert list(Hold.objects.values_list("id", flat=True)) == [uuid.UUID(fresh["id"])]
    assert Claim.objects.filter(hold_id=fresh["id"]).count() == 1


def test_a_hold_lasts_the_organizations_hold_time(gql, demo):
    demo.org.hold_minutes = 3
    demo.org.save()
    before = dt.datetime.now(dt.UTC)
    expires = dt.datetime.fromisoformat(hold(gql, demo, 11)["expiresAt"])
    assert dt.timedelta(minutes=3) <= expires - before < dt.timedelta(minutes=3, seconds=5)
