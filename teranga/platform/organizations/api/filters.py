import django_filters
from django.db.models import Q

from ..models import Organization, OrganizationKind


class OrganizationDirectoryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices)
    region = django_filters.CharFilter(
        field_name="region__code", lookup_expr="iexact", label="Region code (e.g. DK, TH)"
    )
    city = django_filters.CharFilter(field_name="city", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="Search name, description and city")

    class Meta:
        model = Organization
        fields = ["kind", "region", "city", "q"]

    def search(self, queryset, name, value):
        for term in value.split()[:5]:
            queryset = queryset.filter(
                Q(name__icontains=term) | Q(description__icontains=term) | Q(city__icontains=term)
            )
        return queryset
