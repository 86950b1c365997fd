"""Staff sign-in for the console (a Django session), and where a staff member may work."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, login, logout
from guardian.shortcuts import get_objects_for_user

from backend.bookings.errors import BookingError, ErrorCode
from backend.catalog.models import Location, Organization, Resource
from backend.core.csrf import csrf_rejected

from .actors import Actor
from .roles import booking_perm


def do_log_in(request, username: str, password: str):
    # Sign-in changes state with the browser's cookies: it needs the CSRF token too (login
    # CSRF), although the user is still anonymous.
    if csrf_rejected(request):
        raise BookingError(ErrorCode.INVALID_CREDENTIALS, "Reload the page and try again.")
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        raise BookingError(
            ErrorCode.INVALID_CREDENTIALS, "Wrong user name or password.", "password"
        )
    login(request, user)
    return user


def do_log_out(request) -> None:
    logout(request)


@dataclass(frozen=True)
class Workplace:
    location: Location
    can_work_queue: bool  # change permission for the whole location


def workplaces(actor: Actor) -> list[Workplace]:
    """The locations whose bookings or queue the staff member may see, and whether they may
    work the queue there."""
    user = actor.user
    if user is None:
        return []
    locations = Location.objects.filter(is_active=True).select_related("organization")
    if user.is_superuser:
        return [Workplace(location, True) for location in locations]

    def with_perm(action: str) -> set:
        orgs = get_objects_for_user(
            user,
            booking_perm("organization", action),
            klass=Organization,
            accept_global_perms=False,
        )
        places = get_objects_for_user(
            user, booking_perm("location", action), klass=Location, accept_global_perms=False
        )
        return set(locations.filter(organization__in=orgs).values_list("pk", flat=True)) | set(
            places.values_list("pk", flat=True)
        )

    change, view = with_perm("change"), with_perm("view")
    own = set(
        get_objects_for_user(
            user, booking_perm("resource", "view"), klass=Resource, accept_global_perms=False
        ).values_list("location_id", flat=True)
    )
    return [
        Workplace(location, location.pk in change)
        for location in locations
        if location.pk in change | view | own
    ]
