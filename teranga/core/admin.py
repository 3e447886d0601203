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


class PhoneHashSearchMixin:
    """Admin search by phone number on encrypted phones: a search term that reads as a
    phone number (``teranga.core.phones``, national or international) also finds the
    rows whose keyed hash (``phone_hash_search_fields``, e.g. ``("phone_hash",)``)
    matches. The encrypted columns themselves cannot be searched."""

    phone_hash_search_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        from django.db.models import Q

        from teranga.core.encryption import phone_hash
        from teranga.core.phones import phone_parse

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = phone_parse(search_term) if self.phone_hash_search_fields else None
        if number:
            digest = phone_hash(number)
            match = Q()
            for name in self.phone_hash_search_fields:
                match |= Q(**{name: digest})
            results |= queryset.filter(match)
        return results, may_have_duplicates
