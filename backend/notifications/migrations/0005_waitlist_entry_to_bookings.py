"""The waitlist entry lives in bookings now (bookings 0010): state only, the table and the
foreign keys to it stay."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0010_waitlist_entry_from_notifications"),
        ("notifications", "0004_waitlist_double_opt_in"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="waitlist_entry",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="bookings.waitlistentry",
                    ),
                ),
                migrations.AlterField(
                    model_name="pushsubscription",
                    name="waitlist_entry",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="push_subscriptions",
                        to="bookings.waitlistentry",
                    ),
                ),
                migrations.DeleteModel(
                    name="WaitlistEntry",
                ),
            ],
        ),
    ]
