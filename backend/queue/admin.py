from django.contrib import admin

from .models import QueueTicket, ServicePoint


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ["name", "location", "kind", "current_user", "is_active"]
    list_filter = ["location", "kind", "is_active"]
    list_select_related = ["location", "current_user"]
    filter_horizontal = ["services"]
    readonly_fields = ["current_user", "signed_in_at"]


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
