"""Catalogue endpoints of SmartQueue: services and their hours, queues (opening and
closing), counters and agent sessions, kiosks.

Who may do what (``organizations.access``; see ``selectors.catalog``):

* anyone, anonymous included: the active services and queues of a **verified**
  organisation (public fields, for clients choosing a queue);
* its agents and above, and platform staff (``smartqueue.view``): everything, inactive
  rows and settings included; agents open and close their own session on a counter
  (``smartqueue.counter.operate``);
* its managers and above (``smartqueue.manage``): create, change and delete services,
  hours, queues, counters and kiosks.

Objects of an organisation the caller may not see answer 404; a member below the role
403; writes without a token 401.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.public_cache import PublicCacheMixin, scopes_bump
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer, validated_query
from teranga.platform.payments.errors import PaymentError
from teranga.products.smartqueue.errors import SmartQueueError

from .. import public_cache
from ..access import COUNTER_OPERATE, QUEUE_MANAGE, QUEUE_VIEW
from ..selectors import catalog as selectors
from ..selectors.estimates import estimate_wait
from ..services import catalog as services
from ..services import counters as counter_services
from ..services import kiosks as kiosk_services
from . import catalog_serializers as s

SERVICES_TAG = ["smartqueue: services"]
QUEUES_TAG = ["smartqueue: queues"]
COUNTERS_TAG = ["smartqueue: counters"]
KIOSKS_TAG = ["smartqueue: kiosks"]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
ERRORS_409 = {**ERRORS, 409: ErrorSerializer}


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


def staff_or_public(name: str, staff, public, many: bool = False) -> PolymorphicProxySerializer:
    """A public read's answer: the staff view for agents and above, else the public one."""
    return PolymorphicProxySerializer(
        component_name=name, serializers=[staff, public], resource_type_field_name=None, many=many
    )


