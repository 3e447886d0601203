"""The transactions API: reserving a property with a deposit (paid through
``/api/v1/payments/``), the agency's reservations and their cancellation or conversion
into a deal, contracts (PDF, sent, signed scan), commissions and agents' statements, and
the agency's deposit and commission rules.

Who may do what: ``selectors.transactions``. Another agency's objects answer 404, a
member whose role is too low 403, no token 401.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from teranga.core.errors import CoreError, NotFound
from teranga.core.i18n import normalize_language
from teranga.core.pagination import PageNumberPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.payments.errors import PaymentError

from ..errors import RealEstateError
from ..models import Property
from ..selectors import access as property_access
from ..selectors import transactions as selectors
from ..services import commissions as commission_services
from ..services import contracts as contract_services
from ..services import reservations as reservation_services
from . import transaction_serializers as s

TAG = ["realestate transactions"]
ORGANIZATION_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
PROPERTY_ID = OpenApiParameter("property_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
RESERVATION_ID = OpenApiParameter("reservation_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
CONTRACT_ID = OpenApiParameter("contract_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
RESERVATION_404 = [RealEstateError.RESERVATION_NOT_FOUND]
CONTRACT_404 = [RealEstateError.CONTRACT_NOT_FOUND]
ORGANIZATION_404 = [OrganizationError.ORGANIZATION_NOT_FOUND]
PDF = OpenApiResponse(OpenApiTypes.BINARY, description="PDF")


def _file_response(content: bytes, content_type: str, filename: str, *, inline=True):
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class TransactionView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    serializer_class = s.RealEstateReservationSerializer
    pagination_class = None

    def reservation_response(self, reservation, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.RealEstateReservationSerializer(reservation).data, status=status_code)

    def contract_response(self, contract, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.RealEstateContractSerializer(contract).data, status=status_code)


# --- Reservations ------------------------------------------------------------------------


class PropertyReservationsView(TransactionView):
    @extend_schema(
        tags=TAG,
        summary="Reserve a property",
        description="A signed-in client reserves an available property (same visibility "
        "as the property: 404 `property_not_found`). The property is held at once "
        "(status `reserved`, recorded in its history) while the deposit is paid: until "
        "`hold_expires_at` (the agency's hold, 48 hours by default); unpaid by then, the "
        "reservation expires and the property is available again. The deposit: for a "
        "sale, the agency's share of the price (10 % by default); for a rental, the "
        "property's deposit, else months of rent. Pay it with `POST /api/v1/payments/` "
        "(`target_type` `realestate.reservation`, `target_id` the reservation's id): the "
        "reservation is then `confirmed`. 409 `property_not_available` when the property "
        "is not available or another client reserved it first.",
        parameters=[PROPERTY_ID],
        request=None,
        responses={201: s.RealEstateReservationSerializer},
        extensions=error_codes(
            {
                404: [RealEstateError.PROPERTY_NOT_FOUND],
                409: [RealEstateError.PROPERTY_NOT_AVAILABLE],
            }
        ),
    )
    def post(self, request, property_id):
        prop, _staff = property_access.property_visible(user=request.user, property_id=property_id)
        reservation = reservation_services.reservation_create(
            prop=prop, user=request.user, language=normalize_language(get_language())
        )
        reservation = selectors.reservation_for_viewer(
            user=request.user, reservation_id=reservation.pk
        )
        return self.reservation_response(reservation, status.HTTP_201_CREATED)


class ReservationListView(TransactionView):
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=TAG,
        summary="Reservations",
        description="Without `organization`: the caller's own reservations. With "
        "`organization`: every reservation of that agency, for its agents and above and "
        "platform staff (404 for anyone outside, 403 below agent). Filters: `status`, "
        "`property`. Newest first, paginated.",
        parameters=[s.RealEstateReservationListQuerySerializer],
        responses={200: s.RealEstateReservationSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID], 404: ORGANIZATION_404}),
    )
    def get(self, request):
        query = validated_query(s.RealEstateReservationListQuerySerializer, request).validated_data
        organization = None
        if "organization" in query:
            organization = get_organization_for(
                request.user, query["organization"], selectors.TRANSACTIONS_VIEW
            )
        rows = selectors.reservations_list(
            user=request.user,
            organization=organization,
            status=query.get("status"),
            property_id=query.get("property"),
        )
        return self.paginated(rows, s.RealEstateReservationSerializer)


class ReservationDetailView(TransactionView):
    @extend_schema(
        tags=TAG,
        summary="One reservation",
        description="For its client and the agency's agents and above (and staff).",
        parameters=[RESERVATION_ID],
        responses={200: s.RealEstateReservationSerializer},
        extensions=error_codes({404: RESERVATION_404}),
    )
    def get(self, request, reservation_id):
        return self.reservation_response(
            selectors.reservation_for_viewer(user=request.user, reservation_id=reservation_id)
        )


class ReservationCancelView(TransactionView):
    @extend_schema(
        tags=TAG,
        summary="Cancel a reservation",
        description="The property's agent, managers and above cancel an active "
        "reservation: a deposit paid is refunded in full through the payments module "
        "(its provider), and the property is available again. Its client may give up "
        "their own reservation while the deposit is unpaid; once it is paid, only the "
        "agency cancels (409 `reservation_invalid_transition`, as for a reservation "
        "already closed). The client and the agent are told.",
        parameters=[RESERVATION_ID],
        request=s.RealEstateReservationCancelSerializer,
        responses={200: s.RealEstateReservationSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                404: RESERVATION_404,
                409: [RealEstateError.RESERVATION_INVALID_TRANSITION, PaymentError.NOT_REFUNDABLE],
            }
        ),
    )
    def post(self, request, reservation_id):
        reservation = selectors.reservation_for_viewer(
            user=request.user, reservation_id=reservation_id
        )
        if reservation.viewer_is_staff:
            reservation = selectors.reservation_for_agent(
                user=request.user, reservation_id=reservation_id
            )
        serializer = s.RealEstateReservationCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reservation_services.reservation_cancel(
            reservation_id=reservation.pk,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            by_client=not reservation.viewer_is_staff,
        )
        return self.reservation_response(
            selectors.reservation_for_viewer(user=request.user, reservation_id=reservation_id)
        )


class ReservationConvertView(TransactionView):
    serializer_class = s.RealEstateCommissionSerializer

    @extend_schema(
        tags=TAG,
        summary="Turn a confirmed reservation into a deal",
        description="The property's agent, managers and above. The reservation is "
        "`converted`, the property `sold` (a sale) or `rented`, and the deal's commission "
        "recorded under the agency's rule on `deal_price` (default: the price when "
        "reserved), split between the listing agent (default: the property's agent) and "
        "the selling agent (default: the reservation's agent); answers the commission. "
        "409 `reservation_invalid_transition` unless the reservation is confirmed; 400 "
        "`agent_not_member` for an agent outside the agency.",
        parameters=[RESERVATION_ID],
        request=s.RealEstateReservationConvertSerializer,
        responses={201: s.RealEstateCommissionSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.AGENT_NOT_MEMBER],
                404: RESERVATION_404,
                409: [
                    RealEstateError.RESERVATION_INVALID_TRANSITION,
                    RealEstateError.COMMISSION_EXISTS,
                ],
            }
        ),
    )
    def post(self, request, reservation_id):
        reservation = selectors.reservation_for_agent(
            user=request.user, reservation_id=reservation_id
        )
        serializer = s.RealEstateReservationConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _reservation, commission = reservation_services.reservation_convert(
            reservation_id=reservation.pk,
            actor=request.user,
            deal_price=data.get("deal_price"),
            listing_agent_id=data.get("listing_agent"),
            selling_agent_id=data.get("selling_agent"),
        )
        commission = selectors.commissions_list(organization=reservation.organization).get(
            pk=commission.pk
        )
        return Response(
            s.RealEstateCommissionSerializer(commission).data, status=status.HTTP_201_CREATED
        )


# --- Settings ----------------------------------------------------------------------------


class TransactionSettingsView(TransactionView):
    serializer_class = s.RealEstateTransactionSettingsSerializer

    def settings_response(self, row) -> Response:
        return Response(
            s.RealEstateTransactionSettingsSerializer(
                {name: getattr(row, name) for name in commission_services.SETTINGS_FIELDS}
            ).data
        )

    @extend_schema(
        tags=TAG,
        summary="The agency's deposit and commission rules",
        description="Agents and above (and staff). The defaults until the agency changes "
        "them: deposit 10 % of a sale's price (1 000 basis points) or one month of rent, "
        "a 48-hour hold, commission 5 % of the deal price, the listing agent 20 % and "
        "the selling agent 30 % of it, the agency the rest.",
        parameters=[ORGANIZATION_ID],
        responses={200: s.RealEstateTransactionSettingsSerializer},
        extensions=error_codes({404: ORGANIZATION_404}),
    )
    def get(self, request, organization_id):
        organization = get_organization_for(
            request.user, organization_id, selectors.TRANSACTIONS_VIEW
        )
        return self.settings_response(selectors.transaction_settings_of(organization))

    @extend_schema(
        tags=TAG,
        summary="Change the agency's deposit and commission rules (admins and owners)",
        description="Any subset of the fields. Percentages are basis points (1 % = 100), "
        "at most 10 000; the two agents' percentage shares together at most 10 000. Fixed "
        "amounts are minor units of the deal's currency. Commissions already recorded "
        "keep their amounts.",
        parameters=[ORGANIZATION_ID],
        request=s.RealEstateTransactionSettingsSerializer(partial=True),
        responses={200: s.RealEstateTransactionSettingsSerializer},
        extensions=error_codes({400: [CoreError.INVALID], 404: ORGANIZATION_404}),
    )
    def patch(self, request, organization_id):
        organization = get_organization_for(
            request.user, organization_id, property_access.SETTINGS_MANAGE
        )
        serializer = s.RealEstateTransactionSettingsSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        row = commission_services.transaction_settings_update(
            organization=organization, **serializer.validated_data
        )
        return self.settings_response(row)


# --- Contracts ---------------------------------------------------------------------------


def _agency_property(organization, property_id) -> Property:
    prop = (
        Property.objects.select_related("organization", "agent")
        .filter(organization=organization, pk=property_id)
        .first()
    )
    if prop is None:
        raise NotFound(code=RealEstateError.PROPERTY_NOT_FOUND)
    return prop


class AgencyContractsView(TransactionView):
    serializer_class = s.RealEstateContractSerializer
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=TAG,
        summary="Contracts of an agency",
        description="Agents and above (and staff). Filters `status`, `kind`; newest first, "
        "paginated.",
        parameters=[ORGANIZATION_ID, s.RealEstateContractListQuerySerializer],
        responses={200: s.RealEstateContractSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID], 404: ORGANIZATION_404}),
    )
    def get(self, request, organization_id):
        query = validated_query(s.RealEstateContractListQuerySerializer, request).validated_data
        organization = get_organization_for(
            request.user, organization_id, selectors.TRANSACTIONS_VIEW
        )
        rows = selectors.contracts_list(
            organization=organization, status=query.get("status"), kind=query.get("kind")
        )
        return self.paginated(rows, s.RealEstateContractSerializer)

    @extend_schema(
        tags=TAG,
        summary="Write a contract (the property's agent, managers and above)",
        description="A reservation agreement, a lease or a mandate for one of the agency's "
        "properties, generated from its template as a PDF with the agency's branding, "
        "the parties, the property and the amounts, in `language` (default: the "
        "request's). The client: `client` (the agency's CRM) or the reservation's (one "
        "is required: 400 `contract_client_required`); `amount` defaults to the "
        "reservation's price, else the property's. The contract is a `draft`.",
        parameters=[ORGANIZATION_ID],
        request=s.RealEstateContractCreateSerializer,
        responses={201: s.RealEstateContractSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.CONTRACT_CLIENT_REQUIRED],
                404: [
                    *ORGANIZATION_404,
                    RealEstateError.PROPERTY_NOT_FOUND,
                    RealEstateError.CLIENT_NOT_FOUND,
                    RealEstateError.RESERVATION_NOT_FOUND,
                ],
            }
        ),
    )
    def post(self, request, organization_id):
        organization = get_organization_for(
            request.user, organization_id, selectors.TRANSACTIONS_VIEW
        )
        serializer = s.RealEstateContractCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prop = _agency_property(organization, data["property"])
        selectors.contract_writer_check(user=request.user, prop=prop)
        contract = contract_services.contract_create(
            organization=organization,
            actor=request.user,
            kind=data["kind"],
            prop=prop,
            client_id=data.get("client"),
            reservation_id=data.get("reservation"),
            amount=data.get("amount"),
            terms=data["terms"],
            language=data.get("language") or normalize_language(get_language()),
        )
        return self.contract_response(contract, status.HTTP_201_CREATED)


class ContractDetailView(TransactionView):
    serializer_class = s.RealEstateContractSerializer

    @extend_schema(
        tags=TAG,
        summary="One contract",
        description="The agency's agents and above (and staff).",
        parameters=[CONTRACT_ID],
        responses={200: s.RealEstateContractSerializer},
        extensions=error_codes({404: CONTRACT_404}),
    )
    def get(self, request, contract_id):
        return self.contract_response(
            selectors.contract_for_staff(user=request.user, contract_id=contract_id)
        )


class ContractPdfView(TransactionView):
    @extend_schema(
        tags=TAG,
        summary="The contract's PDF",
        description="The PDF generated when the contract was written: for the agency's "
        "agents and above (and staff), and for the client once it was sent to them.",
        parameters=[CONTRACT_ID],
        responses={(200, "application/pdf"): PDF},
        extensions=error_codes({404: CONTRACT_404}),
    )
    def get(self, request, contract_id):
        contract = selectors.contract_for_reader(user=request.user, contract_id=contract_id)
        with contract.file.open("rb") as handle:
            content = handle.read()
        return _file_response(content, "application/pdf", f"contract-{contract.pk.hex[:8]}.pdf")


class ContractSendView(TransactionView):
    serializer_class = s.RealEstateContractSerializer

    @extend_schema(
        tags=TAG,
        summary="Send a contract to its client",
        description="Draft → sent (the property's agent, managers and above): the client "
        "is told with the contract's link, on their account or by email. 409 "
        "`contract_invalid_transition` unless it is a draft, "
        "`contract_client_unreachable` when the client has no account and no email.",
        parameters=[CONTRACT_ID],
        request=None,
        responses={200: s.RealEstateContractSerializer},
        extensions=error_codes(
            {
                404: CONTRACT_404,
                409: [
                    RealEstateError.CONTRACT_INVALID_TRANSITION,
                    RealEstateError.CONTRACT_CLIENT_UNREACHABLE,
                ],
            }
        ),
    )
    def post(self, request, contract_id):
        contract = selectors.contract_for_agent(user=request.user, contract_id=contract_id)
        return self.contract_response(
            contract_services.contract_send(contract=contract, actor=request.user)
        )


class ContractSignView(TransactionView):
    parser_classes = [MultiPartParser]  # an upload endpoint: multipart/form-data only
    serializer_class = s.RealEstateContractSerializer

    @extend_schema(
        tags=TAG,
        summary="Record the signed contract (upload its scan)",
        description="Sent → signed (the property's agent, managers and above): "
        "multipart/form-data with `file`, the signed scan — a PDF, or an image stored "
        "re-encoded without metadata; at most 10 MB (400 `invalid_scan`). Stored "
        "privately, read through `…/signed-scan/`. 409 `contract_invalid_transition` "
        "unless the contract was sent.",
        parameters=[CONTRACT_ID],
        request={"multipart/form-data": s.RealEstateContractSignSerializer},
        responses={200: s.RealEstateContractSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.INVALID_SCAN],
                404: CONTRACT_404,
                409: [RealEstateError.CONTRACT_INVALID_TRANSITION],
            }
        ),
    )
    def post(self, request, contract_id):
        contract = selectors.contract_for_agent(user=request.user, contract_id=contract_id)
        serializer = s.RealEstateContractSignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.contract_response(
            contract_services.contract_sign(
                contract=contract, actor=request.user, upload=serializer.validated_data["file"]
            )
        )


class ContractSignedScanView(TransactionView):
    @extend_schema(
        tags=TAG,
        summary="The signed scan of a contract (agents and above, staff)",
        description="The file uploaded when it was signed: a PDF or an image (JPEG, PNG, "
        "WebP). 404 `contract_not_found` while there is none.",
        parameters=[CONTRACT_ID],
        responses={
            (200, "application/pdf"): PDF,
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="Image"),
        },
        extensions=error_codes({404: CONTRACT_404}),
    )
    def get(self, request, contract_id):
        from teranga.core.images import CONTENT_TYPES, stored_extension

        contract = selectors.contract_for_staff(user=request.user, contract_id=contract_id)
        if not contract.signed_file:
            raise NotFound(code=RealEstateError.CONTRACT_NOT_FOUND)
        name = contract.signed_file.name
        extension = stored_extension(name)
        content_type = (
            "application/pdf"
            if extension == ".pdf"
            else CONTENT_TYPES.get(extension, "application/octet-stream")
        )
        with contract.signed_file.open("rb") as handle:
            content = handle.read()
        return _file_response(content, content_type, f"signed-{contract.pk.hex[:8]}{extension}")


# --- Commissions -------------------------------------------------------------------------


class AgencyCommissionsView(TransactionView):
    serializer_class = s.RealEstateCommissionSerializer
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=TAG,
        summary="Commissions of an agency",
        description="Managers and above see every commission; an agent sees the deals "
        "they have a share in (`agent` is then themselves: 403 for another). Filters "
        "`agent`, `from`/`to` (deal dates). Newest deal first, paginated.",
        parameters=[ORGANIZATION_ID, s.RealEstateCommissionListQuerySerializer],
        responses={200: s.RealEstateCommissionSerializer(many=True)},
        extensions=error_codes({400: [CoreError.INVALID], 404: ORGANIZATION_404}),
    )
    def get(self, request, organization_id):
        query = validated_query(s.RealEstateCommissionListQuerySerializer, request).validated_data
        organization = get_organization_for(
            request.user, organization_id, selectors.TRANSACTIONS_VIEW
        )
        agent_id = query.get("agent")
        if not selectors.may_manage_all(request.user, organization):
            agent_id = agent_id or request.user.pk
            selectors.statement_agent_check(
                user=request.user, organization=organization, agent_id=agent_id
            )
        rows = selectors.commissions_list(
            organization=organization,
            agent_id=agent_id,
            date_from=query.get("from"),
            date_to=query.get("to"),
        )
        return self.paginated(rows, s.RealEstateCommissionSerializer)

    @extend_schema(
        tags=TAG,
        summary="Record a deal's commission (managers and above)",
        description="For a deal made outside a reservation: the commission on "
        "`deal_price` under the agency's rule, split between the listing and selling "
        "agents (default: the property's agent; 400 `agent_not_member` outside the "
        "agency), dated `deal_date` (default: today).",
        parameters=[ORGANIZATION_ID],
        request=s.RealEstateCommissionCreateSerializer,
        responses={201: s.RealEstateCommissionSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, RealEstateError.AGENT_NOT_MEMBER],
                404: [*ORGANIZATION_404, RealEstateError.PROPERTY_NOT_FOUND],
            }
        ),
    )
    def post(self, request, organization_id):
        organization = get_organization_for(
            request.user, organization_id, selectors.TRANSACTIONS_MANAGE
        )
        serializer = s.RealEstateCommissionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        prop = _agency_property(organization, data["property"])
        commission = commission_services.commission_create(
            organization=organization,
            prop=prop,
            actor=request.user,
            deal_price=data["deal_price"],
            deal_date=data.get("deal_date"),
            listing_agent_id=data.get("listing_agent"),
            selling_agent_id=data.get("selling_agent"),
        )
        commission = selectors.commissions_list(organization=organization).get(pk=commission.pk)
        return Response(
            s.RealEstateCommissionSerializer(commission).data, status=status.HTTP_201_CREATED
        )


class CommissionStatementView(TransactionView):
    serializer_class = s.RealEstateStatementSerializer

    def perform_content_negotiation(self, request, force=False):
        # ``format`` is this endpoint's own parameter (json/csv/pdf), not DRF's renderer
        # override: errors and JSON are JSON, files are plain HTTP responses.
        return JSONRenderer(), JSONRenderer.media_type

    @extend_schema(
        tags=TAG,
        summary="An agent's commission statement for a period",
        description="The agent's shares of the deals dated from `from` to `to` (at most "
        "366 days), oldest first, with totals per currency. `agent`: default the caller; "
        "an agent reads only their own (403), managers and above anyone's. `format`: "
        "`json` (default), `csv` (UTF-8 with a byte-order mark; columns deal_date, "
        "property, role, deal_price, commission, share, currency in minor units, then a "
        "total row per currency) or `pdf` (with the agency's branding).",
        parameters=[ORGANIZATION_ID, s.RealEstateStatementQuerySerializer],
        responses={
            200: s.RealEstateStatementSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file"),
            (200, "application/pdf"): PDF,
        },
        extensions=error_codes(
            {400: [CoreError.INVALID], 404: [*ORGANIZATION_404, CoreError.NOT_FOUND]}
        ),
    )
    def get(self, request, organization_id):
        query = validated_query(s.RealEstateStatementQuerySerializer, request).validated_data
        organization = get_organization_for(
            request.user, organization_id, selectors.TRANSACTIONS_VIEW
        )
        agent_id = query.get("agent") or request.user.pk
        selectors.statement_agent_check(
            user=request.user, organization=organization, agent_id=agent_id
        )
        agent = selectors.agency_agent(organization=organization, agent_id=agent_id)
        statement = selectors.commission_statement(
            organization=organization, agent=agent, date_from=query["from"], date_to=query["to"]
        )
        stem = f"commissions-{query['from'].isoformat()}-{query['to'].isoformat()}"
        if query["format"] == "csv":
            return _file_response(
                selectors.statement_csv(statement),
                "text/csv; charset=utf-8",
                f"{stem}.csv",
                inline=False,
            )
        if query["format"] == "pdf":
            from ..contracts import statement_pdf

            return _file_response(statement_pdf(statement), "application/pdf", f"{stem}.pdf")
        return Response(
            s.RealEstateStatementSerializer(
                {
                    "agent": {"id": agent.pk, "name": selectors.agent_name(agent)},
                    "date_from": statement.date_from,
                    "date_to": statement.date_to,
                    "lines": statement.lines,
                    "totals": [
                        {"currency": currency, "amount": total}
                        for currency, total in sorted(statement.totals.items())
                    ],
                }
            ).data
        )


PROPERTY = "properties/<uuid:property_id>"
AGENCY = "organizations/<uuid:organization_id>"
RESERVATION = "reservations/<uuid:reservation_id>"
CONTRACT = "contracts/<uuid:contract_id>"

urlpatterns = [
    path(
        f"{PROPERTY}/reservations/",
        PropertyReservationsView.as_view(),
        name="property-reservations",
    ),
    path("reservations/", ReservationListView.as_view(), name="reservation-list"),
    path(f"{RESERVATION}/", ReservationDetailView.as_view(), name="reservation-detail"),
    path(f"{RESERVATION}/cancel/", ReservationCancelView.as_view(), name="reservation-cancel"),
    path(f"{RESERVATION}/convert/", ReservationConvertView.as_view(), name="reservation-convert"),
    path(
        f"{AGENCY}/transaction-settings/",
        TransactionSettingsView.as_view(),
        name="transaction-settings",
    ),
    path(f"{AGENCY}/contracts/", AgencyContractsView.as_view(), name="contracts"),
    path(f"{CONTRACT}/", ContractDetailView.as_view(), name="contract-detail"),
    path(f"{CONTRACT}/pdf/", ContractPdfView.as_view(), name="contract-pdf"),
    path(f"{CONTRACT}/send/", ContractSendView.as_view(), name="contract-send"),
    path(f"{CONTRACT}/sign/", ContractSignView.as_view(), name="contract-sign"),
    path(f"{CONTRACT}/signed-scan/", ContractSignedScanView.as_view(), name="contract-signed-scan"),
    path(f"{AGENCY}/commissions/", AgencyCommissionsView.as_view(), name="commissions"),
    path(
        f"{AGENCY}/commissions/statement/",
        CommissionStatementView.as_view(),
        name="commission-statement",
    ),
]
