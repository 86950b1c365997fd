from django.contrib import admin, messages

from .devices import new_pairing_code
from .models import ApiToken, Device, StaffMember


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["organization", "role"]
    list_select_related = ["user", "organization"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py create_api_token` (the secret is shown once);
    here they can be reviewed and revoked."""

    list_display = ["name", "organization", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["organization"]
    readonly_fields = ["organization", "user", "name", "prefix", "created_at", "last_used_at"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False


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
