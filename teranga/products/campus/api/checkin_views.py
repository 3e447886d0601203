"""Check-in endpoints.

* Lists, for the organiser's staff: agents and above read them
  (``campus.checkin.scan``), managers and above change them (``campus.checkin.manage``).
* ``POST tickets/validate/``: the staff's online scan (agents and above of the lists'
  organiser); throttle scope ``campus_validate``.
* Scanner devices of an organisation (managers and above), and what a device does with
  its token (``Authorization: Scanner <token>``): the signed delta sync and the upload
  of its scans; one throttle budget per device (scope ``campus_scanner``).

Another organisation's objects answer 404, a member below the role 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PageNumberPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer
from teranga.core.throttling import ScopedRateThrottle, SimpleRateThrottle
from teranga.platform.organizations.access import OrganizationAccess
from teranga.platform.organizations.errors import OrganizationError

from ..errors import CampusError as E
from ..models import ScannerDevice
from ..selectors import checkin as selectors
from ..selectors.access import event_for_staff
from ..services import checkin as services
from ..services import checkin_upload as upload_services
from ..services import scanners as scanner_services
from . import checkin_serializers as s

TAG = ["campus: check-in"]
SCANNER_TAG = ["campus: scanner devices"]
SCANNER_AUTH = [{"campusScanner": []}]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
SCAN = services.SCAN_ACTION
MANAGE = services.MANAGE_ACTION


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


class CheckinView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    permission_classes = [IsAuthenticated]


# --- Lists ------------------------------------------------------------------------------


class EventCheckinListsView(CheckinView):
    serializer_class = s.CheckinListSerializer

    @extend_schema(
        tags=TAG,
        summary="Check-in lists of an event (agents and above)",
        description="Paginated, by name. Errors: 404 `event_not_found` (another "
        "organisation's too), 403, 401.",
        parameters=[path_id("event_id")],
        responses={200: s.CheckinListSerializer(many=True), **ERRORS},
        extensions=error_codes({404: [E.EVENT_NOT_FOUND]}),
    )
    def get(self, request, event_id):
        event = event_for_staff(user=request.user, event_id=event_id, action=SCAN)
        return self.paginated(selectors.event_checkin_lists(event=event), s.CheckinListSerializer)

    @extend_schema(
        tags=TAG,
        summary="Create a check-in list (managers and above)",
        description="`ticket_types`: types of this event it admits (400 "
        "`invalid_ticket_types` otherwise); empty: every type. Errors: 400 `invalid`, "
        "404 `event_not_found`, 403, 401.",
        parameters=[path_id("event_id")],
        request=s.CheckinListWriteSerializer,
        responses={201: s.CheckinListSerializer, **ERRORS},
        extensions=error_codes({400: [E.INVALID_TICKET_TYPES], 404: [E.EVENT_NOT_FOUND]}),
    )
    def post(self, request, event_id):
        event = event_for_staff(user=request.user, event_id=event_id, action=MANAGE)
        serializer = s.CheckinListWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        checkin_list = services.checkin_list_create(
            event=event,
            name=data["name"],
            ticket_type_ids=data["ticket_types"],
            allow_reentry=data["allow_reentry"],
            record_exits=data["record_exits"],
        )
        return Response(s.CheckinListSerializer(checkin_list).data, status=status.HTTP_201_CREATED)


class CheckinListDetailView(CheckinView):
    serializer_class = s.CheckinListSerializer

    @extend_schema(
        tags=TAG,
        summary="A check-in list (agents and above)",
        description="Errors: 404 `checkin_list_not_found`, 403, 401.",
        parameters=[path_id("list_id")],
        responses={200: s.CheckinListSerializer, **ERRORS},
        extensions=error_codes({404: [E.CHECKIN_LIST_NOT_FOUND]}),
    )
    def get(self, request, list_id):
        checkin_list = selectors.checkin_list_for_staff(
            user=request.user, list_id=list_id, action=SCAN
        )
        return Response(s.CheckinListSerializer(checkin_list).data)

    @extend_schema(
        tags=TAG,
        summary="Change a check-in list (managers and above)",
        description="Any of `name`, `ticket_types` (replaces them; 400 "
        "`invalid_ticket_types` for a type of another event), `allow_reentry`, "
        "`record_exits`. Errors: 400, 404 `checkin_list_not_found`, 403, 401.",
        parameters=[path_id("list_id")],
        request=s.CheckinListPatchSerializer,
        responses={200: s.CheckinListSerializer, **ERRORS},
        extensions=error_codes({400: [E.INVALID_TICKET_TYPES], 404: [E.CHECKIN_LIST_NOT_FOUND]}),
    )
    def patch(self, request, list_id):
        checkin_list = selectors.checkin_list_for_staff(
            user=request.user, list_id=list_id, action=MANAGE
        )
        serializer = s.CheckinListPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "ticket_types" in changes:
            changes["ticket_type_ids"] = changes.pop("ticket_types")
        updated = services.checkin_list_update(checkin_list=checkin_list, **changes)
        fresh = selectors.checkin_list_for_staff(
            user=request.user, list_id=updated.pk, action=MANAGE
        )
        return Response(s.CheckinListSerializer(fresh).data)

    @extend_schema(
        tags=TAG,
        summary="Delete a check-in list (managers and above)",
        description="Only while nobody was scanned on it: 409 `checkin_list_in_use` "
        "after (its scans are the event's history). 204. Errors: 404, 403, 401.",
        parameters=[path_id("list_id")],
        responses={204: None, **ERRORS, 409: ErrorSerializer},
        extensions=error_codes({404: [E.CHECKIN_LIST_NOT_FOUND], 409: [E.CHECKIN_LIST_IN_USE]}),
    )
    def delete(self, request, list_id):
        checkin_list = selectors.checkin_list_for_staff(
            user=request.user, list_id=list_id, action=MANAGE
        )
        services.checkin_list_delete(checkin_list=checkin_list)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Validate ---------------------------------------------------------------------------


class TicketValidateView(CheckinView):
    serializer_class = s.ScanOutcomeSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "campus_validate"

    @extend_schema(
        tags=TAG,
        summary="Validate a ticket at the door (agents and above)",
        description="Scan `code` (the raw code or the QR content `TERANGA-CAMPUS:<code>`) "
        "on `lists` (lists of one organiser where you are agent or above). Always 200 "
        "with a `result`: `valid` (admitted, or exit recorded), `already_in` (with who "
        "admitted it and when), `not_on_list` (another event's ticket, or a type the "
        "lists do not admit), `cancelled`, `unknown` (no such code at this organiser, "
        "also another organiser's ticket). Every scan is recorded. Two simultaneous "
        "scans of one ticket give exactly one `valid`. Re-entry is refused unless the "
        "list allows it, and after an exit when it records exits. Errors: 400 "
        "`invalid`, `invalid_checkin_lists` (lists of two organisers), 404 "
        "`checkin_list_not_found`, 403, 401, 429 (scope `campus_validate`).",
        request=s.ValidateSerializer,
        responses={200: s.ScanOutcomeSerializer, **ERRORS, 429: ErrorSerializer},
        extensions=error_codes(
            {
                400: [E.INVALID_CHECKIN_LISTS],
                404: [E.CHECKIN_LIST_NOT_FOUND],
                429: [CoreError.THROTTLED],
            }
        ),
    )
    def post(self, request):
        serializer = s.ValidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = services.ticket_validate(
            user=request.user,
            code=data["code"],
            list_ids=data["lists"],
            direction=data["direction"],
        )
        return Response(s.scan_outcome_data(outcome))


# --- Scanner devices --------------------------------------------------------------------


class ScannerListCreateView(CheckinView):
    serializer_class = s.ScannerDeviceSerializer
    permission_classes = [IsAuthenticated, OrganizationAccess]
    organization_actions = {"GET": MANAGE, "POST": MANAGE}

    @extend_schema(
        tags=SCANNER_TAG,
        summary="Scanner devices of an organisation (managers and above)",
        description="Newest first; tokens are never shown again. Errors: 404 "
        "`organization_not_found`, 403, 401.",
        parameters=[path_id("organization_id")],
        responses={200: s.ScannerDeviceSerializer(many=True), **ERRORS},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        devices = selectors.organization_scanners(organization=self.organization)
        return self.paginated(devices, s.ScannerDeviceSerializer)

    @extend_schema(
        tags=SCANNER_TAG,
        summary="Register a scanner device (managers and above)",
        description="The answer carries the raw `token` and the `signing_key`, **shown "
        "this once** (the token's SHA-256 digest is kept; the key is derived from the "
        "server's secret). The device sends `Authorization: Scanner <token>` to "
        "`/campus/scanner/…`; the scanner page asks for `setup_code`. Errors: 400, 404 "
        "`organization_not_found`, 403, 401.",
        parameters=[path_id("organization_id")],
        request=s.ScannerDeviceCreateSerializer,
        responses={201: s.ScannerDeviceCreatedSerializer, **ERRORS},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def post(self, request, organization_id):
        serializer = s.ScannerDeviceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, token = scanner_services.scanner_create(
            organization=self.organization,
            name=serializer.validated_data["name"],
            created_by=request.user,
        )
        device.token = token
        device.signing_key = scanner_services.scanner_signing_key(device)
        device.setup_code = scanner_services.scanner_setup_code(device, token)
        return Response(
            s.ScannerDeviceCreatedSerializer(device).data, status=status.HTTP_201_CREATED
        )


class ScannerDetailView(CheckinView):
    serializer_class = s.ScannerDeviceSerializer
    permission_classes = [IsAuthenticated, OrganizationAccess]
    organization_actions = {"DELETE": MANAGE}

    @extend_schema(
        tags=SCANNER_TAG,
        summary="Revoke a scanner device (managers and above)",
        description="Its token answers 401 from now on (idempotent). 204. Errors: 404 "
        "`scanner_not_found`, `organization_not_found`, 403, 401.",
        parameters=[path_id("organization_id"), path_id("scanner_id")],
        responses={204: None, **ERRORS},
        extensions=error_codes(
            {404: [E.SCANNER_NOT_FOUND, OrganizationError.ORGANIZATION_NOT_FOUND]}
        ),
    )
    def delete(self, request, organization_id, scanner_id):
        scanner_services.scanner_revoke(organization=self.organization, scanner_id=scanner_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- What a device does -----------------------------------------------------------------

KEYWORD = "Scanner"


class ScannerTokenAuthentication(BaseAuthentication):
    """``Authorization: Scanner <token>``: ``request.auth`` is the :class:`ScannerDevice`
    (``request.user`` anonymous); an unknown or revoked token answers 401."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after Scanner."))
        try:
            raw_token = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid scanner token.")) from None
        device = scanner_services.scanner_authenticate(raw_token)
        if device is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked scanner token."))
        return AnonymousUser(), device

    def authenticate_header(self, request) -> str:
        return KEYWORD


