"""Availability endpoints of the Booking product, for the business's staff: resources
(who or what provides a service), weekly rules (single, bulk, generated for a date range)
and date overrides. Agents and above read; managers and above write; another
organisation's objects answer 404 (see ``selectors.catalog``)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.errors import SchedulingError
from teranga.platform.scheduling.models import AvailabilityOverride, AvailabilityRule, Resource

from ..errors import BookingError
from ..selectors import catalog as selectors
from ..services import catalog as services
from . import catalog_serializers as s
from .catalog_views import AVAILABILITY_TAG, CatalogView
from .filters import AvailabilityOverrideFilter, AvailabilityRuleFilter, ResourceFilter


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
        "booked (409 `resource_has_bookings`); otherwise deactivate it with PATCH. 409 "
        "`in_use` if other records still depend on it (the error handler's net).",
        parameters=[RESOURCE_ID],
        responses={204: None},
        extensions=error_codes(
            {
                409: [
                    BookingError.RESOURCE_IN_USE,
                    SchedulingError.RESOURCE_HAS_BOOKINGS,
                    CoreError.IN_USE,
                ]
            }
        ),
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
        "them is required: 400 `scope_required`). Filters: `weekday`; `date` keeps the "
        "rules that apply on that date (its weekday, within the rule's own dates); "
        "`date_from` / `date_to` keep the rules that apply on at least one day of that "
        "range (one of its weekdays, within the rule's own dates).",
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
    pagination_class = None  # answers the rules it created: a list, not a page

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
    pagination_class = None  # answers the rules it created: a list, not a page

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
    # Only for DRF's OPTIONS metadata (it probes get_object for PUT); reads go through
    # the selector, which checks access.
    queryset = AvailabilityRule.objects.none()
    lookup_url_kwarg = "rule_id"

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
