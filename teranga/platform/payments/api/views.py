"""Payments endpoints.

Who may do what:

* any signed-in user pays (initiate, with an ``Idempotency-Key`` header), lists and reads
  their own payments, and cancels one still open;
* an organisation's agents and above (and staff) list and read its payments; managers
  and above refund them and review manual payments (staff too); admins store the
  organisation's own provider credentials;
* anyone else gets 404 for a payment or an organisation; a member below the role 403;
* providers call ``/payments/webhooks/<provider>/`` (no token: the signature on the raw
  body is the authentication).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.errors import CoreError, ValidationFailed
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.payments.errors import PaymentError

from .. import selectors
from ..providers.credentials import account_credentials
from ..services import manual, payments, refunds, webhooks
from ..services import providers as offers
from . import examples
from . import serializers as s

TAG = ["payments"]
#: The provider in a path: the URL takes a slug (Django's ``slug`` converter), so the
#: schema says so; anything else never reaches the view (404 from the router).
PROVIDER_PARAMETER = OpenApiParameter(
    "provider",
    {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    OpenApiParameter.PATH,
    description="`sandbox`, `stripe`, `paypal`, `wave`, `orange_money` or `free_money`.",
)
PAYMENT_ID = OpenApiParameter(
    "payment_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Payment id"
)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:\-]{8,128}$")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_PATTERN.pattern,
    description="A unique key per payment attempt (8 to 128 characters: letters, digits, "
    "`-`, `_`, `.`, `:`). Retrying with the same key and body returns the same payment; "
    "the same key with another body is 409 `idempotency_key_reused`.",
)


def _detail(request, payment_id, status_code=status.HTTP_200_OK) -> Response:
    payment = selectors.payment_detail(user=request.user, payment_id=payment_id)
    return Response(s.PaymentDetailSerializer(payment).data, status=status_code)


class PaymentListCreateView(GenericAPIView):
    serializer_class = s.PaymentSerializer
    filter_backends: list = []

    def get_throttles(self):
        self.throttle_scope = "payments" if self.request.method == "POST" else None
        return super().get_throttles()

    @extend_schema(
        tags=TAG,
        summary="My payments, or an organisation's",
        description="Without `organization`: the caller's own payments. With "
        "`organization`: the payments it received (agents and above, and staff; others "
        "404). Filters: `status` (repeatable), `provider`, `target_type`, `created_from`, "
        "`created_to`, `q` (description, payer email, transaction number, provider "
        "reference); `ordering`: `-created_at` (default), `created_at`, `amount`, "
        "`-amount`.",
        parameters=[s.PaymentListQuerySerializer],
        responses={200: s.PaymentSerializer(many=True)},
    )
    def get(self, request):
        query = validated_query(s.PaymentListQuerySerializer, request)
        organization_id = query.validated_data.get("organization")
        if organization_id is None:
            queryset = selectors.payments_of_payer(user=request.user, filters=query.filters())
        else:
            organization = selectors.organization_for_listing(
                user=request.user, organization_id=organization_id
            )
            queryset = selectors.payments_of_organization(
                organization=organization, filters=query.filters()
            )
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.PaymentSerializer(page, many=True).data)

    @extend_schema(
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID_PHONE,
                    PaymentError.IDEMPOTENCY_KEY_REQUIRED,
                    PaymentError.UNKNOWN_TARGET_TYPE,
                    PaymentError.PROVIDER_UNAVAILABLE,
                    PaymentError.CURRENCY_NOT_SUPPORTED,
                    PaymentError.TRANSACTION_NUMBER_REQUIRED,
                    PaymentError.TOO_MANY_COUPONS,
                    PaymentError.COUPON_NOT_FOUND,
                    PaymentError.COUPON_INACTIVE,
                    PaymentError.COUPON_NOT_STARTED,
                    PaymentError.COUPON_EXPIRED,
                    PaymentError.COUPON_LOGIN_REQUIRED,
                    PaymentError.COUPON_NOT_APPLICABLE,
                    PaymentError.COUPON_CURRENCY_MISMATCH,
                    PaymentError.COUPON_MIN_AMOUNT,
                    PaymentError.COUPON_NOT_STACKABLE,
                    PaymentError.COUPONS_NOT_ALLOWED,
                ],
                409: [
                    PaymentError.IDEMPOTENCY_KEY_REUSED,
                    PaymentError.PAYMENT_IN_PROGRESS,
                    PaymentError.TARGET_ALREADY_PAID,
                    PaymentError.ORGANIZATION_NOT_VERIFIED,
                    PaymentError.TRANSACTION_NUMBER_USED,
                    PaymentError.NOTHING_TO_PAY,
                    PaymentError.COUPON_EXHAUSTED,
                    PaymentError.COUPON_USER_LIMIT,
                ],
                502: [PaymentError.PROVIDER_ERROR],
            }
        ),
        tags=TAG,
        summary="Pay for something",
        description="Starts paying for `target_type`/`target_id` (e.g. "
        "`booking.reservation` and a reservation id): the price comes from the product, "
        "minus `coupon_codes`. Online (`method: online`, with a `provider` from "
        "`/payments/providers/`): the answer carries `checkout_url` (Wave's "
        "`wave_launch_url`, Orange Money's `payment_url`, PayPal's approval link, the "
        "sandbox page) or, for Stripe, `client_secret` for the mobile SDK; the outcome "
        "arrives by the provider's webhook (`status` becomes `succeeded`, then the "
        "product is delivered: `fulfilment_status` `done`). Manual (`bank_transfer`, "
        "`cash`, with `transaction_number`): `pending` until the organisation validates "
        "it. 201 when created; 200 when the same `Idempotency-Key` and body were sent "
        "before.\n\nOne thing is paid once: while a payment for the same "
        "`target_type`/`target_id` is open (`created`, `pending`), another key is 409 "
        "`payment_in_progress` (complete that payment, or cancel it at "
        "`/payments/{id}/cancel/`); once one has succeeded, 409 `target_already_paid` "
        "(or the product's own code, e.g. `already_paid`). A payment that ended unpaid "
        "(`failed`, `cancelled`, `expired`) does not block a new attempt.\n\n"
        "Errors: 400 `idempotency_key_required`, `unknown_target_type`, "
        "`provider_unavailable`, `currency_not_supported`, `transaction_number_required`, "
        "`invalid_phone` (`payer_phone`, which may be national: read in the payer's "
        "country, else the payee's), "
        "coupon codes (`coupon_not_found`, `coupon_expired`, …); 404 from the product "
        "(not yours, no such object); 409 `idempotency_key_reused`, "
        "`payment_in_progress`, `target_already_paid`, "
        "`organization_not_verified`, `transaction_number_used`, `nothing_to_pay`, "
        "`coupon_exhausted`, product conflicts; 502 `provider_error` (the provider "
        "refused: the payment is recorded as failed).",
        parameters=[IDEMPOTENCY_KEY],
        request=s.PaymentInitiateSerializer,
        examples=examples.PAYMENT_CREATE,
        responses={
            201: s.PaymentDetailSerializer,
            200: s.PaymentDetailSerializer,
            404: OpenApiResponse(
                description="The product has no such `target_id` for the payer: its own "
                "code, e.g. `reservation_not_found`."
            ),
            409: OpenApiResponse(
                description="Conflicts with the current state: another body for this "
                "`Idempotency-Key`, a payment for the same object already in progress or "
                "succeeded, or the product's own conflicts."
            ),
            502: OpenApiResponse(description="The provider refused (`provider_error`)."),
        },
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if not KEY_PATTERN.match(key):
            raise ValidationFailed(
                _("Send an Idempotency-Key header (8 to 128 letters, digits, - _ . :)."),
                code=PaymentError.IDEMPOTENCY_KEY_REQUIRED,
            )
        serializer = s.PaymentInitiateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        request_hash = payments.request_fingerprint(
            {**data, "payer_phone": str(data["payer_phone"] or "")}
        )
        payment, created = payments.payment_initiate(
            payer=request.user,
            target_type=data["target_type"],
            target_id=data["target_id"],
            provider=data["provider"],
            idempotency_key=key,
            request_hash=request_hash,
            coupon_codes=data["coupon_codes"],
            method=data["method"],
            transaction_number=data["transaction_number"],
            payer_phone=str(data["payer_phone"] or ""),
            return_url=data["return_url"],
        )
        return _detail(
            request, payment.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class PaymentDetailView(GenericAPIView):
    serializer_class = s.PaymentDetailSerializer

    @extend_schema(
        extensions=error_codes({404: [PaymentError.PAYMENT_NOT_FOUND]}),
        tags=TAG,
        summary="One payment, with its history and refunds",
        description="For its payer, or the payee's agents and above (and staff); anyone "
        "else 404. `client_secret` is shown to the payer only.",
        parameters=[PAYMENT_ID],
        responses={200: s.PaymentDetailSerializer},
    )
    def get(self, request, payment_id):
        return _detail(request, payment_id)


class PaymentCancelView(GenericAPIView):
    serializer_class = s.PaymentDetailSerializer

    @extend_schema(
        extensions=error_codes(
            {404: [PaymentError.PAYMENT_NOT_FOUND], 409: [PaymentError.INVALID_TRANSITION]}
        ),
        tags=TAG,
        summary="Give up a payment still open",
        description="The payer cancels a `created` or `pending` payment (held coupon uses "
        "are given back). 409 `invalid_transition` once it is settled; 404 for anyone "
        "else's payment.",
        parameters=[PAYMENT_ID],
        request=None,
        responses={200: s.PaymentDetailSerializer},
    )
    def post(self, request, payment_id):
        payments.payment_cancel(payer=request.user, payment_id=payment_id)
        return _detail(request, payment_id)


class PaymentRefundView(GenericAPIView):
    serializer_class = s.RefundCreateSerializer

    @extend_schema(
        extensions=error_codes(
            {
                404: [PaymentError.PAYMENT_NOT_FOUND],
                409: [
                    PaymentError.NOT_REFUNDABLE,
                    PaymentError.REFUND_EXCEEDS_AMOUNT,
                    PaymentError.REFUND_UNSUPPORTED,
                ],
            }
        ),
        tags=TAG,
        summary="Refund a payment, fully or partly",
        description="Managers and above of the payee. Without `amount`, what remains. The "
        "refund is made through the payment's provider after the answer (its `status` "
        "goes from `pending` to `succeeded` or `failed`); a succeeded refund issues a "
        "credit note. Manual payments are refunded by the organisation itself and "
        "recorded at once.\n\nErrors: 404 not found (or another organisation's); 403 "
        "below manager; 409 `not_refundable`, `refund_exceeds_amount`, "
        "`refund_unsupported` (Orange Money: refund by other means).",
        parameters=[PAYMENT_ID],
        request=s.RefundCreateSerializer,
        responses={201: s.RefundSerializer},
    )
    def post(self, request, payment_id):
        serializer = s.RefundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund = refunds.refund_create(
            actor=request.user,
            payment_id=payment_id,
            amount=serializer.validated_data.get("amount"),
            reason=serializer.validated_data["reason"],
        )
        refund.refresh_from_db()
        return Response(s.RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


class PaymentReviewView(GenericAPIView):
    serializer_class = s.ReviewSerializer

    @extend_schema(
        extensions=error_codes(
            {
                404: [PaymentError.PAYMENT_NOT_FOUND],
                409: [
                    PaymentError.NOT_MANUAL,
                    PaymentError.ALREADY_REVIEWED,
                    PaymentError.INVALID_TRANSITION,
                ],
            }
        ),
        tags=TAG,
        summary="Validate or reject a manual payment",
        description="Managers and above of the payee, and staff: `approve` (the payment "
        "succeeds and is delivered) or `reject` (it fails), with an optional note; both "
        "are logged with their author. 409 `not_manual`, `already_reviewed`.",
        parameters=[PAYMENT_ID],
        request=s.ReviewSerializer,
        responses={200: s.PaymentDetailSerializer},
    )
    def post(self, request, payment_id):
        serializer = s.ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        manual.manual_payment_review(
            actor=request.user,
            payment_id=payment_id,
            approve=serializer.validated_data["decision"] == "approve",
            note=serializer.validated_data["note"],
        )
        return _detail(request, payment_id)


class ProvidersView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        summary="How one can pay an organisation",
        description="The online providers offered by a verified organisation (its own "
        "credentials, or the platform's), optionally for one `currency`, plus manual "
        "methods (bank transfer, cash). 404 for an organisation one may not see.",
        parameters=[s.ProvidersQuerySerializer],
        responses={200: s.ProviderSerializer(many=True)},
    )
    def get(self, request):
        query = s.ProvidersQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        organization = get_organization_for(
            request.user, query.validated_data["organization"], "organization.view"
        )
        rows = offers.payment_options(organization, query.validated_data.get("currency"))
        return Response(s.ProviderSerializer(rows, many=True).data)


class WebhookView(APIView):
    """Providers post here. No token, no CSRF: the signature on the raw body is checked
    by the provider's adapter before anything is parsed."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "payment_webhooks"

    @extend_schema(
        extensions=error_codes(
            {
                400: [PaymentError.INVALID_SIGNATURE],
                404: [PaymentError.UNKNOWN_PROVIDER, PaymentError.PROVIDER_NOT_CONFIGURED],
                503: [PaymentError.PROVIDER_UNAVAILABLE],
            }
        ),
        tags=TAG,
        summary="Provider webhook",
        description="Called by the providers (`sandbox`, `stripe`, `paypal`, `wave`, "
        "`orange_money`, `free_money`); `?account=` names an organisation's own provider "
        "account. The signature is verified on the raw body first (400 "
        "`invalid_signature`, `stale_timestamp`, `malformed`: nothing is stored). Each "
        "event id is applied once: replays and duplicates answer 200 with the outcome "
        "`duplicate`. 404 `unknown_provider` for a provider that does not exist, "
        "`provider_not_configured` for one without the credentials here (nothing is "
        "stored; not worth retrying). 503 `provider_unavailable` when a confirmation "
        "query failed (the provider retries).",
        parameters=[
            PROVIDER_PARAMETER,
            OpenApiParameter("account", OpenApiTypes.UUID, OpenApiParameter.QUERY, required=False),
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: s.WebhookResultSerializer,
            404: OpenApiResponse(
                description="Unknown provider, or one not configured here: do not retry."
            ),
            503: OpenApiResponse(
                description="A confirmation query to the provider failed: retry later."
            ),
        },
    )
    def post(self, request, provider):
        outcomes = webhooks.webhook_receive(
            provider=provider,
            body=request.body,
            headers=dict(request.headers),
            query={key: request.GET.get(key) for key in request.GET},
        )
        return Response({"received": len(outcomes), "outcomes": outcomes})


