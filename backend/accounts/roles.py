"""Staff roles and the guardian object permissions each one grants.

| role              | granted on              | may                                   |
|-------------------|-------------------------|---------------------------------------|
| org_admin         | the organization        | see and change every booking          |
| billing           | the organization        | see every booking, change nothing     |
| integration       | the organization        | see and change every booking (token)  |
| location_manager  | each of its locations   | see and change that location's ones   |
| counter_staff     | each of its locations   | see and change that location's ones   |
| doctor            | their staff resource    | see and change bookings assigned them |
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from guardian.shortcuts import assign_perm

from backend.catalog.models import Location, Organization, Resource

from .models import StaffMember

Role = StaffMember.Role
VIEW = "view"
CHANGE = "change"
# One codename per model: guardian resolves "app.codename" to a single content type.
CODENAMES = {
    "organization": "{action}_all_bookings",
    "location": "{action}_location_bookings",
    "resource": "{action}_assigned_bookings",
}


def booking_perm(scope: str, action: str) -> str:
    """The permission that lets `action` ("view" or "change") bookings on a `scope` object."""
    return "catalog." + CODENAMES[scope].format(action=action)


GRANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    Role.ORG_ADMIN: ("organization", (VIEW, CHANGE)),
    Role.BILLING: ("organization", (VIEW,)),
    Role.INTEGRATION: ("organization", (VIEW, CHANGE)),
    Role.LOCATION_MANAGER: ("location", (VIEW, CHANGE)),
    Role.COUNTER_STAFF: ("location", (VIEW, CHANGE)),
    Role.DOCTOR: ("resource", (VIEW, CHANGE)),
}


@transaction.atomic
def grant_role(
    user,
    organization: Organization,
    role: str,
    locations: Iterable[Location] = (),
    resource: Resource | None = None,
) -> StaffMember:
    """Make `user` a staff member with `role` and assign the role's object permissions."""
    scope, perms = GRANTS[role]
    targets: list[tuple[Any, Any]]  # (object, the organization it belongs to)
    if scope == "organization":
        targets = [(organization, organization.pk)]
    elif scope == "location":
        targets = [(location, location.organization_id) for location in locations]
    else:
        targets = [(resource, resource.location.organization_id)] if resource else []
    if not targets:
        raise ValueError(f"Role {role} needs at least one {scope}.")
    for target, owner_id in targets:
        if owner_id != organization.pk:
            raise ValueError(f"That {scope} belongs to another organization.")
        for action in perms:
            assign_perm(booking_perm(scope, action), user, target)
    member, _ = StaffMember.objects.update_or_create(
        user=user, defaults={"organization": organization, "role": role}
    )
    return member
