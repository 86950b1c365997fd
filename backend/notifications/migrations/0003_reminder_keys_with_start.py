"""Reminder delivery keys now name the start they remind of ("24h" -> "24h@20260302T0845Z"),
so a moved appointment is reminded again. Rows written before keep their meaning: they are
taken to be about the booking's current start, so no reminder already sent goes out twice."""

from datetime import UTC

from django.db import migrations


def add_start_to_reminder_keys(apps, schema_editor):
    Delivery = apps.get_model("notifications", "Delivery")
    old = (
        Delivery.objects.filter(kind="booking_reminder", booking__isnull=False)
        .exclude(key__contains="@")
        .select_related("booking")
    )
    for delivery in old.iterator(chunk_size=500):
        start = delivery.booking.starts_at.astimezone(UTC)
        new_key = f"{delivery.key}@{start:%Y%m%dT%H%MZ}"
        # A row with the new key may exist already (written by the new code): keep that one.
        if not Delivery.objects.filter(
            booking_id=delivery.booking_id,
            kind=delivery.kind,
            channel=delivery.channel,
            key=new_key,
        ).exists():
            Delivery.objects.filter(pk=delivery.pk).update(key=new_key)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_waitlist_push_expired_gave_up"),
    ]

    operations = [
        migrations.RunPython(add_start_to_reminder_keys, migrations.RunPython.noop),
    ]
