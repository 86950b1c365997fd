"""The Device model now lives in accounts (accounts.0002); its table and rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("queue", "0004_device_pairing_failures"),
        ("accounts", "0002_device_moved_from_queue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Device")],
            database_operations=[],
        ),
    ]
