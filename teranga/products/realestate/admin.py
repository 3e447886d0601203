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


# --- visits section ---
# Visits are read-only here: every change goes through the scheduling engine (its locks,
# history and notices) in ``services.visits``.
from .models import PropertyVisitHours, Visit, VisitBlock, VisitGuestReminder  # noqa: E402


@admin.register(Visit)
class VisitAdmin(ReadOnlyModelAdmin):
    list_display = ("property", "starts_at", "status", "agent", "visitor", "guest_name")
    list_filter = ("status",)
    search_fields = ("property__title", "guest_name", "visitor__email")
    list_select_related = ("property", "agent", "visitor")
    raw_id_fields = ("property", "organization", "booking", "agent", "visitor", "created_by")
    date_hierarchy = "starts_at"
    exclude = ("guest_phone_hash",)


@admin.register(PropertyVisitHours)
class PropertyVisitHoursAdmin(ReadOnlyModelAdmin):
    list_display = ("property", "resource", "created_at")
    list_select_related = ("property", "resource")
    raw_id_fields = ("property", "organization", "resource")


@admin.register(VisitGuestReminder)
class VisitGuestReminderAdmin(ReadOnlyModelAdmin):
    list_display = ("visit", "offset_minutes", "starts_at", "created_at")
    raw_id_fields = ("visit",)


@admin.register(VisitBlock)
class VisitBlockAdmin(ReadOnlyModelAdmin):
    list_display = ("property", "starts_on", "ends_on", "reason", "created_by")
    search_fields = ("property__title", "reason")
    list_select_related = ("property", "created_by")
    raw_id_fields = ("property", "organization", "created_by")


# --- crm section ---
# The CRM is read-only here: its writes go through ``services.crm`` (normalised emails and
# phones, the pipeline's history, scores, the automation). Phones are searched by hash.
from teranga.core.admin import PhoneHashSearchMixin  # noqa: E402

from .models import (  # noqa: E402
    AgencyAutomation,
    Client,
    ClientContact,
    CrmTask,
    Interaction,
    Lead,
    LeadStageChange,
    PipelineStage,
)


class ClientContactInline(ReadOnlyTabularInline):
    model = ClientContact
    fields = ("name", "role", "email", "phone")


@admin.register(Client)
class ClientAdmin(PhoneHashSearchMixin, ReadOnlyModelAdmin):
    list_display = ("name", "kind", "organization", "email", "consent_given_at", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "email", "organization__name")
    phone_hash_search_fields = ("phone_hash",)
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "user", "created_by")
    exclude = ("phone_hash", "search_text")
    inlines = [ClientContactInline]


@admin.register(ClientContact)
class ClientContactAdmin(PhoneHashSearchMixin, ReadOnlyModelAdmin):
    list_display = ("name", "role", "client", "email", "created_at")
    search_fields = ("name", "email", "client__name")
    phone_hash_search_fields = ("phone_hash",)
    list_select_related = ("client",)
    raw_id_fields = ("organization", "client")
    exclude = ("phone_hash",)


@admin.register(PipelineStage)
class PipelineStageAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "organization", "order", "kind")
    list_filter = ("kind",)
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


class LeadStageChangeInline(ReadOnlyTabularInline):
    model = LeadStageChange
    fk_name = "lead"
    fields = ("created_at", "from_name", "to_name", "actor")
    ordering = ("-created_at",)


@admin.register(Lead)
class LeadAdmin(ReadOnlyModelAdmin):
    list_display = ("client", "organization", "source", "stage", "agent", "score", "created_at")
    list_filter = ("source",)
    search_fields = ("client__name", "organization__name")
    list_select_related = ("client", "organization", "stage", "agent")
    raw_id_fields = ("organization", "client", "stage", "agent", "property", "created_by")
    inlines = [LeadStageChangeInline]


@admin.register(LeadStageChange)
class LeadStageChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("lead", "from_name", "to_name", "actor", "created_at")
    list_select_related = ("lead", "actor")
    raw_id_fields = ("organization", "lead", "from_stage", "to_stage", "actor")


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyModelAdmin):
    list_display = ("client", "kind", "occurred_at", "author")
    list_filter = ("kind",)
    list_select_related = ("client", "author")
    raw_id_fields = ("organization", "client", "lead", "author")


@admin.register(CrmTask)
class CrmTaskAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "organization", "assignee", "due_at", "done", "reminder_sent_at")
    list_filter = ("done", "origin")
    search_fields = ("title",)
    list_select_related = ("organization", "assignee")
    raw_id_fields = ("organization", "assignee", "created_by", "lead", "client")


@admin.register(AgencyAutomation)
class AgencyAutomationAdmin(ReadOnlyModelAdmin):
    list_display = (
        "organization",
        "assignment_task",
        "assignment_notify",
        "assignment_task_due_hours",
    )
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


# --- matching section ---
from .models_matching import (  # noqa: E402
    ClientRequest,
    MatchHit,
    MatchingWeights,
    RequestExclusion,
)


@admin.register(ClientRequest)
class ClientRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("client", "organization", "transaction", "budget_max", "alert_frequency")
    list_filter = ("transaction", "alert_frequency", "active")
    search_fields = ("client__name",)
    list_select_related = ("client", "organization")
    raw_id_fields = ("organization", "client", "lead", "created_by")


@admin.register(RequestExclusion)
class RequestExclusionAdmin(ReadOnlyModelAdmin):
    list_display = ("request", "property", "created_at")
    raw_id_fields = ("organization", "request", "property")


@admin.register(MatchHit)
class MatchHitAdmin(ReadOnlyModelAdmin):
    list_display = ("request", "property", "score", "notified_at")
    list_select_related = ("request", "property")
    raw_id_fields = ("organization", "request", "property")


@admin.register(MatchingWeights)
class MatchingWeightsAdmin(ReadOnlyModelAdmin):
    list_display = ("organization", "price", "surface", "rooms", "distance", "features")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


from . import admin_transactions  # noqa: E402,F401  (--- transactions section ---)

# --- agency pages section ---
from .models_branding import AgencyBranding  # noqa: E402


@admin.register(AgencyBranding)
class AgencyBrandingAdmin(ReadOnlyModelAdmin):
    list_display = ("organization", "primary_color", "accent_color", "updated_at")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
