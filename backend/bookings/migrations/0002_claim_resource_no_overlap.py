"""No two claims of one resource may overlap in time: the database enforces it.

PostgreSQL: an exclusion constraint over (resource, [busy_from, busy_until)).
SQLite: triggers that abort the insert/update; write transactions are serialised by
BEGIN IMMEDIATE, so the check inside the trigger cannot race.
See ops/adr/0001-capacity-claims.md.
"""

from django.db import migrations

POSTGRES_UP = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE bookings_claim ADD CONSTRAINT claim_resource_no_overlap
       EXCLUDE USING gist (resource_id WITH =, tstzrange(busy_from, busy_until, '[)') WITH &&)
       WHERE (resource_id IS NOT NULL)""",
]
POSTGRES_DOWN = ["ALTER TABLE bookings_claim DROP CONSTRAINT claim_resource_no_overlap"]

_SQLITE_OVERLAP = """
    SELECT RAISE(ABORT, 'claim_resource_no_overlap')
    WHERE EXISTS (
        SELECT 1 FROM bookings_claim c
        WHERE c.resource_id = NEW.resource_id AND c.id IS NOT NEW.id
          AND c.busy_from < NEW.busy_until AND c.busy_until > NEW.busy_from
    );
"""
SQLITE_UP = [
    f"""CREATE TRIGGER claim_resource_no_overlap_insert BEFORE INSERT ON bookings_claim
        WHEN NEW.resource_id IS NOT NULL BEGIN {_SQLITE_OVERLAP} END""",
    f"""CREATE TRIGGER claim_resource_no_overlap_update
        BEFORE UPDATE OF resource_id, busy_from, busy_until ON bookings_claim
        WHEN NEW.resource_id IS NOT NULL BEGIN {_SQLITE_OVERLAP} END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS claim_resource_no_overlap_insert",
    "DROP TRIGGER IF EXISTS claim_resource_no_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(
                f"No resource overlap guarantee for {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
