"""Catalogue endpoints of the Booking product: categories, services, their images and
free slots, and the availability staff manage (resources, weekly rules, overrides).

Who may do what (see ``selectors.catalog``):

* public (no login): categories; the list, detail and slots of **active services of
  verified businesses**;
* an organisation's agents and above (and staff): every service of the organisation,
  inactive ones and those of a business not yet verified included
  (``GET organizations/{id}/services/``, detail, slots), and its resources, rules and
  overrides;
* its managers and above: create and change services, images, resources, rules and
  overrides.

Objects of an organisation the caller does not belong to answer 404; a member whose role
is too low gets 403; writes without a token get 401.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from teranga.platform.organizations.access import OrganizationAccess
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import AvailabilityOverride, AvailabilityRule, Resource

from ..models import Service
from ..selectors import catalog as selectors
from ..services import catalog as services
from . import catalog_serializers as s
from .filters import (
    AvailabilityOverrideFilter,
    AvailabilityRuleFilter,
    ResourceFilter,
    ServiceFilter,
)

TAG = ["booking"]
AVAILABILITY_TAG = ["booking availability"]

SERVICE_ID = OpenApiParameter("service_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SERVICE_ORDERING = ["price_amount", "name", "duration_minutes", "created_at"]


class SlotsRateThrottle(SimpleRateThrottle):
    """Throttle scope ``slots`` (slot computation is the most expensive public read):
    per user, or per address for anonymous callers. The rate comes from
    ``DEFAULT_THROTTLE_RATES["slots"]``, else :attr:`DEFAULT_RATE`."""

    scope = "slots"
    DEFAULT_RATE = "120/min"

    def get_rate(self):
        return self.THROTTLE_RATES.get(self.scope) or self.DEFAULT_RATE

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = request.user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ScopeQuerySerializer(serializers.Serializer):
    """``?resource=`` or ``?organization=`` of the availability lists."""

    resource = serializers.UUIDField(required=False)
    organization = serializers.UUIDField(required=False)


def _scope(request) -> dict:
    query = ScopeQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return {
        "resource_id": query.validated_data.get("resource"),
        "organization_id": query.validated_data.get("organization"),
    }


class CatalogView(GenericAPIView):
    filter_backends: list = []

    def paginated(self, queryset, serializer_class):
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            serializer_class(page, many=True, context={"request": self.request}).data
        )

    def service_response(self, service_id, status_code=status.HTTP_200_OK) -> Response:
        service = selectors.service_get(user=self.request.user, service_id=service_id)
        return Response(
            s.ServiceSerializer(service, context={"request": self.request}).data,
            status=status_code,
        )


# --- Categories -----------------------------------------------------------------------------


class CategoryListView(CatalogView):
    permission_classes = [AllowAny]
    serializer_class = s.CategorySerializer
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="Service categories",
        description="Public, not paginated, in display order.",
        responses={200: s.CategorySerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        return Response(s.CategorySerializer(selectors.categories(), many=True).data)


# --- Services -------------------------------------------------------------------------------


class ServiceListCreateView(CatalogView):
    serializer_class = s.ServiceSerializer
    filterset_class = ServiceFilter
    ordering_fields = SERVICE_ORDERING
    ordering = ["name"]

    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method == "GET":
            self.throttle_scope = "directory"
        return super().get_throttles()

    def get_queryset(self):
        return selectors.public_services()

    @extend_schema(
        tags=TAG,
        summary="Public list of services",
        description="Active services of verified businesses. Filters: `category` (slug), "
        "`city`, `region` (code, e.g. DK), `price_min`/`price_max` (minor units), `tag` "
        "(slug), `organization` (id); search with `q` (name, description, business and "
        "category names); order with `ordering` (price_amount, name, duration_minutes, "
        "created_at, `-` for descending). Staff of a business list all its services, "
        "inactive ones included, with `GET /booking/organizations/{id}/services/`.",
        responses={200: s.ServiceSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.ServiceSerializer)

    @extend_schema(
        tags=TAG,
        summary="Create a service (manager and above of the business)",
        description="The organisation must be a business (400 "
        "`organization_kind_not_supported`). Price in the organisation's currency: 0 "
        "(free) or within its limits (400 `price_out_of_range`); duration a multiple of 5 "
        "minutes between 5 and 480 (400 `invalid_duration`). Without `resource`, a "
        "resource of kind `service` is created: give it availability rules. A business "
        "not verified yet may prepare services; they are public and bookable once it is.",
        request=s.ServiceCreateSerializer,
        responses={201: s.ServiceSerializer},
    )
    def post(self, request):
        serializer = s.ServiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = selectors.organization_for(
            user=request.user,
            organization_id=data.pop("organization"),
            action=selectors.CATALOG_MANAGE,
        )
        service = services.service_create(organization=organization, **data)
        return self.service_response(service.pk, status.HTTP_201_CREATED)


class OrganizationServiceListView(CatalogView):
    """Every service of one organisation, for its staff."""

    permission_classes = [OrganizationAccess]
    organization_actions = {"GET": selectors.CATALOG_VIEW}
    serializer_class = s.ServiceSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ServiceFilter
    ordering_fields = SERVICE_ORDERING
    ordering = ["name"]

    #: Set by OrganizationAccess: the organisation in the URL.
    organization = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Service.objects.none()
        return selectors.organization_services(organization=self.organization)

    @extend_schema(
        tags=TAG,
        summary="All services of a business (agents and above, staff)",
        description="Inactive services and those of a business not verified yet included; "
        "the filters and ordering of the public list, plus `is_active`.",
        parameters=[ORG_ID],
        responses={200: s.ServiceSerializer(many=True)},
    )
    def get(self, request, organization_id):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.ServiceSerializer)


class ServiceDetailView(CatalogView):
    serializer_class = s.ServiceSerializer

    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        tags=TAG,
        summary="One service",
        description="Public when active and its business verified; otherwise only the "
        "business's agents and above (and staff) see it — 404 for anyone else.",
        parameters=[SERVICE_ID],
        responses={200: s.ServiceSerializer},
        auth=[],
    )
    def get(self, request, service_id):
        return self.service_response(service_id)

    @extend_schema(
        tags=TAG,
        summary="Change a service (manager and above)",
        description="`tags` replaces the tags. `resource` can only change while the service "
        "was never booked (409 `service_has_reservations`).",
        parameters=[SERVICE_ID],
        request=s.ServiceUpdateSerializer,
        responses={200: s.ServiceSerializer},
    )
    def patch(self, request, service_id):
        service = selectors.service_for(user=request.user, service_id=service_id)
        serializer = s.ServiceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.service_update(
            organization=service.organization, service_id=service.pk, **serializer.validated_data
        )
        return self.service_response(service.pk)

    @extend_schema(
        tags=TAG,
        summary="Delete a service (manager and above)",
        description="A service that was never booked is deleted (with its images, and with "
        "its own resource of kind `service` if nothing else uses it); one with "
        "reservations is deactivated instead, keeping its history. 204 either way.",
        parameters=[SERVICE_ID],
        responses={204: None},
    )
    def delete(self, request, service_id):
        service = selectors.service_for(user=request.user, service_id=service_id)
        services.service_delete(organization=service.organization, service_id=service.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceImageCreateView(CatalogView):
    serializer_class = s.ServiceImageSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAG,
        summary="Add an image to a service (manager and above)",
        description="multipart/form-data with `image`, checked by content (400 "
        "`invalid_image`); at most 8 per service (400 `too_many_images`).",
        parameters=[SERVICE_ID],
        request={"multipart/form-data": s.ServiceImageUploadSerializer},
        responses={201: s.ServiceImageSerializer},
    )
    def post(self, request, service_id):
        service = selectors.service_for(user=request.user, service_id=service_id)
        serializer = s.ServiceImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        image = services.service_image_add(
            organization=service.organization,
            service_id=service.pk,
            image=serializer.validated_data["image"],
        )
        return Response(
            s.ServiceImageSerializer(image, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ServiceImageDetailView(CatalogView):
    serializer_class = s.ServiceImageSerializer

    @extend_schema(
        tags=TAG,
        summary="Remove an image of a service (manager and above)",
        parameters=[SERVICE_ID, OpenApiParameter("image_id", OpenApiTypes.UUID, "path")],
        responses={204: None},
    )
    def delete(self, request, service_id, image_id):
        service = selectors.service_for(user=request.user, service_id=service_id)
        services.service_image_delete(
            organization=service.organization, service_id=service.pk, image_id=image_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceSlotsView(CatalogView):
    permission_classes = [AllowAny]
    serializer_class = s.ServiceSlotsSerializer
    throttle_classes = [AnonRateThrottle, UserRateThrottle, SlotsRateThrottle]

    @extend_schema(
        tags=TAG,
        summary="Free slots of a service",
        description="Slots starting in `[from, to)`. `from`/`to`: ISO dates (midnight in "
        "the business's time zone) or datetimes (naive ones are local time). Defaults: "
        "from now, for 7 days; at most 62 days (400 `range_too_long`); `to` after `from` "
        "(400 `invalid_range`). Times are in UTC, with `local_start` in `time_zone`. "
        "Public for an active service of a verified business; its staff also see the "
        "slots of their other services. Throttle scope `slots`.",
        parameters=[
            SERVICE_ID,
            OpenApiParameter("from", OpenApiTypes.STR, description="ISO date or datetime"),
            OpenApiParameter("to", OpenApiTypes.STR, description="ISO date or datetime"),
        ],
        responses={200: s.ServiceSlotsSerializer},
        auth=[],
    )
    def get(self, request, service_id):
        query = s.SlotRangeSerializer(
            data={k: request.query_params[k] for k in ("from", "to") if k in request.query_params}
        )
        query.is_valid(raise_exception=True)
        result = selectors.service_slots(
            user=request.user,
            service_id=service_id,
            range_from=query.validated_data.get("from"),
            range_to=query.validated_data.get("to"),
        )
        return Response(s.ServiceSlotsSerializer(result).data)


# --- Resources ------------------------------------------------------------------------------

RESOURCE_ID = OpenApiParameter("resource_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class ResourceListCreateView(CatalogView):
    serializer_class = s.ResourceSerializer
    filterset_class = ResourceFilter

    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Resource.objects.none()
        return selectors.organization_resources(
            user=self.request.user, organization_id=_scope(self.request)["organization_id"]
        )

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Resources of an organisation (agents and above)",
        description="`organization` is required (400 `organization_required`). Filters: "
        "`kind`, `branch`, `is_active`, `q` (name).",
        parameters=[OpenApiParameter("organization", OpenApiTypes.UUID, required=True)],
        responses={200: s.ResourceSerializer(many=True)},
    )
    def get(self, request):
        return self.paginated(self.filter_queryset(self.get_queryset()), s.ResourceSerializer)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Create a resource (manager and above)",
        description="Something that can be booked: a staff member, a room, a counter, or a "
        "service itself. Its weekly rules and overrides give its availability.",
        request=s.ResourceCreateSerializer,
        responses={201: s.ResourceSerializer},
    )
    def post(self, request):
        serializer = s.ResourceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = selectors.organization_for(
            user=request.user,
            organization_id=data.pop("organization"),
            action=selectors.CATALOG_MANAGE,
        )
        resource = scheduling.resource_create(organization=organization, **data)
        return Response(s.ResourceSerializer(resource).data, status=status.HTTP_201_CREATED)


class ResourceDetailView(CatalogView):
    serializer_class = s.ResourceSerializer

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="One resource (agents and above)",
        parameters=[RESOURCE_ID],
        responses={200: s.ResourceSerializer},
    )
    def get(self, request, resource_id):
        resource = selectors.resource_for(user=request.user, resource_id=resource_id)
        return Response(s.ResourceSerializer(resource).data)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Change a resource (manager and above)",
        description="Moving it to another branch rechecks its upcoming bookings: those now "
        "outside its availability are flagged for staff, never dropped.",
        parameters=[RESOURCE_ID],
        request=s.ResourceUpdateSerializer,
        responses={200: s.ResourceSerializer},
    )
    def patch(self, request, resource_id):
        resource = selectors.resource_for(
            user=request.user, resource_id=resource_id, action=selectors.CATALOG_MANAGE
        )
        serializer = s.ResourceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        resource = scheduling.resource_update(
            organization=resource.organization,
            resource_id=resource.pk,
            **serializer.validated_data,
        )
        return Response(s.ResourceSerializer(resource).data)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Delete a resource (manager and above)",
        description="Only a resource no service uses (409 `resource_in_use`) and never "
        "booked (409 `resource_has_bookings`); otherwise deactivate it with PATCH.",
        parameters=[RESOURCE_ID],
        responses={204: None},
    )
    def delete(self, request, resource_id):
        resource = selectors.resource_for(
            user=request.user, resource_id=resource_id, action=selectors.CATALOG_MANAGE
        )
        services.resource_delete(organization=resource.organization, resource_id=resource.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Availability rules ---------------------------------------------------------------------

RULE_ID = OpenApiParameter("rule_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SCOPE_PARAMETERS = [
    OpenApiParameter("resource", OpenApiTypes.UUID, description="A resource…"),
    OpenApiParameter("organization", OpenApiTypes.UUID, description="…or every resource of it."),
]


class AvailabilityRuleListCreateView(CatalogView):
    serializer_class = s.AvailabilityRuleSerializer
    filterset_class = AvailabilityRuleFilter

    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AvailabilityRule.objects.none()
        return selectors.availability_rules(user=self.request.user, **_scope(self.request))

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Weekly availability rules (agents and above)",
        description="Of a `resource`, or of every resource of an `organization` (one of "
        "them is required: 400 `scope_required`). Filters: `weekday`, and `date_from` / "
        "`date_to` keep the rules valid on at least one day of that range.",
        parameters=SCOPE_PARAMETERS,
        responses={200: s.AvailabilityRuleSerializer(many=True)},
    )
    def get(self, request):
        return self.paginated(
            self.filter_queryset(self.get_queryset()), s.AvailabilityRuleSerializer
        )

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Add a weekly rule (manager and above)",
        description="A rule overlapping another rule of the resource (same weekday, "
        "overlapping hours and dates) is refused: 400 `rule_overlap`.",
        request=s.RuleCreateSerializer,
        responses={201: s.AvailabilityRuleSerializer},
    )
    def post(self, request):
        serializer = s.RuleCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resource = selectors.resource_for(
            user=request.user, resource_id=data.pop("resource"), action=selectors.CATALOG_MANAGE
        )
        rule = scheduling.rule_create(
            organization=resource.organization, resource_id=resource.pk, **data
        )
        return Response(s.AvailabilityRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class AvailabilityRuleBulkView(CatalogView):
    serializer_class = s.AvailabilityRuleSerializer

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Add many weekly rules at once (manager and above)",
        description="All or none: one invalid or overlapping rule (400 `invalid` / "
        "`rule_overlap`, with `fields.rules.<index>`) and nothing is created.",
        request=s.RuleBulkSerializer,
        responses={201: s.AvailabilityRuleSerializer(many=True)},
    )
    def post(self, request):
        serializer = s.RuleBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resource = selectors.resource_for(
            user=request.user,
            resource_id=serializer.validated_data["resource"],
            action=selectors.CATALOG_MANAGE,
        )
        rules = scheduling.rules_create(
            organization=resource.organization,
            resource_id=resource.pk,
            rules=[dict(rule) for rule in serializer.validated_data["rules"]],
        )
        return Response(
            s.AvailabilityRuleSerializer(rules, many=True).data, status=status.HTTP_201_CREATED
        )


class AvailabilityRuleGenerateView(CatalogView):
    serializer_class = s.AvailabilityRuleSerializer

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Generate recurring rules (manager and above)",
        description='"Every Monday and Thursday 9:00–17:00 from 1 March to 30 June": one '
        "rule per weekday, valid in that date range. All or none; overlaps give 400 "
        "`rule_overlap`.",
        request=s.RuleGenerateSerializer,
        responses={201: s.AvailabilityRuleSerializer(many=True)},
    )
    def post(self, request):
        serializer = s.RuleGenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resource = selectors.resource_for(
            user=request.user, resource_id=data.pop("resource"), action=selectors.CATALOG_MANAGE
        )
        rules = scheduling.rules_generate(
            organization=resource.organization, resource_id=resource.pk, **data
        )
        return Response(
            s.AvailabilityRuleSerializer(rules, many=True).data, status=status.HTTP_201_CREATED
        )


class AvailabilityRuleDetailView(CatalogView):
    serializer_class = s.AvailabilityRuleSerializer

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="One weekly rule (agents and above)",
        parameters=[RULE_ID],
        responses={200: s.AvailabilityRuleSerializer},
    )
    def get(self, request, rule_id):
        rule = selectors.rule_for(user=request.user, rule_id=rule_id)
        return Response(s.AvailabilityRuleSerializer(rule).data)

    def _update(self, request, rule_id, *, partial: bool) -> Response:
        rule = selectors.rule_for(
            user=request.user, rule_id=rule_id, action=selectors.CATALOG_MANAGE
        )
        serializer = s.RuleFieldsSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if not partial:  # a full replacement: what is left out is cleared
            for name in s.RULE_FIELDS:
                fields.setdefault(name, None)
        rule = scheduling.rule_update(organization=rule.organization, rule_id=rule.pk, **fields)
        return Response(s.AvailabilityRuleSerializer(rule).data)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Change a weekly rule (manager and above)",
        description="Overlaps give 400 `rule_overlap`. Upcoming bookings the change leaves "
        "outside the availability are flagged for staff (`needs_attention`), never dropped.",
        parameters=[RULE_ID],
        request=s.RuleFieldsSerializer,
        responses={200: s.AvailabilityRuleSerializer},
    )
    def patch(self, request, rule_id):
        return self._update(request, rule_id, partial=True)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Replace a weekly rule (manager and above)",
        description="Like PATCH, but optional fields left out are cleared.",
        parameters=[RULE_ID],
        request=s.RuleFieldsSerializer,
        responses={200: s.AvailabilityRuleSerializer},
    )
    def put(self, request, rule_id):
        return self._update(request, rule_id, partial=False)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Delete a weekly rule (manager and above)",
        description="Upcoming bookings now outside the availability are flagged for staff.",
        parameters=[RULE_ID],
        responses={204: None},
    )
    def delete(self, request, rule_id):
        rule = selectors.rule_for(
            user=request.user, rule_id=rule_id, action=selectors.CATALOG_MANAGE
        )
        scheduling.rule_delete(organization=rule.organization, rule_id=rule.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Availability overrides -----------------------------------------------------------------

OVERRIDE_ID = OpenApiParameter("override_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class AvailabilityOverrideListCreateView(CatalogView):
    serializer_class = s.AvailabilityOverrideSerializer
    filterset_class = AvailabilityOverrideFilter

    filter_backends = [DjangoFilterBackend]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AvailabilityOverride.objects.none()
        return selectors.availability_overrides(user=self.request.user, **_scope(self.request))

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Date overrides of the availability (agents and above)",
        description="Of a `resource`, or of every resource of an `organization` (400 "
        "`scope_required` without either). Filters: `kind`, `date_from`, `date_to`.",
        parameters=SCOPE_PARAMETERS,
        responses={200: s.AvailabilityOverrideSerializer(many=True)},
    )
    def get(self, request):
        return self.paginated(
            self.filter_queryset(self.get_queryset()), s.AvailabilityOverrideSerializer
        )

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Add a date override (manager and above)",
        description="`available` adds hours on that date (times required); `unavailable` "
        "takes hours away, or the whole day without times. Upcoming bookings it leaves "
        "outside the availability are flagged for staff, never dropped.",
        request=s.OverrideCreateSerializer,
        responses={201: s.AvailabilityOverrideSerializer},
    )
    def post(self, request):
        serializer = s.OverrideCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        resource = selectors.resource_for(
            user=request.user, resource_id=data.pop("resource"), action=selectors.CATALOG_MANAGE
        )
        override = scheduling.override_create(
            organization=resource.organization, resource_id=resource.pk, **data
        )
        return Response(
            s.AvailabilityOverrideSerializer(override).data, status=status.HTTP_201_CREATED
        )


class AvailabilityOverrideDetailView(CatalogView):
    serializer_class = s.AvailabilityOverrideSerializer

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="One date override (agents and above)",
        parameters=[OVERRIDE_ID],
        responses={200: s.AvailabilityOverrideSerializer},
    )
    def get(self, request, override_id):
        override = selectors.override_for(user=request.user, override_id=override_id)
        return Response(s.AvailabilityOverrideSerializer(override).data)

    @extend_schema(
        tags=AVAILABILITY_TAG,
        summary="Delete a date override (manager and above)",
        parameters=[OVERRIDE_ID],
        responses={204: None},
    )
    def delete(self, request, override_id):
        override = selectors.override_for(
            user=request.user, override_id=override_id, action=selectors.CATALOG_MANAGE
        )
        scheduling.override_delete(organization=override.organization, override_id=override.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
