"""The agency pages' API:

* ``GET /api/v1/realestate/organizations/{id}/performance/``: the agents' performance
  (``selectors.performance``). Managers and above (and platform staff) read every agent
  of the agency; an agent reads their own row only.
* ``GET/PATCH /api/v1/realestate/organizations/{id}/branding/``: the agency's colours
  (``AgencyBranding``), read by its agents and above (and staff, and shown on its public
  pages), changed by its admins and owners (``realestate.settings.manage``).

Another agency answers 404, a member whose role is too low 403.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.money import Money
from teranga.core.schema import error_codes
from teranga.core.serializers import Serializer, validated_query
from teranga.platform.organizations.errors import OrganizationError

from ..errors import RealEstateError
from ..models import COLOR_PATTERN
from ..selectors import performance as selectors
from ..selectors.access import PROPERTIES_VIEW, SETTINGS_MANAGE
from ..selectors.branding import branding_of
from ..selectors.properties import agency_for
from ..services.branding import branding_update

TAG = ["realestate performance"]
ORGANIZATION_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def period_message() -> str:
    return _("The period runs forward, at most %(days)s days.") % {
        "days": selectors.MAX_PERIOD_DAYS
    }


class RealEstatePerformanceQuerySerializer(Serializer):
    period = serializers.ChoiceField(
        choices=list(selectors.PERIODS),
        default="month",
        help_text="The calendar month, quarter or year of today (in the agency's time "
        "zone); `custom` with `from` and `to`. `from`/`to` given win over the period.",
    )
    from_ = serializers.DateField(required=False, help_text="First day of the period.")
    to = serializers.DateField(required=False, help_text="Last day of the period.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields

    def validate(self, attrs):
        if attrs["period"] == "custom" and not (attrs.get("from") and attrs.get("to")):
            missing = "from" if not attrs.get("from") else "to"
            raise serializers.ValidationError(
                {missing: [_("A custom period needs its first and last day.")]}
            )
        return attrs


def performance_range(query: dict, organization) -> tuple:
    """``(date_from, date_to)`` of a validated query, checked (400 ``invalid``)."""
    date_from, date_to = selectors.period_range(
        period=query["period"],
        today=selectors.agency_today(organization),
        date_from=query.get("from"),
        date_to=query.get("to"),
    )
    if date_from > date_to or (date_to - date_from).days >= selectors.MAX_PERIOD_DAYS:
        raise serializers.ValidationError({"to": [period_message()]})
    return date_from, date_to


class RealEstateAmountSerializer(serializers.Serializer):
    currency = serializers.CharField()
    amount = serializers.IntegerField(help_text="Minor units (XOF has none).")
    display = serializers.CharField(help_text="The amount as people read it.")


def amounts(by_currency: dict[str, int]) -> list[dict]:
    return [
        {"currency": currency, "amount": amount, "display": Money(amount, currency).format()}
        for currency, amount in sorted(by_currency.items())
    ]


class RealEstatePerformanceFiguresSerializer(serializers.Serializer):
    leads_assigned = serializers.IntegerField()
    leads_won = serializers.IntegerField()
    leads_lost = serializers.IntegerField()
    visits_done = serializers.IntegerField()
    visits_no_show = serializers.IntegerField()
    reservations_converted = serializers.IntegerField()
    deals = serializers.IntegerField()
    commission = serializers.SerializerMethodField(help_text="Per currency.")

    @extend_schema_field(RealEstateAmountSerializer(many=True))
    def get_commission(self, row) -> list[dict]:
        return amounts(row.commission)


class RealEstatePerformanceAgentSerializer(RealEstatePerformanceFiguresSerializer):
    agent = serializers.UUIDField(source="agent_id")
    name = serializers.CharField()
    role = serializers.CharField()


class RealEstatePerformanceWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="The Monday of the week.")
    leads_assigned = serializers.IntegerField()
    visits_done = serializers.IntegerField()
    deals = serializers.IntegerField()
    commission = serializers.SerializerMethodField(help_text="Per currency.")

    @extend_schema_field(RealEstateAmountSerializer(many=True))
    def get_commission(self, row) -> list[dict]:
        return amounts(row.commission)


class RealEstatePerformanceSerializer(serializers.Serializer):
    organization = serializers.UUIDField(source="organization.pk")
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    time_zone = serializers.CharField(source="organization.time_zone")
    currency = serializers.CharField(help_text="The currency the charts show.")
    team = serializers.BooleanField(
        help_text="Whether every agent is shown (managers and above), or the reader alone."
    )
    agents = RealEstatePerformanceAgentSerializer(many=True)
    totals = RealEstatePerformanceFiguresSerializer()
    weeks = RealEstatePerformanceWeekSerializer(many=True)


def performance_data(performance, *, team: bool) -> dict:
    """The JSON of the API (and of the page's script) for ``performance``."""
    performance.team = team
    return RealEstatePerformanceSerializer(performance).data


class AgencyPerformanceView(GenericAPIView):
    serializer_class = RealEstatePerformanceSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="The agents' performance over a period",
        description="Per agent of the agency (members from agent to owner): leads "
        "assigned (created in the period), won and lost (reaching a won or lost stage in "
        "the period), visits done and missed (starting in the period), reservations "
        "converted into deals, deals (commissions dated in the period in which the agent "
        "holds a share) and the commission earned per currency (minor units); the totals "
        "(each deal counted once) and a weekly trend (Monday first). Days in the agency's "
        "time zone. Default: the current month; `period` = `month`, `quarter`, `year` or "
        "`custom` (`from` and `to`, at most 400 days). Managers and above (and platform "
        "staff) read every agent; an agent reads their own row only (`team` false).",
        parameters=[ORGANIZATION_ID, RealEstatePerformanceQuerySerializer],
        responses={200: RealEstatePerformanceSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.AGENCY_KIND_NOT_SUPPORTED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def get(self, request, organization_id):
        query = validated_query(RealEstatePerformanceQuerySerializer, request).validated_data
        organization = selectors.performance_agency(
            user=request.user, organization_id=organization_id
        )
        date_from, date_to = performance_range(query, organization)
        performance = selectors.performance_for(
            user=request.user, organization=organization, date_from=date_from, date_to=date_to
        )
        return Response(performance_data(performance, team=organization.sees_team))


# --- Branding ----------------------------------------------------------------------------


def color_field(help_text: str):
    return serializers.RegexField(
        COLOR_PATTERN,
        max_length=7,
        help_text=help_text,
        error_messages={"invalid": _("Write a colour as #RRGGBB.")},
    )


class RealEstateBrandingSerializer(Serializer):
    primary_color = color_field("Main colour, `#RRGGBB` (headers, buttons, links).")
    accent_color = color_field("Accent colour, `#RRGGBB` (prices, highlights).")


BRANDING_400 = [CoreError.INVALID, RealEstateError.AGENCY_KIND_NOT_SUPPORTED]
BRANDING_404 = [OrganizationError.ORGANIZATION_NOT_FOUND]


class AgencyBrandingView(GenericAPIView):
    serializer_class = RealEstateBrandingSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="The agency's colours",
        description="Agents and above (and platform staff). The logo, name and contacts "
        "are the organisation's (`/api/v1/organizations/{id}/`, `…/logo/`). Defaults "
        "until the agency chooses its own.",
        parameters=[ORGANIZATION_ID],
        responses={200: RealEstateBrandingSerializer},
        extensions=error_codes({400: BRANDING_400, 404: BRANDING_404}),
    )
    def get(self, request, organization_id):
        organization = agency_for(
            user=request.user, organization_id=organization_id, action=PROPERTIES_VIEW
        )
        return Response(RealEstateBrandingSerializer(branding_of(organization=organization)).data)

    @extend_schema(
        tags=TAG,
        summary="Change the agency's colours (admins and owners)",
        description="Any subset of the fields, each `#RRGGBB` (stored in lower case).",
        parameters=[ORGANIZATION_ID],
        request=RealEstateBrandingSerializer(partial=True),
        responses={200: RealEstateBrandingSerializer},
        extensions=error_codes({400: BRANDING_400, 404: BRANDING_404}),
    )
    def patch(self, request, organization_id):
        organization = agency_for(
            user=request.user, organization_id=organization_id, action=SETTINGS_MANAGE
        )
        serializer = RealEstateBrandingSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = branding_update(organization=organization, **serializer.validated_data)
        return Response(RealEstateBrandingSerializer(row).data)


urlpatterns = [
    path(
        "organizations/<uuid:organization_id>/branding/",
        AgencyBrandingView.as_view(),
        name="agency-branding",
    ),
    path(
        "organizations/<uuid:organization_id>/performance/",
        AgencyPerformanceView.as_view(),
        name="agency-performance",
    ),
]
