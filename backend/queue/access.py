"""Who may work the queue of a location, and who may see its figures."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from backend.accounts.permissions import bookings_scope
from backend.catalog.by_id import get_location
from backend.catalog.models import Location
from backend.core.actors import Actor


def check_staff(actor: Actor, location: Location) -> None:
    """Counter staff, location managers and org admins of the location (guardian: the change
    permission on the location or its organization). Billing and doctors' own-bookings
    permission do not reach the queue."""
    scope = bookings_scope(actor, location, "change")
    if scope is None or scope.children:  # Q() means the whole location
        raise PermissionDenied("You may not work this location's queue.")


def check_location_figures(actor: Actor, location: Location) -> None:
    """The one rule for a location's figures and its staff queue view (`stats`, `queueStats`,
    `counterQueue`): whoever may see ALL of the location's bookings (guardian: the view
    permission on the location or its organization) — its counter staff and managers, org
    admins, billing and the organization's integrations. Figures count every booking and the
    queue names every citizen, so a doctor, who may see only their own patients, may not."""
    scope = bookings_scope(actor, location, "view")
    if scope is None or scope.children:  # Q() means the whole location
        raise PermissionDenied("You may not see this location's queue or figures.")


def access_location_figures(actor: Actor, location_id: str) -> Location:
    """The location, if the actor may see its figures (check_location_figures)."""
    location = get_location(location_id)
    check_location_figures(actor, location)
    return location


def check_kiosk_or_staff(actor: Actor, location: Location) -> None:
    """Drawing tickets and checking in: a kiosk paired to this location, or its staff."""
    device = actor.device
    if device is not None:
        if device.kind != "kiosk" or device.location_id != location.pk:
            raise PermissionDenied("This device may not issue tickets here.")
        return
    check_staff(actor, location)
