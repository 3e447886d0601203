"""Moderation in the admin: the queue (decided through the services, as the API does),
the log (read-only) and the staff terms (editable; every change reaches every process)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from teranga.core.admin import ReadOnlyModelAdmin
from teranga.core.errors import ApplicationError

from . import services
from .models import CaseStatus, ModerationCase, ModerationLogEntry, ModerationTerm


@admin.register(ModerationCase)
class ModerationCaseAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "kind", "status", "action", "excerpt", "reports", "organization")
    list_filter = ("status", "action", "kind", "created_at")
    search_fields = ("excerpt", "object_id", "scope", "author__email")
    list_select_related = ("organization",)
    readonly_fields = (
        "kind",
        "object_id",
        "organization",
        "scope",
        "author",
        "excerpt",
        "action",
        "reasons",
        "reports",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "note",
    )
    actions = ["approve_cases", "remove_cases"]

    def has_decide_permission(self, request) -> bool:
        return bool(request.user.is_staff and self.has_view_permission(request))

    def _decide(self, request, queryset, service) -> None:
        done = 0
        for case_id in queryset.filter(status=CaseStatus.OPEN).values_list("pk", flat=True):
            try:
                service(user=request.user, case_id=case_id)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.WARNING)
            else:
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d case decided.", "%(count)d cases decided.", done) % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Approve: keep the content"), permissions=["decide"])
    def approve_cases(self, request, queryset) -> None:
        self._decide(request, queryset, services.case_approve)

    @admin.action(description=_("Remove the content"), permissions=["decide"])
    def remove_cases(self, request, queryset) -> None:
        self._decide(request, queryset, services.case_remove)


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "action", "kind", "object_id", "actor", "reason")
    list_filter = ("action", "kind", "created_at")
    search_fields = ("object_id", "reason", "excerpt", "actor__email")
    list_select_related = ("actor",)


@admin.register(ModerationTerm)
class ModerationTermAdmin(admin.ModelAdmin):
    list_display = ("term", "kind", "language", "action", "active", "updated_at")
    list_filter = ("kind", "language", "action", "active")
    list_editable = ("active",)
    search_fields = ("term",)
