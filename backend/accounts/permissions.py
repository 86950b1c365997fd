"""Which bookings a user may see or change, decided by guardian object permissions."""

from __future__ import annotations

from django.db.models import Q
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from backend.catalog.models import Location, Resource
from backend.core.actors import Actor

from .roles import booking_perm


def bookings_scope(actor: Actor, location: Location, action: str) -> Q | None:
    """A filter for the location's bookings the actor may `action` ("view" or "change"):
    all of them (Q()), only those assigned to the actor's own resources, or None."""
    user = actor.user
    if user is None or not user.is_active or not actor.may_act_in(location.organization_id):
        return None
    if user.is_superuser:
        return Q()
    checker = ObjectPermissionChecker(user)
    if checker.has_perm(
        booking_perm("organization", action), location.organization
    ) or checker.has_perm(booking_perm("location", action), location):
        return Q()
    own_ids = list(
        get_objects_for_user(
            user,
            booking_perm("resource", action),
            klass=Resource.objects.filter(location=location),
            accept_global_perms=False,
        ).values_list("pk", flat=True)
    )
    return Q(assigned_staff_id__in=own_ids) if own_ids else None
