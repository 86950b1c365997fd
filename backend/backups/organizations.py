"""`export_org` / `import_org`: one organization moved between installations.

What moves: the catalog (locations, opening hours, closures, services, resources and their
hours), staff (users with their password hashes, roles, object permissions), API tokens and
devices (hashed secrets: they keep working), bookings with their capacity claims, waitlist
entries, service points, ticket counters and queue tickets. What stays: holds and
idempotency records (minutes-long), the notification log, push subscriptions and the audit
log (the source installation's history), group permissions (groups are installation-wide).

Every row gets a new primary key on import (the target has data of its own); references are
rewritten through a map of old to new keys. The file is a JSON-lines stream in the same
encrypted format as backups (crypto.py): it holds personal data.

Bookings' manage links are derived from SECRET_KEY and the booking's id (ADR 0012): the
stored token hash is recomputed for the new id, so links in later messages work; links
citizens received before the move do not."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, models, transaction

from backend.accounts.models import (
    ApiToken,
    Device,
    LocationUserObjectPermission,
    OrganizationUserObjectPermission,
    ResourceUserObjectPermission,
    StaffMember,
)
from backend.accounts.tokens import hash_secret
from backend.bookings.models import Booking, Claim, WaitlistEntry
from backend.bookings.tokens import manage_token
from backend.catalog.models import (
    Absence,
    Closure,
    Location,
    OpeningHours,
    Organization,
    Resource,
    ResourceBreak,
    Service,
    WorkingHours,
)
from backend.queue.models import QueueTicket, ServicePoint, TicketCounter

from .crypto import ArchiveError, DecryptingReader, EncryptingWriter
from .state import applied_migrations

FORMAT = "vorzimmer-organization"
FORMAT_VERSION = 1
User = get_user_model()
# Fields that must not travel: a superuser of the source is no superuser of the target.
USER_FIELDS = (
    "password",
    "last_login",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "date_joined",
)


class TransferError(Exception):
    pass


class _Encoder(DjangoJSONEncoder):
    """Django's, but with microseconds: its encoder cuts times to milliseconds."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


@dataclass(frozen=True)
class Part:
    model: type[models.Model]
    rows: Callable[[Organization], models.QuerySet]
    # FK attnames set to None instead of mapped (references to what does not move).
    cleared: tuple[str, ...] = ()


def _through(field) -> type[models.Model]:
    return field.remote_field.through


# In dependency order: every row's references point to rows earlier in the list (or to
# the same model: queue transfers, fixed up after the model's rows are in).
PARTS = [
    Part(Organization, lambda o: Organization.objects.filter(pk=o.pk)),
    Part(Location, lambda o: Location.objects.filter(organization=o)),
    Part(OpeningHours, lambda o: OpeningHours.objects.filter(location__organization=o)),
    Part(Closure, lambda o: Closure.objects.filter(location__organization=o)),
    Part(Service, lambda o: Service.objects.filter(organization=o)),
    Part(
        _through(Service._meta.get_field("locations")),
        lambda o: _through(Service._meta.get_field("locations"))._default_manager.filter(
            service__organization=o
        ),
    ),
    Part(User, lambda o: _staff_users(o)),
    Part(Resource, lambda o: Resource.objects.filter(location__organization=o)),
    Part(
        _through(Resource._meta.get_field("services")),
        lambda o: _through(Resource._meta.get_field("services"))._default_manager.filter(
            resource__location__organization=o
        ),
    ),
    Part(WorkingHours, lambda o: WorkingHours.objects.filter(resource__location__organization=o)),
    Part(ResourceBreak, lambda o: ResourceBreak.objects.filter(resource__location__organization=o)),
    Part(Absence, lambda o: Absence.objects.filter(resource__location__organization=o)),
    Part(StaffMember, lambda o: StaffMember.objects.filter(organization=o)),
    Part(
        OrganizationUserObjectPermission,
        lambda o: OrganizationUserObjectPermission.objects.filter(content_object=o),
    ),
    Part(
        LocationUserObjectPermission,
        lambda o: LocationUserObjectPermission.objects.filter(content_object__organization=o),
    ),
    Part(
        ResourceUserObjectPermission,
        lambda o: ResourceUserObjectPermission.objects.filter(
            content_object__location__organization=o
        ),
    ),
    Part(ApiToken, lambda o: ApiToken.objects.filter(organization=o)),
    Part(Device, lambda o: Device.objects.filter(location__organization=o)),
    Part(Booking, lambda o: Booking.objects.filter(organization=o)),
    Part(
        Claim,
        lambda o: Claim.objects.filter(booking__organization=o),
        cleared=("hold_id",),
    ),
    Part(
        WaitlistEntry,
        lambda o: WaitlistEntry.objects.filter(organization=o),
        cleared=("offer_hold_id",),
    ),
    Part(ServicePoint, lambda o: ServicePoint.objects.filter(location__organization=o)),
    Part(
        _through(ServicePoint._meta.get_field("services")),
        lambda o: _through(ServicePoint._meta.get_field("services"))._default_manager.filter(
            servicepoint__location__organization=o
        ),
    ),
    Part(TicketCounter, lambda o: TicketCounter.objects.filter(location__organization=o)),
    Part(QueueTicket, lambda o: QueueTicket.objects.filter(location__organization=o)),
]
BY_LABEL = {part.model._meta.label: part for part in PARTS}


