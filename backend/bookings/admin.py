from django.contrib import admin

from backend.core.admin_readonly import ReadOnlyAdmin

from .models import Booking, WaitlistEntry


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Read-only for the record: bookings change through the use cases (capacity, audit)."""

    list_display = ["code", "starts_at", "location", "service", "status", "source"]
    list_filter = ["status", "location", "service", "source"]
    list_select_related = ["location", "service"]
    search_fields = ["code"]
    date_hierarchy = "starts_at"
    exclude = ["manage_token_hash"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "service",
        "location",
        "first_day",
        "last_day",
        "status",
        "offers_made",
        "offer_start",
    ]
    list_filter = ["status", "organization", "service"]
    list_select_related = ["service", "location"]
    date_hierarchy = "created_at"
    exclude = ["token_salt"]  # with SECRET_KEY it makes the citizen's link
