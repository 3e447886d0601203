from __future__ import annotations

import django_filters

from teranga.core.filters import TextFilter

from ..models import (
    KIND_MAX_LENGTH,
    CaseStatus,
    LogAction,
    ModerationCase,
    ModerationLogEntry,
)


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=CaseStatus.choices, label="Status (default: open)", empty_label=None
    )
    kind = TextFilter(max_length=KIND_MAX_LENGTH, label="Kind, e.g. messaging.message")
    organization = django_filters.UUIDFilter(field_name="organization_id", label="Organisation")

    class Meta:
        model = ModerationCase
        fields = ["status", "kind", "organization"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=CaseStatus.OPEN)
        return super().filter_queryset(queryset)


class LogFilter(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(choices=LogAction.choices, label="Action")
    kind = TextFilter(max_length=KIND_MAX_LENGTH, label="Kind, e.g. messaging.message")
    object_id = TextFilter(max_length=64, label="The object's id")
    organization = django_filters.UUIDFilter(field_name="organization_id", label="Organisation")
    case = django_filters.UUIDFilter(field_name="case_id", label="Case")

    class Meta:
        model = ModerationLogEntry
        fields = ["action", "kind", "object_id", "organization", "case"]
