"""Creating staff accounts (the create_staff command, the demo data)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.db import transaction

from backend.catalog.models import Location, Resource, Service

from .models import StaffMember
from .roles import grant_role


@transaction.atomic
def create_staff(
    username: str,
    email: str,
    location: Location,
    services: Sequence[Service],
    role: str = StaffMember.Role.COUNTER_STAFF,
    password: str | None = None,
    resource: Resource | None = None,
):
    """A login for a staff member at `location`, a staff resource qualified for `services`,
    and the role's permissions. Returns the user; re-running updates instead of duplicating.
    Pass `resource` to link the login to an existing staff resource instead."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    user.email = email
    user.is_staff = role in (StaffMember.Role.ORG_ADMIN, StaffMember.Role.LOCATION_MANAGER)
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    organization = location.organization
    if resource is not None:
        resource.user = user
        resource.save(update_fields=["user"])
    elif services or role == StaffMember.Role.DOCTOR:
        resource, _ = Resource.objects.update_or_create(
            location=location,
            user=user,
            defaults={"kind": Resource.Kind.STAFF, "name": user.get_full_name() or username},
        )
        resource.services.set(services)
    grant_role(user, organization, role, locations=[location], resource=resource)
    return user
