"""The delivery log and push subscriptions in the admin: for seeing what went out and what
gave up, not for editing (messages change through the use cases).
Lists show no contact data; push endpoints (a capability URL of a browser) and keys never."""

from urllib.parse import urlsplit

from django.contrib import admin

from backend.core.admin_readonly import ReadOnlyAdmin

from .models import Delivery, PushSubscription


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Filter by status "Gave up (retries used up or refused)" for messages nobody got."""

    list_display = [
        "created_at",
        "kind",
        "channel",
        "status",
        "attempts",
        "last_error",
        "booking",
        "key",
        "updated_at",
    ]
    list_filter = ["status", "kind", "channel"]
    list_select_related = ["booking"]
    search_fields = ["booking__code"]
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "channel",
        "status",
        "attempts",
        "last_error",
        "key",
        "booking",
        "ticket",
        "waitlist_entry",
        "organization",
        "created_at",
        "updated_at",
        "sent_at",
    ]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    """Deleting one stops pushes to that browser; nothing else can be changed."""

    list_display = ["created_at", "push_service", "booking", "ticket", "waitlist_entry", "language"]
    list_select_related = ["booking", "ticket", "waitlist_entry"]
    list_filter = ["language"]
    fields = ("push_service", "booking", "ticket", "waitlist_entry", "language", "created_at")
    readonly_fields = fields

    @admin.display(description="push service")
    def push_service(self, subscription: PushSubscription) -> str:
        return urlsplit(subscription.endpoint).hostname or "?"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
