from django.contrib import admin
from django.db import models
from guardian.admin import GuardedModelAdmin

from .models import (
    Absence,
    Closure,
    Location,
    OpeningHours,
    Organization,
    Resource,
    ResourceBreak,
    Service,
    WorkingHours,
)


@admin.register(Organization)
class OrganizationAdmin(GuardedModelAdmin):
    list_display = ["name", "slug", "kind", "timezone", "holiday_region"]
    prepopulated_fields = {"slug": ["name"]}
    # A typed www.musterhausen.de/datenschutz becomes https://…, not http:// (Django 6 default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["name", "short_name", "slug", "kind"]}),
        ("Contact", {"fields": ["website", "phone", "email", "address"]}),
        (
            "Privacy (linked from the booking form)",
            {"fields": ["privacy_url", "imprint_url"]},
        ),
        ("Time", {"fields": ["timezone", "holiday_region"]}),
        (
            "Booking policy (empty: deployment default)",
            {
                "fields": [
                    "min_advance_hours",
                    "max_advance_days",
                    "cancellation_deadline_hours",
                    "hold_minutes",
                    "waitlist_max_size",
                    "retention_days",
                ]
            },
        ),
        (
            "Embedding in portals",
            {
                "fields": ["allowed_embed_origins"],
                "description": "Which city portals may show the booking widget (iframe or "
                "embed.js) and call the booking API from the browser.",
            },
        ),
    ]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Location)
class LocationAdmin(GuardedModelAdmin):
    list_display = ["name", "organization", "slug", "city", "is_active"]
    list_filter = ["organization", "is_active"]
    list_select_related = ["organization"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OpeningHoursInline, ClosureInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organization",
        "duration_minutes",
        "capacity",
        "needs_staff",
        "is_active",
    ]
    list_filter = ["organization", "is_active", "needs_staff"]
    list_select_related = ["organization"]
    filter_horizontal = ["locations"]
    prepopulated_fields = {"slug": ["name"]}


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class ResourceBreakInline(admin.TabularInline):
    model = ResourceBreak
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Resource)
class ResourceAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "location", "user", "is_active"]
    list_filter = ["kind", "location", "is_active"]
    list_select_related = ["location", "user"]
    filter_horizontal = ["services"]
    inlines = [WorkingHoursInline, ResourceBreakInline, AbsenceInline]
