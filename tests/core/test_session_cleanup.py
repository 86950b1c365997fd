"""Expired sessions are deleted by a periodic job; live ones stay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from backend.core import tasks

pytestmark = pytest.mark.django_db


def test_the_job_deletes_expired_sessions_and_keeps_live_ones():
    now = timezone.now()
    Session.objects.create(
        session_key="e" * 32, session_data="", expire_date=now - dt.timedelta(seconds=1)
    )
    Session.objects.create(
        session_key="l" * 32, session_data="", expire_date=now + dt.timedelta(hours=1)
    )

    tasks.purge_expired_sessions.call_local()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["l" * 32]
