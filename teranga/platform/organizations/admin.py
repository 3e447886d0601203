"""Admin for organisations. Verification decisions go through the service, so the
decision log and the real-time announcement happen exactly as through the API."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.core.errors import ApplicationError

from . import services
from .models import (
    Branch,
    Closure,
    DocumentStatus,
    Invitation,
    Membership,
    OpeningHours,
    Organization,
    VerificationDecision,
    VerificationDocument,
    VerificationStatus,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


class BranchInline(admin.TabularInline):
    model = Branch
    extra = 0
    fields = ("name", "region", "department", "commune", "is_active")
    show_change_link = True


class VerificationDocumentInline(admin.TabularInline):
    model = VerificationDocument
    extra = 0
    fields = ("kind", "file", "status", "reviewed_by", "reviewed_at", "note")
    readonly_fields = ("reviewed_by", "reviewed_at")
    show_change_link = True


class VerificationDecisionInline(ReadOnlyTabularInline):
    model = VerificationDecision
    fields = ("status", "decided_by", "note", "created_at")
    readonly_fields = fields


def _decide(modeladmin, request, queryset, status: str) -> None:
    done = 0
    for organization in queryset:
        try:
            services.organization_verification_decide(
                actor=request.user,
                organization=organization,
                status=status,
                note=_("From the admin."),
            )
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{organization}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(
            request,
            _("%(count)d organisation(s) marked %(status)s.") % {"count": done, "status": status},
        )


@admin.action(description=_("Verify the selected organisations"))
def verify(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, VerificationStatus.VERIFIED)


@admin.action(description=_("Reject the selected organisations"))
def reject(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, VerificationStatus.REJECTED)


@admin.action(description=_("Suspend the selected organisations"))
def suspend(modeladmin, request, queryset):
    _decide(modeladmin, request, queryset, VerificationStatus.SUSPENDED)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "city",
        "region",
        "country",
        "verification_status",
        "verified_at",
        "created_at",
    )
    list_filter = ("verification_status", "kind", "country", "region", "currency")
    search_fields = ("name", "slug", "city", "contact_email", "siret", "ninea", "rccm")
    list_select_related = ("region",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("verification_status", "verified_at", "created_at", "updated_at")
    date_hierarchy = "created_at"
    actions = [verify, reject, suspend]
    inlines = [
        MembershipInline,
        BranchInline,
        VerificationDocumentInline,
        VerificationDecisionInline,
    ]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "organization__name")
    list_select_related = ("user", "organization")
    raw_id_fields = ("user", "organization")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "organization",
        "role",
        "state",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "invited_by", "accepted_by")
    readonly_fields = ("token_hash", "accepted_at", "accepted_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # invitations are created through the API (the token is emailed)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "region", "department", "commune", "is_active")
    list_filter = ("is_active", "region")
    search_fields = ("name", "address", "commune", "organization__name")
    list_select_related = ("organization", "region", "department")
    raw_id_fields = ("organization",)
    inlines = [OpeningHoursInline]


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ("branch", "weekday", "opens_at", "closes_at", "break_start", "break_end")
    list_filter = ("weekday",)
    search_fields = ("branch__name", "branch__organization__name")
    list_select_related = ("branch", "branch__organization")
    raw_id_fields = ("branch",)


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("organization", "branch", "starts_on", "ends_on", "kind", "reason")
    list_filter = ("kind",)
    search_fields = ("organization__name", "branch__name", "reason")
    list_select_related = ("organization", "branch")
    raw_id_fields = ("organization", "branch")
    date_hierarchy = "starts_on"


def _review(modeladmin, request, queryset, status: str) -> None:
    done = 0
    for document in queryset:
        try:
            services.verification_document_review(
                actor=request.user, document=document, status=status
            )
            done += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{document}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(count)d document(s) reviewed.") % {"count": done})


@admin.action(description=_("Accept the selected documents"))
def accept_documents(modeladmin, request, queryset):
    _review(modeladmin, request, queryset, DocumentStatus.ACCEPTED)


@admin.action(description=_("Reject the selected documents"))
def reject_documents(modeladmin, request, queryset):
    _review(modeladmin, request, queryset, DocumentStatus.REJECTED)


@admin.register(VerificationDocument)
class VerificationDocumentAdmin(admin.ModelAdmin):
    list_display = ("organization", "kind", "status", "created_at", "reviewed_by", "reviewed_at")
    list_filter = ("status", "kind")
    search_fields = ("organization__name",)
    list_select_related = ("organization", "reviewed_by")
    raw_id_fields = ("organization", "uploaded_by")
    readonly_fields = ("reviewed_by", "reviewed_at", "created_at")
    actions = [accept_documents, reject_documents]

    def save_model(self, request, obj, form, change):
        """Changing the status in the form records who reviewed it and when."""
        if change and "status" in form.changed_data and obj.status != DocumentStatus.PENDING:
            # The other fields are saved first with the stored status, so that the review
            # (and its audit entry) sees the status before and after.
            status = obj.status
            obj.status = form.initial["status"]
            super().save_model(request, obj, form, change)
            services.verification_document_review(
                actor=request.user, document=obj, status=status, note=obj.note
            )
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)


@admin.register(VerificationDecision)
class VerificationDecisionAdmin(ReadOnlyModelAdmin):
    """Read-only: the log is append-only; decide with the organisation actions."""

    list_display = ("organization", "status", "decided_by", "created_at")
    list_filter = ("status",)
    search_fields = ("organization__name", "note")
    list_select_related = ("organization", "decided_by")
