"""A model admin that only shows: records that change through use cases (bookings, audit,
deliveries) are never edited by hand, so capacity, audit and idempotency stay true."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
