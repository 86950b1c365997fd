"""What a database holds, as the manifest records it: rows and a content checksum per
table, and the applied migrations.

The checksum is computed from the ORM's Python values, not from the database's bytes, so it
means the same on SQLite and PostgreSQL and survives dump and restore (PostgreSQL's dump
reorders rows, SQLite's file layout changes on VACUUM). Each row is encoded canonically
(JSON of its concrete fields; datetimes in UTC, decimals normalised, UUIDs as text) and
hashed; the table's checksum is the sum of its row hashes modulo 2**256, i.e. independent of
row order, so no ORDER BY (collations differ between databases) and rows stream through a
server-side cursor: memory stays flat for any table size.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

MODULUS = 1 << 256
ITERATOR_CHUNK = 2000


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bytes | memoryview | bytearray):
        return bytes(value).hex()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return str(value)


def row_hash(row: tuple) -> int:
    encoded = json.dumps([_canonical(v) for v in row], sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(encoded.encode()).digest(), "big")


def table_models(alias: str) -> list:
    """Every model with a table in this database (Django's own, guardian's, axes' too)."""
    existing = set(connections[alias].introspection.table_names())
    seen: dict[str, Any] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table in existing:
            seen.setdefault(meta.db_table, model)
    return [seen[name] for name in sorted(seen)]


def table_state(model, alias: str) -> dict:
    fields = [field.attname for field in model._meta.concrete_fields]
    rows = (
        model._base_manager.using(alias)
        .order_by()
        .values_list(*fields)
        .iterator(chunk_size=ITERATOR_CHUNK)
    )
    count = total = 0
    for row in rows:
        count += 1
        total = (total + row_hash(row)) % MODULUS
    return {"rows": count, "sha256": format(total, "064x")}


def applied_migrations(alias: str) -> list[str]:
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return []
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def database_state(alias: str = "default") -> dict:
    return {
        "tables": {m._meta.db_table: table_state(m, alias) for m in table_models(alias)},
        "migrations": applied_migrations(alias),
    }


def differences(expected: dict, actual: dict) -> list[str]:
    """What differs between a manifest and a database's state, as operator-readable lines
    (table names and counts only: no row content, so no personal data)."""
    found = []
    want, have = expected.get("tables", {}), actual.get("tables", {})
    for table in sorted(set(want) | set(have)):
        if table not in have:
            found.append(f"table {table}: missing")
        elif table not in want:
            if have[table]["rows"]:
                found.append(f"table {table}: {have[table]['rows']} rows, none in the manifest")
        elif want[table]["rows"] != have[table]["rows"]:
            found.append(
                f"table {table}: {have[table]['rows']} rows, manifest {want[table]['rows']}"
            )
        elif want[table]["sha256"] != have[table]["sha256"]:
            found.append(f"table {table}: content checksum differs from the manifest")
    missing = sorted(set(expected.get("migrations", [])) - set(actual.get("migrations", [])))
    extra = sorted(set(actual.get("migrations", [])) - set(expected.get("migrations", [])))
    if missing:
        found.append(f"migrations missing: {', '.join(missing)}")
    if extra:
        found.append(f"migrations not in the manifest: {', '.join(extra)}")
    return found
