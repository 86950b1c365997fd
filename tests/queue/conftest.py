"""Queue tests run at a fixed office hour (a working Monday, 10:00 in Musterhausen)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.test import Client

from backend.accounts.devices import do_pair_device, new_pairing_code
from backend.accounts.models import Device, StaffMember
from backend.accounts.staff import create_staff
from backend.queue.models import ServicePoint
from tests.conftest import BERLIN, GraphQLClient, working_day


@pytest.fixture
def office_hour():
    """Freeze the clock (ticking) at 10:00 on the next working Monday."""
    day = working_day(1)
    with time_machine.travel(dt.datetime.combine(day, dt.time(10), BERLIN), tick=True):
        yield day


@dataclass
class Floor:
    kiosk: GraphQLClient
    clerk: GraphQLClient
    clerk_user: object
    counters: list[ServicePoint]


def kiosk_client(location) -> GraphQLClient:
    device = Device.objects.create(location=location, kind="kiosk", name=f"Kiosk {location}")
    _device, token = do_pair_device(new_pairing_code(device))
    return GraphQLClient(Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"})


def staff_client(user) -> GraphQLClient:
    client = Client()
    client.force_login(user)
    return GraphQLClient(client, {})


@pytest.fixture
def floor(demo, office_hour) -> Floor:
    """Rathaus with a paired kiosk, two counters and a signed-in-able clerk."""
    counters = [
        ServicePoint.objects.create(location=demo.rathaus, name=f"Schalter {n}") for n in (1, 2)
    ]
    clerk = create_staff("clerk", "clerk@x.de", demo.rathaus, [], StaffMember.Role.COUNTER_STAFF)
    return Floor(kiosk_client(demo.rathaus), staff_client(clerk), clerk, counters)
