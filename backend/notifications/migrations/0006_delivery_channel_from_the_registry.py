"""Delivery.channel names a channel of the registry (channels/registry.py), not a fixed choice."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0005_waitlist_entry_to_bookings'),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='channel',
            field=models.CharField(help_text="A channel's name (channels/registry.py).", max_length=8),
        ),
    ]