def _staff_users(org: Organization) -> models.QuerySet:
    """The organization's people: staff members, resources' and API tokens' users, and
    whoever holds object permissions on its objects."""
    ids: set = set(StaffMember.objects.filter(organization=org).values_list("user_id", flat=True))
    ids |= set(
        Resource.objects.filter(location__organization=org, user__isnull=False).values_list(
            "user_id", flat=True
        )
    )
    ids |= set(ApiToken.objects.filter(organization=org).values_list("user_id", flat=True))
    for model, path in (
        (OrganizationUserObjectPermission, "content_object"),
        (LocationUserObjectPermission, "content_object__organization"),
        (ResourceUserObjectPermission, "content_object__location__organization"),
    ):
        ids |= set(model.objects.filter(**{path: org}).values_list("user_id", flat=True))
    return User.objects.filter(pk__in=ids)


def _fields(model) -> list:
    if model is User:
        return [model._meta.pk, *(model._meta.get_field(name) for name in USER_FIELDS)]
    return list(model._meta.concrete_fields)


# --- export ---------------------------------------------------------------------------------


def export_organization(slug: str, output: Path, key: str) -> dict[str, int]:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise TransferError(f"No organization with the slug {slug!r}.")
    counts: dict[str, int] = {}
    partial = output.with_name(output.name + ".part")
    try:
        with partial.open("wb") as raw, transaction.atomic():
            writer = EncryptingWriter(raw, key)
            header = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "slug": slug,
                "migrations": applied_migrations("default"),
            }
            _write_line(writer, header)
            # Permission ids differ between installations: rows name them by app and codename.
            permissions = {
                str(p.pk): [p.content_type.app_label, p.codename]
                for p in Permission.objects.select_related("content_type")
            }
            _write_line(writer, {"m": "permissions", "f": permissions})
            for part in PARTS:
                label = part.model._meta.label
                names = [f.attname for f in _fields(part.model)]
                rows = part.rows(org).order_by("pk").values_list(*names).iterator(2000)
                for row in rows:
                    _write_line(writer, {"m": label, "f": dict(zip(names, row, strict=True))})
                    counts[label] = counts.get(label, 0) + 1
            writer.close()
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _write_line(writer: EncryptingWriter, value: dict) -> None:
    writer.write(json.dumps(value, cls=_Encoder).encode() + b"\n")


# --- import ---------------------------------------------------------------------------------


def _lines(reader: DecryptingReader) -> Iterator[dict]:
    pending = b""
    while block := reader.read(1 << 16):
        pending += block
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield json.loads(line)
    if pending.strip():
        yield json.loads(pending)


