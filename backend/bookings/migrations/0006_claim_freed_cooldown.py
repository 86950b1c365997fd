"""A claim may be owned by nobody: a freed place cooling down until `expires_at`
(ops/adr/0007-freed-slot-cooldown.md).

On SQLite, changing a check constraint rebuilds the table, which drops the resource-overlap
triggers of 0002; they are created again right after."""

import importlib

from django.db import migrations, models

_overlap = importlib.import_module("backend.bookings.migrations.0002_claim_resource_no_overlap")


def _sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in _overlap.SQLITE_DOWN + _overlap.SQLITE_UP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_hold_owner"),
        ("catalog", "0007_waitlist_limit_per_organization_help"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="claim", name="claim_owned_once"),
        migrations.AddConstraint(
            model_name="claim",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("booking__isnull", True),
                        ("expires_at__isnull", False),
                        ("hold__isnull", False),
                    ),
                    models.Q(
                        ("booking__isnull", False),
                        ("expires_at__isnull", True),
                        ("hold__isnull", True),
                    ),
                    models.Q(
                        ("booking__isnull", True),
                        ("expires_at__isnull", False),
                        ("hold__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="claim_owned_once",
            ),
        ),
        migrations.RunPython(_sqlite_triggers, _sqlite_triggers),
    ]
