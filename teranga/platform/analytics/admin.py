from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin

from .models import Event, Funnel, FunnelStep, Goal, Site, Visit


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "public_id", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "public_id", "organization__name")
    readonly_fields = ("public_id",)
    raw_id_fields = ("organization",)


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "kind", "path", "event_name")
    list_filter = ("kind",)
    search_fields = ("name", "site__name")
    raw_id_fields = ("site", "organization")


class FunnelStepInline(admin.TabularInline):
    model = FunnelStep
    extra = 0
    raw_id_fields = ("goal",)


@admin.register(Funnel)
class FunnelAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "created_at")
    search_fields = ("name", "site__name")
    raw_id_fields = ("site", "organization")
    inlines = [FunnelStepInline]


@admin.register(Visit)
class VisitAdmin(ReadOnlyModelAdmin):
    list_display = ("site", "started_at", "pageviews", "entry_page", "source", "device", "country")
    list_filter = ("device",)
    list_select_related = ("site",)
    date_hierarchy = "started_at"


@admin.register(Event)
class EventAdmin(ReadOnlyModelAdmin):
    list_display = ("site", "occurred_at", "name", "pathname")
    list_filter = ("name",)
    list_select_related = ("site",)
    date_hierarchy = "occurred_at"
