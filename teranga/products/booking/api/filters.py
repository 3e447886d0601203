"""Query filters of the Booking catalogue (django-filter). They only narrow a queryset the
selectors already scoped to what the caller may see."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from teranga.core.filters import TextFilter
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
    category = TextFilter(field_name="category__slug", label="Category slug")
    city = TextFilter(
        field_name="organization__city",
        lookup_expr="iexact",
        label="City of the business",
    )
    region = TextFilter(
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
    tag = TextFilter(field_name="tags__slug", label="Tag slug")
    organization = django_filters.UUIDFilter(field_name="organization_id", label="Business id")
    is_active = django_filters.BooleanFilter()
    q = TextFilter(
        method="search",
        label="Search name, description, business and category names",
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
    q = TextFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = Resource
        fields = ["kind", "branch", "is_active", "q"]


class AvailabilityRuleFilter(django_filters.FilterSet):
    """``date``, ``date_from`` / ``date_to``: the rules that apply on that date, or on
    at least one day of that range — of its weekday and within the rule's own dates."""

    weekday = django_filters.NumberFilter(label="0 = Monday … 6 = Sunday")
    date = django_filters.DateFilter(
        method="applies_on", label="Applies on that date (its weekday, within the rule's dates)"
    )
    date_from = django_filters.DateFilter(
        method="applies_between", label="Applies on a day on or after"
    )
    date_to = django_filters.DateFilter(
        method="applies_between", label="Applies on a day on or before"
    )

    class Meta:
        model = AvailabilityRule
        fields = ["weekday", "date", "date_from", "date_to"]

    def applies_on(self, queryset, name, value):
        return rules_valid_between(queryset, value, value)

    def applies_between(self, queryset, name, value):
        """The range as a whole: its weekdays depend on both ends."""
        date_from = self.form.cleaned_data.get("date_from")
        if name == "date_to" and date_from is not None:
            return queryset  # applied with ``date_from``
        return rules_valid_between(queryset, date_from, self.form.cleaned_data.get("date_to"))


class AvailabilityOverrideFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OverrideKind.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = AvailabilityOverride
        fields = ["kind", "date_from", "date_to"]
