"""Who may work the queue of a location."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from backend.accounts.actors import Actor
from backend.accounts.permissions import bookings_scope
from backend.catalog.models import Location


def check_staff(actor: Actor, location: Location) -> None:
    """Counter staff, location managers and org admins of the location (guardian: the change
    permission on the location or its organization). Billing and doctors' own-bookings
    permission do not reach the queue."""
    scope = bookings_scope(actor, location, "change")
    if scope is None or scope.children:  # Q() means the whole location
        raise PermissionDenied("You may not work this location's queue.")


def check_staff_view(actor: Actor, location: Location) -> None:
    scope = bookings_scope(actor, location, "view")
    if scope is None or scope.children:
        raise PermissionDenied("You may not see this location's queue.")


def check_kiosk_or_staff(actor: Actor, location: Location) -> None:
    """Drawing tickets and checking in: a kiosk paired to this location, or its staff."""
    device = actor.device
    if device is not None:
        if device.kind != "kiosk" or device.location_id != location.pk:
            raise PermissionDenied("This device may not issue tickets here.")
        return
    check_staff(actor, location)
