from django.contrib import admin

from backend.core.admin_readonly import ReadOnlyAdmin

from .models import AuditLog


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor_kind", "actor", "object_type", "object_id"]
    list_filter = ["action", "actor_kind"]
    list_select_related = ["actor"]