class IsScanner(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ScannerDevice):
            raise exceptions.NotAuthenticated()
        return True


class ScannerRateThrottle(SimpleRateThrottle):
    """One budget per device (scope ``campus_scanner``, ``THROTTLE_CAMPUS_SCANNER``)."""

    scope = "campus_scanner"

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ScannerDevice):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class ScannerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "teranga.products.campus.api.checkin_views.ScannerTokenAuthentication"
    name = "campusScanner"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Scanner <token>`: a scanner device's token, shown once when a "
            "manager registers it (POST /api/v1/campus/organizations/{id}/scanners/).",
        }


class ScannerView(GenericAPIView):
    authentication_classes = [ScannerTokenAuthentication]
    permission_classes = [IsScanner]
    throttle_classes = [ScannerRateThrottle]
    filter_backends: list = []
    pagination_class = None

    @property
    def device(self) -> ScannerDevice:
        return self.request.auth


class ScannerEventsView(PaginatedViewMixin, ScannerView):
    serializer_class = s.ScannerEventSerializer
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=SCANNER_TAG,
        summary="Events to scan for (scanner device)",
        description="The device organisation's published events not over for more than "
        "a day, soonest first. Errors: 401, 429.",
        responses={
            200: s.ScannerEventSerializer(many=True),
            401: ErrorSerializer,
            429: ErrorSerializer,
        },
        extensions=error_codes({429: [CoreError.THROTTLED]}),
        auth=SCANNER_AUTH,
    )
    def get(self, request):
        return self.paginated(
            selectors.scanner_events(device=self.device), s.ScannerEventSerializer
        )


class ScannerSyncView(ScannerView):
    serializer_class = s.SyncPayloadSerializer

    @extend_schema(
        tags=SCANNER_TAG,
        summary="Download an event's lists and tickets (scanner device)",
        description="Delta sync: the event's check-in lists, and its tickets changed since "
        "`cursor` (sold, cancelled, transferred or scanned), each with its presence at "
        "each list, at most `limit` (`has_more`: ask again with the new `cursor`). The "
        "body is signed (`signature`). Errors: 400 `invalid_sync_cursor` (sync from the "
        "start), 404 `event_not_found` (not the device organisation's), 401, 429.",
        parameters=[s.SyncQuerySerializer],
        responses={
            200: s.SyncPayloadSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
        extensions=error_codes(
            {
                400: [E.INVALID_SYNC_CURSOR],
                404: [E.EVENT_NOT_FOUND],
                429: [CoreError.THROTTLED],
            }
        ),
        auth=SCANNER_AUTH,
    )
    def get(self, request):
        # Not ``validated_query``: it leaves out ``cursor`` (the paginators' parameter).
        serializer = s.SyncQuerySerializer(data=request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        query = serializer.validated_data
        payload = selectors.scanner_sync(
            device=self.device,
            event_id=query["event"],
            cursor=query["cursor"],
            limit=query["limit"],
        )
        return Response(payload)


class ScannerScansView(ScannerView):
    serializer_class = s.UploadReportSerializer

    @extend_schema(
        tags=SCANNER_TAG,
        summary="Upload scans (scanner device)",
        description="At most 500 scans, each with the device's `nonce`: a scan already "
        "uploaded answers its stored result (`duplicate`) and is not counted again. New "
        "scans are applied in `scanned_at` order, on the same rules as the online "
        "validate; an entry the device admitted while another admission stands is "
        "recorded as `conflict` (the first stands); a refusal the device made stands. "
        "Online (`offline: false`) the answer is the decision to show. The answer lists "
        "each nonce's result in the order given and a summary. Errors: 400 `invalid`, "
        "`invalid_checkin_lists` (a list not of the device's organisation: nothing "
        "recorded), 401, 429.",
        request=s.UploadSerializer,
        responses={
            200: s.UploadReportSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            429: ErrorSerializer,
        },
        extensions=error_codes({400: [E.INVALID_CHECKIN_LISTS], 429: [CoreError.THROTTLED]}),
        auth=SCANNER_AUTH,
    )
    def post(self, request):
        serializer = s.UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = upload_services.scans_upload(
            device=self.device, scans=serializer.validated_data["scans"]
        )
        return Response(s.upload_report_data(report))
