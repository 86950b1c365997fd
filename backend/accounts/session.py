"""Staff sign-in for the console (a Django session), and where a staff member may work."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from guardian.shortcuts import get_objects_for_user

from backend.catalog.models import Location, Organization, Resource
from backend.core.actors import Actor
from backend.core.csrf import csrf_rejected
from backend.core.errors import DomainError, ErrorCode

from .login_throttle import retry_after_seconds
from .roles import booking_perm


class LoginLocked(DomainError):
    """Too many failed sign-ins for this user name or this address; says for how long."""

    def __init__(self, retry_after: int, field: str = "password"):
        super().__init__(
            ErrorCode.LOGIN_LOCKED, "Too many failed sign-ins; try again later.", field
        )
        self.retry_after = retry_after


def check_password_of(request, user, password: str, field: str = "password"):
    """The password of `user` (or of the name given) through Django's authenticate() with the
    request, so django-axes counts each failure and refuses locked-out names and addresses
    before the password is looked at (login_throttle.py)."""
    username = user if isinstance(user, str) else user.get_username()
    found = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise LoginLocked(retry_after_seconds(request, username), field)
    if found is None or not found.is_active:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong user name or password.", field)
    return found


def do_log_in(request, username: str, password: str):
    # Sign-in changes state with the browser's cookies: it needs the CSRF token too (login
    # CSRF), although the user is still anonymous.
    if csrf_rejected(request):
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Reload the page and try again.")
    user = check_password_of(request, username, password)
    login(request, user)
    return user


def do_change_password(request, old_password: str, new_password: str) -> None:
    """A signed-in staff member sets a new password. This session stays signed in; every
    other session of the user ends (Django ties sessions to the password hash)."""
    user = request.user
    check_password_of(request, user, old_password, "oldPassword")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError(
            ErrorCode.PASSWORD_REJECTED, " ".join(exc.messages), "newPassword"
        ) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)


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
