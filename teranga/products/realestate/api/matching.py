"""The API of client requests (saved searches) and matching: requests per agency, one
request (read, change, delete), its "not suitable" properties, the matches in both
directions (``requests/{id}/matches/``, ``properties/{id}/matches/``) and the agency's
matching weights.

Requests belong to the CRM: the agency's agents and above work them, managers and above
delete them; admins set the weights (``SETTINGS_MANAGE``). Another agency's request or
property answers 404, a role too low 403. Each match explains its score field by field
(``details``: ``field``, ``points``, ``max``, ``reason`` — see ``matching.py``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.pagination import CursorPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import Serializer, validated_query
from teranga.platform.organizations.errors import OrganizationError

from ..errors import RealEstateError
from ..matching import FIELDS, REASONS
from ..models import Feature, PropertyStatus, PropertyType, TransactionType, features_list
from ..models_matching import MAX_ZONES, ZONE_LABEL_MAX_LENGTH, AlertFrequency
from ..selectors import access as property_access
from ..selectors import crm as crm_selectors
from ..selectors import matching as selectors
from ..services import requests as services
from .serializers import AMOUNT_MAX

TAG = ["realestate matching"]
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
REQUEST_ID = OpenApiParameter("request_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PROPERTY_ID = OpenApiParameter("property_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
AGENCY_400 = [CoreError.INVALID, RealEstateError.AGENCY_KIND_NOT_SUPPORTED]
AGENCY_404 = [OrganizationError.ORGANIZATION_NOT_FOUND]
REQUEST_404 = [RealEstateError.REQUEST_NOT_FOUND]
PROPERTY_404 = [RealEstateError.PROPERTY_NOT_FOUND]
WRITE_400 = [CoreError.INVALID, RealEstateError.CLIENT_NOT_FOUND, RealEstateError.LEAD_NOT_FOUND]
MAX_RADIUS_KM = 100.0
SURFACE_MAX = 10**6


# --- Serializers -----------------------------------------------------------------------------


class RealEstateZoneSerializer(Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lng = serializers.FloatField(min_value=-180, max_value=180)
    radius_km = serializers.FloatField(min_value=0.1, max_value=MAX_RADIUS_KM)
    label = serializers.CharField(
        max_length=ZONE_LABEL_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class RealEstateRequestWriteSerializer(Serializer):
    client = serializers.UUIDField(help_text="A client of the agency (only at creation).")
    lead = serializers.UUIDField(required=False, allow_null=True, help_text="A lead of the client.")
    transaction = serializers.ChoiceField(choices=TransactionType.choices)
    property_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PropertyType.choices),
        max_length=len(PropertyType.choices),
        required=False,
        help_text="Empty: any type.",
    )
    budget_min = serializers.IntegerField(
        min_value=0, max_value=AMOUNT_MAX, required=False, allow_null=True
    )
    budget_max = serializers.IntegerField(
        min_value=0,
        max_value=AMOUNT_MAX,
        required=False,
        allow_null=True,
        help_text="Minor units of `currency`. A price over it by up to the agency's "
        "tolerance still matches, with fewer points.",
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    surface_min = serializers.IntegerField(
        min_value=0, max_value=SURFACE_MAX, required=False, allow_null=True
    )
    surface_max = serializers.IntegerField(
        min_value=0, max_value=SURFACE_MAX, required=False, allow_null=True
    )
    rooms_min = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    bedrooms_min = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True
    )
    zones = RealEstateZoneSerializer(
        many=True,
        required=False,
        max_length=MAX_ZONES,
        help_text=f"At most {MAX_ZONES} circles; empty: anywhere.",
    )
    required_features = serializers.ListField(
        child=serializers.ChoiceField(choices=Feature.choices),
        max_length=len(Feature.choices),
        required=False,
    )
    nice_features = serializers.ListField(
        child=serializers.ChoiceField(choices=Feature.choices),
        max_length=len(Feature.choices),
        required=False,
    )
    active = serializers.BooleanField(required=False)
    alert_frequency = serializers.ChoiceField(choices=AlertFrequency.choices, required=False)

    def validate_zones(self, value):
        if len(value) > MAX_ZONES:
            raise serializers.ValidationError(_("At most %(count)d zones.") % {"count": MAX_ZONES})
        return [dict(zone) for zone in value]


class RealEstateRequestUpdateSerializer(RealEstateRequestWriteSerializer):
    client = None


class RealEstateRequestClientSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class RealEstateZoneReadSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lng = serializers.FloatField()
    radius_km = serializers.FloatField()
    label = serializers.CharField()


class RealEstateRequestSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    organization = serializers.UUIDField(source="organization_id")
    client = RealEstateRequestClientSerializer()
    lead = serializers.UUIDField(source="lead_id", allow_null=True)
    transaction = serializers.ChoiceField(choices=TransactionType.choices)
    property_types = serializers.ListField(child=serializers.ChoiceField(PropertyType.choices))
    budget_min = serializers.IntegerField(allow_null=True)
    budget_max = serializers.IntegerField(allow_null=True)
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    surface_min = serializers.IntegerField(allow_null=True)
    surface_max = serializers.IntegerField(allow_null=True)
    rooms_min = serializers.IntegerField(allow_null=True)
    bedrooms_min = serializers.IntegerField(allow_null=True)
    zones = RealEstateZoneReadSerializer(many=True)
    required_features = serializers.SerializerMethodField()
    nice_features = serializers.SerializerMethodField()
    active = serializers.BooleanField()
    alert_frequency = serializers.ChoiceField(choices=AlertFrequency.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Feature.choices)))
    def get_required_features(self, obj) -> list[str]:
        return features_list(obj.required_features)

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Feature.choices)))
    def get_nice_features(self, obj) -> list[str]:
        return features_list(obj.nice_features)


class RealEstateRequestQuerySerializer(Serializer):
    client = serializers.UUIDField(required=False, help_text="Only this client's requests.")
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RealEstateMatchDetailSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=[(f, f) for f in FIELDS])
    points = serializers.FloatField()
    max = serializers.IntegerField()
    reason = serializers.ChoiceField(
        choices=[(r, r) for r in REASONS], help_text="Why these points (a stable code)."
    )
    distance_km = serializers.FloatField(required=False, help_text="`distance` only.")
    zone = serializers.CharField(required=False, help_text="`distance` only: the zone's label.")
    over_percent = serializers.FloatField(required=False, help_text="`price` over the budget.")
    missing = serializers.JSONField(required=False, help_text="Rooms or features missing.")
    found = serializers.ListField(child=serializers.CharField(), required=False)
    converted_price = serializers.IntegerField(
        required=False,
        help_text="`price`, when the property's currency is not the budget's: its price "
        "converted into the budget's currency (minor units; XOF–EUR at the fixed peg "
        "655.957 F CFA = 1 €).",
    )
    converted_currency = serializers.ChoiceField(
        choices=CURRENCY_CHOICES, required=False, help_text="`price`: the budget's currency."
    )
    converted_display = serializers.CharField(
        required=False, help_text="`price`: the converted price, formatted."
    )


class RealEstateMatchedPropertySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    property_type = serializers.ChoiceField(choices=PropertyType.choices)
    transaction = serializers.ChoiceField(choices=TransactionType.choices)
    status = serializers.ChoiceField(choices=PropertyStatus.choices)
    price = serializers.IntegerField()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    surface = serializers.IntegerField(allow_null=True)
    rooms = serializers.IntegerField(allow_null=True)
    bedrooms = serializers.IntegerField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)


class RealEstatePropertyMatchSerializer(serializers.Serializer):
    property = RealEstateMatchedPropertySerializer(source="obj")
    score = serializers.IntegerField(min_value=0, max_value=100)
    details = RealEstateMatchDetailSerializer(many=True)


class RealEstateRequestMatchSerializer(serializers.Serializer):
    request = RealEstateRequestSerializer(source="obj")
    score = serializers.IntegerField(min_value=0, max_value=100)
    details = RealEstateMatchDetailSerializer(many=True)


class RealEstateMatchQuerySerializer(Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=selectors.MAX_MATCHES, default=50)
    min_score = serializers.IntegerField(min_value=0, max_value=100, default=0)


class RealEstateExclusionWriteSerializer(Serializer):
    property = serializers.UUIDField(help_text="A property of the request's agency.")


class RealEstateExclusionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    request = serializers.UUIDField(source="request_id")
    property = serializers.UUIDField(source="property_id")
    created_at = serializers.DateTimeField()


class RealEstateMatchingWeightsSerializer(Serializer):
    price = serializers.IntegerField(min_value=0, max_value=100)
    surface = serializers.IntegerField(min_value=0, max_value=100)
    rooms = serializers.IntegerField(min_value=0, max_value=100)
    distance = serializers.IntegerField(min_value=0, max_value=100)
    features = serializers.IntegerField(min_value=0, max_value=100)
    price_tolerance_percent = serializers.IntegerField(
        min_value=0, max_value=50, help_text="How far over the budget a price still matches."
    )
    alert_min_score = serializers.IntegerField(
        min_value=0, max_value=100, help_text="Matches below it are not sent as alerts."
    )


# --- Views -----------------------------------------------------------------------------------


class RequestCursorPagination(CursorPagination):
    page_size = 20
    ordering = "-created_at"


class MatchingView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    pagination_class = RequestCursorPagination

    def valid(self, serializer_class, *, partial=False) -> dict:
        serializer = serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


def _request_data(request_id) -> dict:
    return RealEstateRequestSerializer(selectors.request_detail(request_id=request_id)).data


def _filtered(matches, query) -> list:
    return [m for m in matches if m.score >= query["min_score"]][: query["limit"]]


class AgencyRequestsView(MatchingView):
    serializer_class = RealEstateRequestSerializer

    @extend_schema(
        tags=TAG,
        summary="The agency's client requests (agents and above)",
        description="Newest first; `client` keeps one client's, `active` active or inactive ones.",
        parameters=[ORG_ID, RealEstateRequestQuerySerializer],
        responses={200: RealEstateRequestSerializer(many=True)},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = crm_selectors.crm_agency(user=request.user, organization_id=organization_id)
        query = validated_query(RealEstateRequestQuerySerializer, request).validated_data
        rows = selectors.requests_list(
            organization=organization, client_id=query.get("client"), active=query.get("active")
        )
        return self.paginated(rows, RealEstateRequestSerializer)

    @extend_schema(
        tags=TAG,
        summary="Add a client request or saved search (agents and above)",
        description="A saved search is a request with an `alert_frequency` (instant, daily, "
        "weekly): new matches are sent to the client's account, or by email with their "
        "consent. Matching runs in the background once saved.",
        parameters=[ORG_ID],
        request=RealEstateRequestWriteSerializer,
        responses={201: RealEstateRequestSerializer},
        extensions=error_codes({400: [*AGENCY_400, *WRITE_400], 404: AGENCY_404}),
    )
    def post(self, request, organization_id):
        organization = crm_selectors.crm_agency(user=request.user, organization_id=organization_id)
        fields = self.valid(RealEstateRequestWriteSerializer)
        req = services.request_create(
            organization=organization,
            actor=request.user,
            client_id=fields.pop("client"),
            lead_id=fields.pop("lead", None),
            **fields,
        )
        return Response(_request_data(req.pk), status=status.HTTP_201_CREATED)


class RequestDetailView(MatchingView):
    serializer_class = RealEstateRequestSerializer

    @extend_schema(
        tags=TAG,
        summary="One client request (agents and above)",
        parameters=[REQUEST_ID],
        responses={200: RealEstateRequestSerializer},
        extensions=error_codes({404: REQUEST_404}),
    )
    def get(self, request, request_id):
        req = selectors.request_for(user=request.user, request_id=request_id)
        return Response(_request_data(req.pk))

    @extend_schema(
        tags=TAG,
        summary="Change a client request (agents and above)",
        description="Any field of the creation but the client. Matching re-runs in the background.",
        parameters=[REQUEST_ID],
        request=RealEstateRequestUpdateSerializer(partial=True),
        responses={200: RealEstateRequestSerializer},
        extensions=error_codes({400: WRITE_400, 404: REQUEST_404}),
    )
    def patch(self, request, request_id):
        req = selectors.request_for(user=request.user, request_id=request_id)
        fields = self.valid(RealEstateRequestUpdateSerializer, partial=True)
        lead = fields.pop("lead") if "lead" in fields else Ellipsis
        services.request_update(req=req, lead_id=lead, **fields)
        return Response(_request_data(req.pk))

    @extend_schema(
        tags=TAG,
        summary="Delete a client request (managers and above)",
        parameters=[REQUEST_ID],
        responses={204: None},
        extensions=error_codes({404: REQUEST_404}),
    )
    def delete(self, request, request_id):
        req = selectors.request_for(
            user=request.user, request_id=request_id, action=selectors.CRM_MANAGE
        )
        services.request_delete(req=req)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RequestMatchesView(MatchingView):
    serializer_class = RealEstatePropertyMatchSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The properties that fit a request, best first (agents and above)",
        description="The agency's available properties, scored 0–100 with the agency's "
        "weights; each explains its score field by field. Properties marked not suitable "
        "are left out. Not paginated: `limit` (at most 200) and `min_score`.",
        parameters=[REQUEST_ID, RealEstateMatchQuerySerializer],
        responses={200: RealEstatePropertyMatchSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID], 404: REQUEST_404}),
    )
    def get(self, request, request_id):
        req = selectors.request_for(user=request.user, request_id=request_id)
        query = validated_query(RealEstateMatchQuerySerializer, request).validated_data
        matches = _filtered(selectors.request_matches(req=req), query)
        return Response(RealEstatePropertyMatchSerializer(matches, many=True).data)


class PropertyMatchesView(MatchingView):
    serializer_class = RealEstateRequestMatchSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The client requests a property fits, best first (agents and above)",
        description="The agency's active requests, scored 0–100 with the agency's weights; "
        "each explains its score field by field. Requests for which the client marked the "
        "property not suitable are left out. Not paginated: `limit` and `min_score`.",
        parameters=[PROPERTY_ID, RealEstateMatchQuerySerializer],
        responses={200: RealEstateRequestMatchSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID], 404: PROPERTY_404}),
    )
    def get(self, request, property_id):
        prop = property_access.property_for_staff(
            user=request.user, property_id=property_id, action=selectors.CRM_VIEW
        )
        query = validated_query(RealEstateMatchQuerySerializer, request).validated_data
        matches = _filtered(selectors.property_matches(prop=prop), query)
        return Response(RealEstateRequestMatchSerializer(matches, many=True).data)


class RequestExclusionsView(MatchingView):
    serializer_class = RealEstateExclusionSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="Mark a property not suitable for a request (agents and above)",
        description="It never appears in the request's matches again. Idempotent.",
        parameters=[REQUEST_ID],
        request=RealEstateExclusionWriteSerializer,
        responses={201: RealEstateExclusionSerializer},
        extensions=error_codes(
            {400: [CoreError.INVALID, RealEstateError.PROPERTY_NOT_FOUND], 404: REQUEST_404}
        ),
    )
    def post(self, request, request_id):
        req = selectors.request_for(user=request.user, request_id=request_id)
        fields = self.valid(RealEstateExclusionWriteSerializer)
        row = services.exclusion_add(req=req, property_id=fields["property"])
        return Response(RealEstateExclusionSerializer(row).data, status=status.HTTP_201_CREATED)


class RequestExclusionView(MatchingView):
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="Make a property suitable again for a request (agents and above)",
        description="Idempotent: 204 whether it was marked or not.",
        parameters=[REQUEST_ID, PROPERTY_ID],
        responses={204: None},
        extensions=error_codes({404: REQUEST_404}),
    )
    def delete(self, request, request_id, property_id):
        req = selectors.request_for(user=request.user, request_id=request_id)
        services.exclusion_remove(req=req, property_id=property_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AgencyMatchingWeightsView(MatchingView):
    serializer_class = RealEstateMatchingWeightsSerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="The agency's matching weights (admins and owners)",
        description="Points of each part of a match (normalised to 100), the price "
        "tolerance and the least score sent as an alert. Defaults without a setting.",
        parameters=[ORG_ID],
        responses={200: RealEstateMatchingWeightsSerializer},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def get(self, request, organization_id):
        organization = crm_selectors.crm_agency(
            user=request.user, organization_id=organization_id, action=selectors.SETTINGS_MANAGE
        )
        row = selectors.weights_row(organization=organization)
        return Response(RealEstateMatchingWeightsSerializer(row).data)

    @extend_schema(
        tags=TAG,
        summary="Set the agency's matching weights (admins and owners)",
        description="Every field. At least one weight above zero.",
        parameters=[ORG_ID],
        request=RealEstateMatchingWeightsSerializer,
        responses={200: RealEstateMatchingWeightsSerializer},
        extensions=error_codes({400: AGENCY_400, 404: AGENCY_404}),
    )
    def put(self, request, organization_id):
        organization = crm_selectors.crm_agency(
            user=request.user, organization_id=organization_id, action=selectors.SETTINGS_MANAGE
        )
        fields = self.valid(RealEstateMatchingWeightsSerializer)
        row = services.weights_update(organization=organization, **fields)
        return Response(RealEstateMatchingWeightsSerializer(row).data)
