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
from rest_framework import status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.limits import QUERY_MAX_LENGTH
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.public_cache import PublicCacheMixin
from teranga.core.schema import error_codes
from teranga.platform.organizations.access import OrganizationAccess

from ..models import Service
from ..public_cache import CATEGORIES, SERVICES
from ..selectors import catalog as selectors
from ..services import catalog as services
from . import catalog_serializers as s
from . import examples
from .filters import (
    ServiceFilter,
)

TAG = ["booking"]
AVAILABILITY_TAG = ["booking availability"]

SERVICE_ID = OpenApiParameter("service_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
SERVICE_ORDERING = ["price_amount", "name", "duration_minutes", "created_at"]


class CatalogView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []

    def service_response(self, service_id, status_code=status.HTTP_200_OK) -> Response:
        service = selectors.service_get(user=self.request.user, service_id=service_id)
        return Response(
            s.ServiceSerializer(service, context={"request": self.request}).data,
            status=status_code,
        )


# --- Categories -----------------------------------------------------------------------------


class CategoryListView(PublicCacheMixin, CatalogView):
    permission_classes = [AllowAny]
    serializer_class = s.CategorySerializer
    pagination_class = None
    public_cache_max_age = 300  # reference data, rarely changed

    def public_cache_scopes(self, request, **kwargs):
        return [CATEGORIES]

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


class PublicServiceCache(PublicCacheMixin):
    """The public list and pages of services: HTTP-cached, kept server-side for
    anonymous callers until a service, category, tag, image or business changes."""

    def public_cache_scopes(self, request, **kwargs):
        return [SERVICES]


class ServiceListCreateView(PublicServiceCache, CatalogView):
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
        "not verified yet may prepare services; they are public and bookable once it is.\n\n"
        "`payment_mode`: `online_full` (the default for a priced service), `deposit` "
        "(with `deposit_amount` or `deposit_percent`, at least the currency's minimum "
        "price and less than the price: 400 `invalid_deposit`) or `on_site`. A free "
        "service is always `on_site` (400 `payment_mode_requires_price` when asked "
        "otherwise). Reservations of an online mode are held until their payment succeeds.",
        request=s.ServiceCreateSerializer,
        responses={201: s.ServiceSerializer},
        examples=examples.SERVICE_CREATE,
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


class ServiceDetailView(PublicServiceCache, CatalogView):
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
        "was never booked (409 `service_has_reservations`). `payment_mode` and the deposit "
        "follow the rules of the creation; a price set to 0 makes the service `on_site`, "
        "leaving `deposit` drops the deposit, and a deposit given one way (amount or "
        "percentage) replaces the other. Existing reservations keep the terms they were "
        "booked with.",
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
        "reservations is deactivated instead, keeping its history. 204 either way; 409 "
        "`in_use` if other records still depend on it (the error handler's net).",
        parameters=[SERVICE_ID],
        responses={204: None},
        extensions=error_codes({409: [CoreError.IN_USE]}),
    )
    def delete(self, request, service_id):
        service = selectors.service_for(user=request.user, service_id=service_id)
        services.service_delete(organization=service.organization, service_id=service.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceImageCreateView(CatalogView):
    serializer_class = s.ServiceImageSerializer
    parser_classes = [MultiPartParser]  # an upload endpoint: multipart/form-data only

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
    throttle_scope = "slots"  # the most expensive public read

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
            OpenApiParameter(
                "from",
                {"type": "string", "maxLength": QUERY_MAX_LENGTH},
                description="ISO date or datetime",
            ),
            OpenApiParameter(
                "to",
                {"type": "string", "maxLength": QUERY_MAX_LENGTH},
                description="ISO date or datetime",
            ),
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
