"""Query filters of the Academy (django-filter). They only narrow a queryset the
selectors already scoped to what the caller may see."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from teranga.core.filters import TextFilter

from ..models import Formation, Level, Platform, Session, SessionStatus

MAX_SEARCH_TERMS = 5


class FormationFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization_id", label="Academy id")
    level = django_filters.ChoiceFilter(choices=Level.choices)
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    q = TextFilter(method="search", label="Search title and description")

    class Meta:
        model = Formation
        fields = ["organization", "level", "platform"]

    def search(self, queryset, name, value):
        for term in value.split()[:MAX_SEARCH_TERMS]:
            queryset = queryset.filter(Q(title__icontains=term) | Q(description__icontains=term))
        return queryset


class SessionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Session
        fields = ["status"]
