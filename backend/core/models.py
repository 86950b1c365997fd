from django.conf import settings
from django.db import models


class AuditLog(models.Model):
    """Who did what to which object. Immutable; never holds secrets or contact data."""

    action = models.CharField(max_length=64, db_index=True)  # dotted: "booking.cancelled"
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_kind = models.CharField(max_length=16)  # citizen | staff | integration | system
    organization_id = models.UUIDField(null=True, db_index=True)
    object_type = models.CharField(max_length=32)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are immutable.")


class RateLimitCounter(models.Model):
    """One fixed-window counter of backend.core.ratelimit on the embedded default (with
    REDIS_URL the counters live in Redis). The bucket is a hash, never an address or e-mail."""

    bucket = models.CharField(max_length=200, primary_key=True)
    hits = models.PositiveIntegerField()
    expires_at = models.FloatField(db_index=True)  # epoch seconds; the window ends then