class _Importer:
    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], object] = {}  # (model label, old pk) -> new pk
        self.counts: dict[str, int] = {}
        self.self_refs: list[tuple[type[models.Model], tuple[str, str], str, object]] = []
        self.permissions = {
            (p.content_type.app_label, p.codename): p.pk
            for p in Permission.objects.select_related("content_type")
        }

    def add(self, label: str, values: dict, source_permissions: dict) -> None:
        part = BY_LABEL.get(label)
        if part is None:
            raise TransferError(f"The file holds rows of {label}, which this version cannot take.")
        model = part.model
        fields = {f.attname: f for f in _fields(model)}
        unknown = set(values) - set(fields)
        if unknown:
            raise TransferError(f"{label} has fields this version does not know: {unknown}.")
        pk_name = model._meta.pk.attname
        old_pk = values.pop(pk_name)
        row: dict[str, object] = {}
        for name, raw in values.items():
            field = fields[name]
            if raw is None or name in part.cleared:
                row[name] = None
            elif field.is_relation:
                row[name] = self._reference(model, field, raw, source_permissions, old_pk)
            else:
                row[name] = field.to_python(raw)
        if isinstance(model._meta.pk, models.UUIDField):
            row[pk_name] = uuid.uuid4()
        if model is Booking:
            row["manage_token_hash"] = hash_secret(
                manage_token(row[pk_name], str(row["token_salt"]))
            )
        if model is User and User.objects.filter(username=row["username"]).exists():
            raise TransferError(f"A user named {row['username']!r} exists in this installation.")
        instance = model(**row)
        instance.save(force_insert=True)
        stamped = {
            name: row[name]
            for name, field in fields.items()
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
        }
        if stamped:  # save() set them to now; the source's times are the data
            model._base_manager.filter(pk=instance.pk).update(**stamped)
        self.keys[(label, str(old_pk))] = instance.pk
        self.counts[label] = self.counts.get(label, 0) + 1

    def _reference(self, model, field, raw, source_permissions, old_pk):
        target = field.related_model
        if target is Permission:
            name = source_permissions.get(str(raw))
            if name is None or tuple(name) not in self.permissions:
                raise TransferError(f"Unknown permission {name} in {model._meta.label}.")
            return self.permissions[tuple(name)]
        label = target._meta.label
        if target is model:  # a transfer's earlier ticket: fixed up once all are in
            self.self_refs.append((model, (model._meta.label, str(old_pk)), field.attname, raw))
            return None
        new = self.keys.get((label, str(raw)))
        if new is None:
            if field.null:
                return None  # someone outside the organization (e.g. a former admin)
            raise TransferError(f"{model._meta.label} refers to a {label} the file lacks.")
        return new

    def fix_self_references(self) -> None:
        for model, key, attname, old_target in self.self_refs:
            new_target = self.keys.get((model._meta.label, str(old_target)))
            model._base_manager.filter(pk=self.keys[key]).update(**{attname: new_target})


def import_organization(path: Path, key: str) -> tuple[str, dict[str, int]]:
    """Import the file in one transaction: all of it, or (on any error) nothing."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise TransferError(f"Cannot read {path}: {exc.strerror}.") from None
    with raw:
        try:
            reader = DecryptingReader(raw, key)
            lines = _lines(reader)
            header = next(lines, None)
            if not header or header.get("format") != FORMAT:
                raise TransferError("This is not an organization export.")
            if header.get("format_version") != FORMAT_VERSION:
                raise TransferError(f"Unknown export version {header.get('format_version')}.")
            newer = sorted(set(header["migrations"]) - set(applied_migrations("default")))
            if newer:
                raise TransferError(
                    "The export comes from a newer database schema (migrations "
                    f"{', '.join(newer[:5])} are not applied here): update and migrate first."
                )
            slug = header["slug"]
            if Organization.objects.filter(slug=slug).exists():
                raise TransferError(f"An organization with the slug {slug!r} exists already.")
            importer = _Importer()
            with transaction.atomic():
                source_permissions: dict = {}
                for line in lines:
                    if line["m"] == "permissions":
                        source_permissions = line["f"]
                        continue
                    importer.add(line["m"], line["f"], source_permissions)
                importer.fix_self_references()
                reader.drain()  # the last chunk authenticated: only then commit
        except ArchiveError as exc:
            raise TransferError(str(exc)) from None
        except IntegrityError as exc:
            raise TransferError(f"The organization conflicts with data here: {exc}") from None
    return slug, importer.counts
