"""The Django admin pages an office admin uses open without errors."""

import pytest
from django.urls import reverse

from backend.bookings.models import Booking

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    [
        "catalog.organization",
        "catalog.location",
        "catalog.service",
        "catalog.resource",
        "bookings.booking",
        "accounts.apitoken",
        "accounts.staffmember",
        "core.auditlog",
    ],
)
def test_admin_changelists_render(admin_client, demo, model):
    app, name = model.split(".")
    assert admin_client.get(reverse(f"admin:{app}_{name}_changelist")).status_code == 200


def test_admin_location_page_edits_hours_and_closures_inline(admin_client, demo):
    page = admin_client.get(reverse("admin:catalog_location_change", args=[demo.rathaus.pk]))
    assert page.status_code == 200
    assert b"opening_hours-TOTAL_FORMS" in page.content
    assert b"closures-TOTAL_FORMS" in page.content


def test_bookings_cannot_be_edited_in_the_admin(admin_client, demo):
    assert admin_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    assert Booking.objects.count() == 0
