"""Kiosks and displays are identities (they authenticate with a token), so the Device model
moved from the queue app to accounts. The table keeps its name and rows: this migration only
changes Django's state; queue.0005 removes the model from the queue app's state."""

import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("catalog", "0003_service_daily_ticket_quota_and_more"),
        ("queue", "0004_device_pairing_failures"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Device",
                    fields=[
                        (
                            "id",
                            models.UUIDField(
                                default=uuid.uuid4,
                                editable=False,
                                primary_key=True,
                                serialize=False,
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("kiosk", "Kiosk"), ("display", "Call display")],
                                max_length=10,
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                        ("pairing_code_hash", models.CharField(blank=True, max_length=64)),
                        ("pairing_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("pairing_failures", models.PositiveSmallIntegerField(default=0)),
                        (
                            "token_hash",
                            models.CharField(blank=True, db_index=True, max_length=64),
                        ),
                        ("paired_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_seen_at", models.DateTimeField(blank=True, null=True)),
                        ("failed_pin_attempts", models.PositiveSmallIntegerField(default=0)),
                        ("pin_locked_until", models.DateTimeField(blank=True, null=True)),
                        (
                            "location",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="devices",
                                to="catalog.location",
                            ),
                        ),
                    ],
                    options={"db_table": "queue_device"},
                ),
            ],
            database_operations=[],
        ),
    ]
