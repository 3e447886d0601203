"""Admin of the real-estate product. Properties, their images, documents, history and
views are read-only here: their changes go through the services, which record every
change of price, status and agent, check the plan's limits and re-encode uploads."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.core.money import Money

from .models import Property, PropertyChange, PropertyDocument, PropertyImage, PropertyView


class PropertyImageInline(ReadOnlyTabularInline):
    model = PropertyImage
    fields = ("image", "thumbnail", "position", "is_primary", "caption")


class PropertyChangeInline(ReadOnlyTabularInline):
    model = PropertyChange
    fields = ("created_at", "field", "old_value", "new_value", "actor")
    ordering = ("-created_at",)


@admin.register(Property)
class PropertyAdmin(ReadOnlyModelAdmin):
    list_display = (
        "title",
        "organization",
        "property_type",
        "transaction",
        "status",
        "price_display",
        "commune",
        "agent",
        "views_count",
        "created_at",
    )
    list_filter = ("status", "property_type", "transaction", "currency", "region")
    search_fields = ("title", "commune", "address", "organization__name")
    list_select_related = ("organization", "agent")
    raw_id_fields = ("organization", "agent", "region")
    inlines = [PropertyImageInline, PropertyChangeInline]
    date_hierarchy = "created_at"

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, prop: Property) -> str:
        return Money(int(prop.price), prop.currency).format()


@admin.register(PropertyImage)
class PropertyImageAdmin(ReadOnlyModelAdmin):
    list_display = ("property", "position", "is_primary", "width", "height", "created_at")
    list_filter = ("is_primary",)
    list_select_related = ("property",)
    raw_id_fields = ("property", "organization")


@admin.register(PropertyDocument)
class PropertyDocumentAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "kind", "property", "organization", "size", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "property__title")
    list_select_related = ("property", "organization")
    raw_id_fields = ("property", "organization", "uploaded_by")


@admin.register(PropertyChange)
class PropertyChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("property", "field", "old_value", "new_value", "actor", "created_at")
    list_filter = ("field",)
    list_select_related = ("property", "actor")
    raw_id_fields = ("property", "organization", "actor")


@admin.register(PropertyView)
class PropertyViewAdmin(ReadOnlyModelAdmin):
    list_display = ("property", "day", "created_at")
    list_select_related = ("property",)
    raw_id_fields = ("property",)