class CatalogView(PaginatedViewMixin, GenericAPIView):
    """Shared plumbing: public reads with the ``directory`` throttle, pagination."""

    filter_backends: list = []
    public_methods: tuple[str, ...] = ()

    def get_permissions(self):
        if self.request.method in self.public_methods:
            return [AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method in self.public_methods:
            self.throttle_scope = "directory"
        return super().get_throttles()

    def manage(self, organization_id):
        return selectors.organization_for(
            user=self.request.user, organization_id=organization_id, action=QUEUE_MANAGE
        )


# --- Services --------------------------------------------------------------------------


class ServiceListCreateView(PublicCacheMixin, CatalogView):
    serializer_class = s.SqServiceSerializer
    public_methods = ("GET",)

    def public_cache_scopes(self, request, **kwargs):
        return public_cache.organization_services_scopes(request.query_params.get("organization"))

    @extend_schema(
        tags=SERVICES_TAG,
        summary="Services of an organisation",
        description="`organization` is required. Its agents and above (and staff) get "
        "every service with all fields; anyone else, anonymous included, the active "
        "services of a verified organisation (404 `organization_not_found` otherwise) "
        "with their active queues by branch. Filter with `category`. Throttle scope "
        "`directory` for the public.",
        parameters=[s.SqServiceQuerySerializer],
        responses={
            200: staff_or_public(
                "SqServiceView", s.SqServiceSerializer, s.SqPublicServiceSerializer, many=True
            ),
            **ERRORS,
        },
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.SqServiceQuerySerializer, request).validated_data
        organization, staff = selectors.catalog_organization(
            user=request.user, organization_id=query["organization"]
        )
        services_qs = selectors.services_list(
            organization=organization, staff=staff, category=query.get("category")
        )
        return self.paginated(
            services_qs, s.SqServiceSerializer if staff else s.SqPublicServiceSerializer
        )

    @extend_schema(
        tags=SERVICES_TAG,
        summary="Create a service (managers and above)",
        description="Errors: 400 `invalid` (fields), 404 `organization_not_found`, 403, "
        "409 `sms_keyword_taken` (keywords are unique across Teranga, upper-cased).",
        request=s.SqServiceCreateSerializer,
        responses={201: s.SqServiceSerializer, **ERRORS_409},
    )
    def post(self, request):
        serializer = s.SqServiceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = self.manage(data.pop("organization"))
        service = services.service_create(organization=organization, **data)
        service, _staff = selectors.service_visible(user=request.user, service_id=service.pk)
        return Response(s.SqServiceSerializer(service).data, status=status.HTTP_201_CREATED)


class ServiceDetailView(PublicCacheMixin, CatalogView):
    serializer_class = s.SqServiceSerializer
    public_methods = ("GET",)

    def public_cache_scopes(self, request, **kwargs):
        return public_cache.service_scopes(kwargs["service_id"])

    @extend_schema(
        tags=SERVICES_TAG,
        summary="One service",
        description="Public when active and its organisation verified (public fields); "
        "all fields for its agents and above. 404 `service_not_found` otherwise.",
        parameters=[path_id("service_id")],
        responses={
            200: staff_or_public(
                "SqServiceView", s.SqServiceSerializer, s.SqPublicServiceSerializer
            ),
            404: ErrorSerializer,
        },
        auth=[],
    )
    def get(self, request, service_id):
        service, staff = selectors.service_visible(user=request.user, service_id=service_id)
        return Response(
            (s.SqServiceSerializer if staff else s.SqPublicServiceSerializer)(service).data
        )

    @extend_schema(
        tags=SERVICES_TAG,
        summary="Change a service (managers and above)",
        description="Errors: 400 `invalid`, 403, 404 `service_not_found`, 409 `sms_keyword_taken`.",
        parameters=[path_id("service_id")],
        request=s.SqServiceUpdateSerializer,
        responses={200: s.SqServiceSerializer, **ERRORS_409},
    )
    def patch(self, request, service_id):
        service = selectors.service_for(
            user=request.user, service_id=service_id, action=QUEUE_MANAGE
        )
        serializer = s.SqServiceUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.service_update(
            organization=service.organization, service_id=service.pk, **serializer.validated_data
        )
        service, _staff = selectors.service_visible(user=request.user, service_id=service.pk)
        return Response(s.SqServiceSerializer(service).data)

    @extend_schema(
        tags=SERVICES_TAG,
        summary="Delete a service (managers and above)",
        description="A service nothing refers to is deleted; one with queues, tickets or "
        "appointments is deactivated and its queues closed. 204 either way. Errors: 403, "
        "404 `service_not_found`, 409 `in_use` if other records still depend on it (the "
        "error handler's net).",
        parameters=[path_id("service_id")],
        responses={204: None, **ERRORS_409},
        extensions=error_codes({409: [CoreError.IN_USE]}),
    )
    def delete(self, request, service_id):
        service = selectors.service_for(
            user=request.user, service_id=service_id, action=QUEUE_MANAGE
        )
        services.service_delete(organization=service.organization, service_id=service.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceHoursView(PublicCacheMixin, CatalogView):
    serializer_class = s.SqHoursWriteSerializer
    public_methods = ("GET",)

    def public_cache_scopes(self, request, **kwargs):
        return public_cache.service_scopes(kwargs["service_id"])

    @extend_schema(
        tags=SERVICES_TAG,
        summary="The service's weekly hours",
        description="Visible as the service is (see `GET /services/{id}/`).",
        parameters=[path_id("service_id")],
        responses={200: s.SqHoursWriteSerializer, 404: ErrorSerializer},
        auth=[],
    )
    def get(self, request, service_id):
        service, _staff = selectors.service_visible(user=request.user, service_id=service_id)
        return Response(s.SqHoursWriteSerializer({"hours": service.hours.all()}).data)

    @extend_schema(
        tags=SERVICES_TAG,
        summary="Replace the service's week (managers and above)",
        description="`hours`: the whole week, `[{weekday (0 = Monday), opens_at, "
        "closes_at}]`; `[]` clears it (queues then follow their branch's opening hours). "
        "Errors: 400 `invalid_hours` (closing before opening, overlapping periods of a "
        "day, with the index of the period), 403, 404 `service_not_found`.",
        parameters=[path_id("service_id")],
        request=s.SqHoursWriteSerializer,
        responses={200: s.SqHoursWriteSerializer, **ERRORS},
    )
    def put(self, request, service_id):
        service = selectors.service_for(
            user=request.user, service_id=service_id, action=QUEUE_MANAGE
        )
        serializer = s.SqHoursWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        hours = services.service_hours_set(
            organization=service.organization,
            service_id=service.pk,
            hours=serializer.validated_data["hours"],
        )
        # The new week is a bulk_create, which sends no signal: the public cache is told.
        scopes_bump(*public_cache.hours_changed_scopes(service.pk))
        return Response(s.SqHoursWriteSerializer({"hours": hours}).data)


# --- Queues ----------------------------------------------------------------------------


def queue_body(request, queue, staff: bool, status_code=status.HTTP_200_OK) -> Response:
    waits = {queue.pk: estimate_wait(queue, queue.waiting_count)}
    serializer = s.SqQueueSerializer if staff else s.SqPublicQueueSerializer
    return Response(serializer(queue, context={"waits": waits}).data, status=status_code)


class PublicQueueCache(PublicCacheMixin):
    """Queues carry live figures (waiting, estimated wait): short lifetimes. Tickets,
    counters and sessions bump them; the server-side copy lives 30 s at most."""

    public_cache_max_age = 5
    public_cache_stale = 10
    public_cache_timeout = 30


class QueueListCreateView(PublicQueueCache, CatalogView):
    serializer_class = s.SqQueueSerializer
    public_methods = ("GET",)

    def public_cache_scopes(self, request, **kwargs):
        return public_cache.organization_queues_scopes(request.query_params.get("organization"))

    @extend_schema(
        tags=QUEUES_TAG,
        summary="Queues of an organisation",
        description="`organization` is required; filter with `branch`, `service`, `kind`. "
        "Each queue with its number of `waiting` tickets and the estimated wait of a "
        "ticket taken now. Public (verified organisations, active queues, public fields) "
        "or staff view (agents and above: settings too). 404 `organization_not_found`.",
        parameters=[s.SqQueueQuerySerializer],
        responses={
            200: staff_or_public(
                "SqQueueView", s.SqQueueSerializer, s.SqPublicQueueSerializer, many=True
            ),
            **ERRORS,
        },
        auth=[],
    )
    def get(self, request):
        query = validated_query(s.SqQueueQuerySerializer, request).validated_data
        organization, staff = selectors.catalog_organization(
            user=request.user, organization_id=query["organization"]
        )
        queues = selectors.queues_list(
            organization=organization,
            staff=staff,
            branch_id=query.get("branch"),
            service_id=query.get("service"),
            kind=query.get("kind"),
        )
        page = self.paginate_queryset(queues)
        serializer = s.SqQueueSerializer if staff else s.SqPublicQueueSerializer
        data = serializer(page, many=True, context={"waits": selectors.queue_waits(page)}).data
        return self.get_paginated_response(data)

    @extend_schema(
        tags=QUEUES_TAG,
        summary="Create a queue (managers and above)",
        description="A service at a branch, both of the organisation (400 "
        "`invalid_branch`, `invalid_service`). `prefix` unique among the branch's active "
        "queues (409 `prefix_taken`). `weights`: class -> 1..10 (400 `invalid`). An "
        "appointment queue without `appointment_resource` gets a new scheduling resource "
        "at the branch, available during the service's hours (400 `invalid_resource` for "
        "a resource of another branch). The first queue of a branch counts against the "
        "plan's `branches` (409 `plan_limit_reached`).",
        request=s.SqQueueCreateSerializer,
        responses={201: s.SqQueueSerializer, **ERRORS_409},
    )
    def post(self, request):
        serializer = s.SqQueueCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = self.manage(data.pop("organization"))
        queue = services.queue_create(
            organization=organization,
            branch_id=data.pop("branch"),
            service_id=data.pop("service"),
            **data,
        )
        queue, _staff = selectors.queue_visible(user=request.user, queue_id=queue.pk)
        return queue_body(request, queue, True, status.HTTP_201_CREATED)


class QueueDetailView(PublicQueueCache, CatalogView):
    serializer_class = s.SqQueueSerializer
    public_methods = ("GET",)

    def public_cache_scopes(self, request, **kwargs):
        return public_cache.queue_scopes(kwargs["queue_id"])

    @extend_schema(
        tags=QUEUES_TAG,
        summary="One queue",
        description="Clients see the public fields (open or not, waiting, estimated wait of "
        "a ticket taken now, the service and its price); agents and above the settings "
        "too. 404 `queue_not_found`.",
        parameters=[path_id("queue_id")],
        responses={
            200: staff_or_public("SqQueueView", s.SqQueueSerializer, s.SqPublicQueueSerializer),
            404: ErrorSerializer,
        },
        auth=[],
    )
    def get(self, request, queue_id):
        queue, staff = selectors.queue_visible(user=request.user, queue_id=queue_id)
        return queue_body(request, queue, staff)

    @extend_schema(
        tags=QUEUES_TAG,
        summary="Change a queue (managers and above)",
        description="Errors: 400 `invalid` / `invalid_resource`, 403, 404 "
        "`queue_not_found`, 409 `prefix_taken`.",
        parameters=[path_id("queue_id")],
        request=s.SqQueueUpdateSerializer,
        responses={200: s.SqQueueSerializer, **ERRORS_409},
    )
    def patch(self, request, queue_id):
        queue = selectors.queue_for(user=request.user, queue_id=queue_id, action=QUEUE_MANAGE)
        serializer = s.SqQueueUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.queue_update(
            organization=queue.organization, queue_id=queue.pk, **serializer.validated_data
        )
        queue, _staff = selectors.queue_visible(user=request.user, queue_id=queue.pk)
        return queue_body(request, queue, True)

    @extend_schema(
        tags=QUEUES_TAG,
        summary="Delete a queue (managers and above)",
        description="A queue that never had a ticket is deleted; otherwise it is closed and "
        "deactivated, its waiting tickets expire. 204. Errors: 403, 404, 409 `in_use` if "
        "other records still depend on it (the error handler's net).",
        parameters=[path_id("queue_id")],
        responses={204: None, **ERRORS_409},
        extensions=error_codes({409: [CoreError.IN_USE]}),
    )
    def delete(self, request, queue_id):
        queue = selectors.queue_for(user=request.user, queue_id=queue_id, action=QUEUE_MANAGE)
        services.queue_delete(organization=queue.organization, queue_id=queue.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class QueueOpenView(CatalogView):
    serializer_class = s.SqQueueSerializer

    @extend_schema(
        tags=QUEUES_TAG,
        summary="Open a queue by hand (managers and above)",
        description="The queue takes tickets and stops following its hours (PATCH "
        "`follows_hours: true` to resume). Errors: 403, 404, 409 `service_inactive`.",
        parameters=[path_id("queue_id")],
        request=None,
        responses={200: s.SqQueueSerializer, **ERRORS_409},
    )
    def post(self, request, queue_id):
        queue = selectors.queue_for(user=request.user, queue_id=queue_id, action=QUEUE_MANAGE)
        services.queue_open(organization=queue.organization, queue_id=queue.pk)
        queue, _staff = selectors.queue_visible(user=request.user, queue_id=queue.pk)
        return queue_body(request, queue, True)


class QueueCloseView(CatalogView):
    serializer_class = s.SqQueueCloseSerializer

    @extend_schema(
        tags=QUEUES_TAG,
        summary="Close a queue by hand (managers and above)",
        description="No new tickets; the waiting ones are still served unless "
        "`expire_waiting`. The queue stops following its hours. Errors: 400, 403, 404.",
        parameters=[path_id("queue_id")],
        request=s.SqQueueCloseSerializer,
        responses={200: s.SqQueueSerializer, **ERRORS},
    )
    def post(self, request, queue_id):
        queue = selectors.queue_for(user=request.user, queue_id=queue_id, action=QUEUE_MANAGE)
        serializer = s.SqQueueCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.queue_close(
            organization=queue.organization,
            queue_id=queue.pk,
            expire_waiting=serializer.validated_data["expire_waiting"],
        )
        queue, _staff = selectors.queue_visible(user=request.user, queue_id=queue.pk)
        return queue_body(request, queue, True)


# --- Counters and sessions -------------------------------------------------------------


class CounterListCreateView(CatalogView):
    serializer_class = s.SqCounterSerializer

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="Counters of an organisation (agents and above)",
        description="`organization` required, `branch` optional. Each counter with its "
        "queues and the agent staffing it now. Errors: 400, 401, 403, 404.",
        parameters=[s.SqBranchQuerySerializer],
        responses={200: s.SqCounterSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        query = validated_query(s.SqBranchQuerySerializer, request).validated_data
        organization = selectors.organization_for(
            user=request.user, organization_id=query["organization"], action=QUEUE_VIEW
        )
        counters = selectors.counters_list(organization=organization, branch_id=query.get("branch"))
        return self.paginated(counters, s.SqCounterSerializer)

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="Create a counter (managers and above)",
        description="`queues`: active queues of the same branch (400 `invalid_queues`); "
        "`branch` of the organisation (400 `invalid_branch`); names unique per branch "
        "(409 `counter_name_taken`); counts against the plan's `counters` (409 "
        "`plan_limit_reached`).",
        request=s.SqCounterCreateSerializer,
        responses={201: s.SqCounterSerializer, **ERRORS_409},
    )
    def post(self, request):
        serializer = s.SqCounterCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = self.manage(data.pop("organization"))
        counter = services.counter_create(
            organization=organization, branch_id=data.pop("branch"), **data
        )
        counter = selectors.counter_for(
            user=request.user, counter_id=counter.pk, action=QUEUE_MANAGE
        )
        return Response(s.SqCounterSerializer(counter).data, status=status.HTTP_201_CREATED)


class CounterDetailView(CatalogView):
    serializer_class = s.SqCounterSerializer

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="One counter (agents and above)",
        parameters=[path_id("counter_id")],
        responses={200: s.SqCounterSerializer, **ERRORS},
    )
    def get(self, request, counter_id):
        counter = selectors.counter_for(user=request.user, counter_id=counter_id, action=QUEUE_VIEW)
        return Response(s.SqCounterSerializer(counter).data)

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="Change a counter (managers and above)",
        description="`queues` replaces its queues (same branch only: 400 "
        "`invalid_queues`). Errors: 400, 403, 404, 409 `counter_name_taken`.",
        parameters=[path_id("counter_id")],
        request=s.SqCounterUpdateSerializer,
        responses={200: s.SqCounterSerializer, **ERRORS_409},
    )
    def patch(self, request, counter_id):
        counter = selectors.counter_for(
            user=request.user, counter_id=counter_id, action=QUEUE_MANAGE
        )
        serializer = s.SqCounterUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.counter_update(
            organization=counter.organization, counter_id=counter.pk, **serializer.validated_data
        )
        counter = selectors.counter_for(
            user=request.user, counter_id=counter.pk, action=QUEUE_MANAGE
        )
        return Response(s.SqCounterSerializer(counter).data)

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="Delete a counter (managers and above)",
        description="A counter that never served is deleted, otherwise deactivated. 204. "
        "Errors: 403, 404, 409 `counter_staffed` (an agent session is open).",
        parameters=[path_id("counter_id")],
        responses={204: None, **ERRORS_409},
        extensions=error_codes({409: [SmartQueueError.COUNTER_STAFFED]}),
    )
    def delete(self, request, counter_id):
        counter = selectors.counter_for(
            user=request.user, counter_id=counter_id, action=QUEUE_MANAGE
        )
        services.counter_delete(organization=counter.organization, counter_id=counter.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CounterSessionView(CatalogView):
    serializer_class = s.SqSessionSerializer

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="Open my session on a counter (agents and above)",
        description="The caller staffs the counter (their session elsewhere ends). "
        "Idempotent for the same agent. Errors: 403, 404 `counter_not_found`, 409 "
        "`counter_taken` (another agent is there).",
        parameters=[path_id("counter_id")],
        request=None,
        responses={201: s.SqSessionSerializer, **ERRORS_409},
    )
    def post(self, request, counter_id):
        counter = selectors.counter_for(
            user=request.user, counter_id=counter_id, action=COUNTER_OPERATE
        )
        counter_services.session_open(counter_id=counter.pk, agent=request.user)
        session = selectors.session_of(user=request.user)
        return Response(s.SqSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="Close my session on a counter",
        description="A ticket still in hand goes back to the head of its queue. Errors: "
        "403, 404, 409 `no_session` (the caller has no session on this counter).",
        parameters=[path_id("counter_id")],
        responses={200: s.SqSessionSerializer, **ERRORS_409},
    )
    def delete(self, request, counter_id):
        counter = selectors.counter_for(
            user=request.user, counter_id=counter_id, action=COUNTER_OPERATE
        )
        session = counter_services.session_close(counter_id=counter.pk, agent=request.user)
        session.counter = counter
        return Response(s.SqSessionSerializer(session).data)


