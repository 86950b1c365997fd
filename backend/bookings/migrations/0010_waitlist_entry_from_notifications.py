"""The waitlist is a booking use case: its model moves here from notifications. State only:
the table (notifications_waitlistentry), its rows and indexes stay as they are."""

import django.db.models.deletion
import uuid
from django.db import migrations, models


def _move_content_type(apps, schema_editor):
    """Admin history and permissions stay with the entries (a no-op on a fresh database)."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="bookings", model="waitlistentry").exists():
        content_type.objects.filter(app_label="notifications", model="waitlistentry").update(
            app_label="bookings"
        )


def _move_content_type_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="notifications", model="waitlistentry").exists():
        content_type.objects.filter(app_label="bookings", model="waitlistentry").update(
            app_label="notifications"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("notifications", "0004_waitlist_double_opt_in"),
        ("bookings", "0009_spent_proofs_in_the_shared_counter_store"),
        ("catalog", "0008_waitlist_limit_per_service_and_location"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WaitlistEntry",
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
                        ("first_day", models.DateField()),
                        ("last_day", models.DateField()),
                        ("name", models.CharField(max_length=200)),
                        ("email", models.EmailField(max_length=254)),
                        ("phone", models.CharField(blank=True, max_length=20)),
                        ("language", models.CharField(default="de", max_length=5)),
                        ("channel", models.CharField(default="email", max_length=8)),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting for e-mail confirmation"),
                                    ("waiting", "Waiting"),
                                    ("offered", "Offered a slot"),
                                    ("booked", "Booked"),
                                    ("missed", "Offer ran out"),
                                    ("left", "Left the list"),
                                    ("expired", "Last day passed"),
                                ],
                                default="pending",
                                max_length=8,
                            ),
                        ),
                        (
                            "confirmed_at",
                            models.DateTimeField(
                                blank=True,
                                help_text="When the e-mail address was confirmed (queue order).",
                                null=True,
                            ),
                        ),
                        ("token_salt", models.CharField(max_length=32)),
                        ("offer_start", models.DateTimeField(blank=True, null=True)),
                        ("offer_expires_at", models.DateTimeField(blank=True, null=True)),
                        ("offers_made", models.PositiveSmallIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "booking",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="bookings.booking",
                            ),
                        ),
                        (
                            "location",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty: any location.",
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.location",
                            ),
                        ),
                        (
                            "offer_hold",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="bookings.hold",
                            ),
                        ),
                        (
                            "offer_location",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="catalog.location",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.organization",
                            ),
                        ),
                        (
                            "service",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="catalog.service",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "waitlist entries",
                        "db_table": "notifications_waitlistentry",
                        "ordering": ["created_at"],
                        "indexes": [
                            models.Index(
                                fields=["service", "status", "created_at"],
                                name="waitlist_service_status",
                            ),
                            models.Index(
                                fields=["organization", "status"],
                                name="waitlist_organization_status",
                            ),
                            models.Index(
                                fields=["service", "location", "status"],
                                name="waitlist_service_location",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(_move_content_type, _move_content_type_back),
    ]
