"""Admin bases for rows that staff may look at but never edit in the admin: logs,
outboxes, money records, issued documents. Their changes go through the services (the
API, webhooks, jobs), which the admin would bypass. This module registers nothing."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdminMixin:
    """Lists and shows rows; never adds, changes or deletes them.

    Guarantees, for a ``ModelAdmin`` or an inline: no add button or add page (403), no
    editable form (the change page is view-only, a POST gets 403), no delete page or
    ``delete_selected`` action, no delete checkbox in inlines. Viewing still needs the
    model's view (or change) permission, as anywhere in the admin; actions that declare
    other permissions (``has_<name>_permission``) still work.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A ``ModelAdmin`` with the guarantees of :class:`ReadOnlyAdminMixin`."""


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A tabular inline with the guarantees of :class:`ReadOnlyAdminMixin`, and no empty
    extra rows."""

    extra = 0
    can_delete = False