class MySessionView(CatalogView):
    serializer_class = s.SqSessionSerializer

    @extend_schema(
        tags=COUNTERS_TAG,
        summary="My open counter session",
        description="The caller's open session with its counter; 204 (no body) when the "
        "caller has none. 401 anonymous.",
        responses={
            200: s.SqSessionSerializer,
            204: OpenApiResponse(description="The caller has no open session."),
            401: ErrorSerializer,
        },
    )
    def get(self, request):
        session = selectors.session_of(user=request.user)
        if session is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.SqSessionSerializer(session).data)


# --- Kiosks ----------------------------------------------------------------------------


class KioskListCreateView(CatalogView):
    serializer_class = s.SqKioskSerializer

    @extend_schema(
        tags=KIOSKS_TAG,
        summary="Kiosks of an organisation (managers and above)",
        description="Keys are never shown again, only their first characters. Errors: 400, "
        "401, 403, 404.",
        parameters=[s.SqBranchQuerySerializer],
        responses={200: s.SqKioskSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        query = validated_query(s.SqBranchQuerySerializer, request).validated_data
        organization = self.manage(query["organization"])
        kiosks = selectors.kiosks_list(organization=organization, branch_id=query.get("branch"))
        return self.paginated(kiosks, s.SqKioskSerializer)

    @extend_schema(
        tags=KIOSKS_TAG,
        summary="Create a kiosk and its API key (managers and above)",
        description="The answer carries the raw `key`, **shown this once** (only its "
        "SHA-256 digest is kept). The kiosk sends `Authorization: Api-Key <key>` to "
        "`/smartqueue/kiosk/…`. Only on a plan that includes the `kiosk` feature: "
        "409 `plan_limit_reached` otherwise. Errors: 400 `invalid_branch`, 403, 404.",
        request=s.SqKioskCreateSerializer,
        responses={201: s.SqKioskCreatedSerializer, **ERRORS_409},
        extensions=error_codes(
            {400: [SmartQueueError.INVALID_BRANCH], 409: [PaymentError.PLAN_LIMIT_REACHED]}
        ),
    )
    def post(self, request):
        serializer = s.SqKioskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        organization = self.manage(data["organization"])
        kiosk, key = kiosk_services.kiosk_create(
            organization=organization, branch_id=data["branch"], name=data["name"]
        )
        kiosk.key = key
        return Response(s.SqKioskCreatedSerializer(kiosk).data, status=status.HTTP_201_CREATED)


class KioskDetailView(CatalogView):
    serializer_class = s.SqKioskSerializer

    @extend_schema(
        tags=KIOSKS_TAG,
        summary="Revoke a kiosk (managers and above)",
        description="Its key answers 401 from now on. 204. Errors: 403, 404.",
        parameters=[path_id("kiosk_id")],
        responses={204: None, **ERRORS},
    )
    def delete(self, request, kiosk_id):
        kiosk = selectors.kiosk_for(user=request.user, kiosk_id=kiosk_id, action=QUEUE_MANAGE)
        kiosk_services.kiosk_revoke(organization=kiosk.organization, kiosk_id=kiosk.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