class ProviderAccountView(APIView):

    def _read(self, account) -> dict:
        return {
            "provider": account.provider,
            "is_active": account.is_active,
            "configured": sorted(account_credentials(account)),
            "webhook_url": offers.webhook_url(account.provider, account),
            "updated_at": account.updated_at,
        }

    @extend_schema(
        extensions=error_codes(
            {
                400: [PaymentError.UNKNOWN_PROVIDER],
                404: [PaymentError.UNKNOWN_PROVIDER, OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
        tags=TAG,
        summary="Store the organisation's own credentials for a provider",
        description="Admins and above. The credentials are encrypted at rest and never "
        "returned: the answer lists which names are configured and the webhook URL to "
        "register with the provider. 400 when a required credential is missing; 404 "
        "`unknown_provider`.",
        parameters=[
            OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH),
            PROVIDER_PARAMETER,
        ],
        request=s.ProviderAccountSerializer,
        responses={200: s.ProviderAccountReadSerializer},
    )
    def put(self, request, organization_id, provider):
        organization = get_organization_for(
            request.user, organization_id, "payments.accounts.manage"
        )
        if provider in (offers.SANDBOX,):
            raise ValidationFailed(
                code=PaymentError.UNKNOWN_PROVIDER,
                fields={"provider": ["The sandbox needs no credentials."]}
            )
        offers.adapter_for(provider)
        serializer = s.ProviderAccountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = offers.provider_account_save(
            organization=organization,
            provider=provider,
            credentials=serializer.validated_data["credentials"],
            is_active=serializer.validated_data["is_active"],
        )
        return Response(s.ProviderAccountReadSerializer(self._read(account)).data)

    @extend_schema(
        extensions=error_codes(
            {
                404: [
                    PaymentError.UNKNOWN_PROVIDER,
                    PaymentError.PROVIDER_ACCOUNT_NOT_FOUND,
                    OrganizationError.ORGANIZATION_NOT_FOUND,
                ]
            }
        ),
        tags=TAG,
        summary="Forget the organisation's own credentials for a provider",
        description="Admins and above; the platform's credentials apply again. 404 when "
        "none are stored.",
        parameters=[
            OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH),
            PROVIDER_PARAMETER,
        ],
        request=None,
        responses={204: None},
    )
    def delete(self, request, organization_id, provider):
        organization = get_organization_for(
            request.user, organization_id, "payments.accounts.manage"
        )
        offers.provider_account_delete(organization=organization, provider=provider)
        return Response(status=status.HTTP_204_NO_CONTENT)
