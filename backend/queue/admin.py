from django.contrib import admin, messages

from .devices import new_pairing_code
from .models import Device, QueueTicket, ServicePoint


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "kind", "current_user", "is_active"]
    list_filter = ["location", "kind", "is_active"]
    list_select_related = ["location", "current_user"]
    filter_horizontal = ["services"]
    readonly_fields = ["current_user", "signed_in_at"]


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Create a kiosk or display here, then use the action to get its pairing code."""

    list_display = ["name", "kind", "location", "paired_at", "last_seen_at", "revoked_at"]
    list_filter = ["kind", "location"]
    list_select_related = ["location"]
    fields = ["name", "kind", "location", "paired_at", "last_seen_at", "revoked_at"]
    readonly_fields = ["paired_at", "last_seen_at"]
    actions = ["issue_pairing_code"]

    @admin.action(description="Issue a pairing code (shown once, valid 15 minutes)")
    def issue_pairing_code(self, request, queryset):
        for device in queryset:
            code = new_pairing_code(device)
            self.message_user(request, f"{device.name}: pairing code {code}", messages.WARNING)


@admin.register(QueueTicket)
class QueueTicketAdmin(admin.ModelAdmin):
    list_display = ["display_number", "day", "location", "service", "status", "source"]
    list_filter = ["status", "source", "location", "day"]
    list_select_related = ["location", "service"]
    exclude = ["status_token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
