import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from backend.catalog.models import Location, Organization, Resource


class StaffMember(models.Model):
    """A user's role in an organization. What the role may do is held as guardian object
    permissions (granted by backend.accounts.roles); this row says which role was given."""

    class Role(models.TextChoices):
        ORG_ADMIN = "org_admin", "Organization admin"
        LOCATION_MANAGER = "location_manager", "Location manager"
        COUNTER_STAFF = "counter_staff", "Counter staff"
        DOCTOR = "doctor", "Doctor"
        BILLING = "billing", "Billing (read only)"
        INTEGRATION = "integration", "Integration (API token)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for an integration, scoped to one organization.

    The token acts as its service user, so the same guardian permissions decide what it may
    see; only a SHA-256 hash of the secret is stored, plus a short prefix to recognise it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# Direct foreign-key permission tables: guardian's fast path (no generic object_pk joins).
class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organization, on_delete=models.CASCADE)


class LocationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE)


class LocationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Location, on_delete=models.CASCADE)


class ResourceUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Resource, on_delete=models.CASCADE)


class ResourceGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Resource, on_delete=models.CASCADE)


class Device(models.Model):
    """A kiosk or waiting-room display paired to one location.

    An admin creates it and gets a pairing code (shown once, valid briefly); the device trades
    the code for its own token. Only hashes of both are stored."""

    class Kind(models.TextChoices):
        KIOSK = "kiosk", "Kiosk"
        DISPLAY = "display", "Call display"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="devices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    pairing_code_hash = models.CharField(max_length=64, blank=True)
    pairing_expires_at = models.DateTimeField(null=True, blank=True)
    # Failed pairDevice tries while this code was live; at PAIRING_MAX_FAILURES it dies.
    pairing_failures = models.PositiveSmallIntegerField(default=0)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    paired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    pin_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "queue_device"  # made by the queue app; moved here with its data

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
