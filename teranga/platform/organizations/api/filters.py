import django_filters
from django.db.models import Q

from teranga.core.filters import TextFilter
from teranga.platform.geo.models import Region

from ..models import Organization, OrganizationKind


class OrganizationDirectoryFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices)
    region = TextFilter(
        field_name="region__code",
        lookup_expr="iexact",
        max_length=Region._meta.get_field("code").max_length,
        label="Region code (e.g. DK, TH)",
    )
    city = TextFilter(field_name="city", lookup_expr="iexact")
    q = TextFilter(method="search", label="Search name, description and city")

    class Meta:
        model = Organization
        fields = ["kind", "region", "city", "q"]

    def search(self, queryset, name, value):
        for term in value.split()[:5]:
            queryset = queryset.filter(
                Q(name__icontains=term) | Q(description__icontains=term) | Q(city__icontains=term)
            )
        return queryset
