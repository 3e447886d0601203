"""Query filters of the Booking catalogue (django-filter). They only narrow a queryset the
selectors already scoped to what the caller may see."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from teranga.platform.scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    OverrideKind,
    Resource,
    ResourceKind,
)

from ..models import Service
from ..selectors.catalog import rules_valid_between

MAX_SEARCH_TERMS = 5


class ServiceFilter(django_filters.FilterSet):
    category = django_filters.CharFilter(field_name="category__slug", label="Category slug")
    city = django_filters.CharFilter(
        field_name="organization__city", lookup_expr="iexact", label="City of the business"
    )
    region = django_filters.CharFilter(
        field_name="organization__region__code",
        lookup_expr="iexact",
        label="Region code of the business (e.g. DK, TH)",
    )
    price_min = django_filters.NumberFilter(
        field_name="price_amount", lookup_expr="gte", label="Minimum price (minor units)"
    )
    price_max = django_filters.NumberFilter(
        field_name="price_amount", lookup_expr="lte", label="Maximum price (minor units)"
    )
    tag = django_filters.CharFilter(field_name="tags__slug", label="Tag slug")
    organization = django_filters.UUIDFilter(field_name="organization_id", label="Business id")
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(
        method="search", label="Search name, description, business and category names"
    )

    class Meta:
        model = Service
        fields = [
            "category",
            "city",
            "region",
            "price_min",
            "price_max",
            "tag",
            "organization",
            "is_active",
            "q",
        ]

    def search(self, queryset, name, value):
        for term in value.split()[:MAX_SEARCH_TERMS]:
            queryset = queryset.filter(
                Q(name__icontains=term)
                | Q(description__icontains=term)
                | Q(organization__name__icontains=term)
                | Q(category__name__icontains=term)
            )
        return queryset


class ResourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ResourceKind.choices)
    branch = django_filters.UUIDFilter(field_name="branch_id")
    is_active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = Resource
        fields = ["kind", "branch", "is_active", "q"]


class AvailabilityRuleFilter(django_filters.FilterSet):
    weekday = django_filters.NumberFilter(label="0 = Monday … 6 = Sunday")
    date_from = django_filters.DateFilter(method="valid_range", label="Valid on or after")
    date_to = django_filters.DateFilter(method="valid_range", label="Valid on or before")

    class Meta:
        model = AvailabilityRule
        fields = ["weekday", "date_from", "date_to"]

    def valid_range(self, queryset, name, value):
        if name == "date_from":
            return rules_valid_between(queryset, value, None)
        return rules_valid_between(queryset, None, value)


class AvailabilityOverrideFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OverrideKind.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = AvailabilityOverride
        fields = ["kind", "date_from", "date_to"]
