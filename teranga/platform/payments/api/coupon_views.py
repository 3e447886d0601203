"""Coupon endpoints.

* Staff of an organisation (``coupons.view``: managers and above, and platform staff;
  ``coupons.manage``: managers and above) list, create, change and delete its coupons.
  Another organisation's coupon answers 404; a member below manager 403.
* Any signed-in user asks ``POST /coupons/validate/`` what a purchase would cost with some
  codes (nothing is held). It is throttled (scope ``coupon_validate``), since codes could
  otherwise be guessed.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError, ValidationFailed
from teranga.core.filters import TextFilter
from teranga.core.limits import QUERY_MAX_LENGTH
from teranga.core.schema import error_codes
from teranga.core.throttling import UserRateThrottle
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.payments.errors import PaymentError

from ..models import Coupon
from ..payables import payables
from ..services import coupons as services
from . import coupon_serializers as s

TAG = ["coupons"]
COUPON_ID = OpenApiParameter("coupon_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
RULE_CODES = (
    "400 `coupons_not_allowed`, `too_many_coupons`, `coupon_not_found`, `coupon_inactive`, "
    "`coupon_not_started`, `coupon_expired`, `coupon_login_required`, "
    "`coupon_not_applicable`, `coupon_currency_mismatch`, `coupon_min_amount`, "
    "`coupon_not_stackable`; 409 `coupon_exhausted`, `coupon_user_limit`"
)
WRITE_CODES = (
    "400 `invalid_coupon_code`, `invalid_coupon_kind`, `invalid_coupon_value` (percent 1 to "
    "100, a positive fixed amount, not both), `invalid_currency`, `invalid_validity` "
    "(`valid_until` after `valid_from`), `invalid_max_uses`, `max_uses_below_uses`, "
    "`invalid_min_amount`, `invalid_scope`; 409 `coupon_code_taken`"
)
#: When settings do not name a rate for ``coupon_validate``.
DEFAULT_VALIDATE_RATE = "30/min"


class CouponValidateThrottle(UserRateThrottle):
    """Per user (per IP when anonymous), scope ``coupon_validate``."""

    scope = "coupon_validate"

    def get_rate(self):
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope, DEFAULT_VALIDATE_RATE)


class CouponFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()
    q = TextFilter(field_name="code", lookup_expr="icontains", label="Part of the code")

    class Meta:
        model = Coupon
        fields = ["is_active", "q"]


class CouponView(GenericAPIView):
    serializer_class = s.CouponSerializer
    filter_backends: list = []

    def coupon_response(self, coupon, status_code=status.HTTP_200_OK) -> Response:
        return Response(s.CouponSerializer(coupon).data, status=status_code)


class CouponListCreateView(CouponView):
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = CouponFilter
    ordering_fields = ["code", "created_at", "valid_until", "uses_count"]
    ordering = ["-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Coupon.objects.none()
        _organization, queryset = services.organization_coupons(
            user=self.request.user,
            organization_id=self.request.query_params.get("organization"),
        )
        return queryset

    @extend_schema(
        tags=TAG,
        summary="An organisation's coupons (managers and above, staff)",
        description="`organization` is required (400 `organization_required`). Filters: "
        "`is_active`, `q` (part of the code); `ordering`: code, created_at, valid_until, "
        "uses_count (`-` for descending). Page-number paginated.",
        parameters=[
            OpenApiParameter("organization", OpenApiTypes.UUID, required=True),
            OpenApiParameter("q", {"type": "string", "maxLength": QUERY_MAX_LENGTH}),
            OpenApiParameter("is_active", OpenApiTypes.BOOL),
        ],
        responses={200: s.CouponSerializer(many=True)},
    )
    def get(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.CouponSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Create a coupon (managers and above)",
        description=f"A percentage (`percent_off`) or a fixed amount (`amount_off`, minor "
        f"units). Errors: {WRITE_CODES}.",
        request=s.CouponCreateSerializer,
        responses={201: s.CouponSerializer},
    )
    def post(self, request):
        serializer = s.CouponCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = get_organization_for(
            request.user, data.pop("organization"), services.COUPONS_MANAGE
        )
        coupon = services.coupon_create(actor=request.user, organization=organization, **data)
        return self.coupon_response(coupon, status.HTTP_201_CREATED)


class CouponDetailView(CouponView):
    @extend_schema(
        tags=TAG,
        summary="One coupon (managers and above, staff)",
        description="404 `coupon_not_found` for another organisation's coupon.",
        parameters=[COUPON_ID],
        responses={200: s.CouponSerializer},
    )
    def get(self, request, coupon_id):
        return self.coupon_response(services.coupon_for(user=request.user, coupon_id=coupon_id))

    @extend_schema(
        tags=TAG,
        summary="Change a coupon (managers and above)",
        description=f"Only the fields given change; switching `kind` clears the other "
        f"kind's value. Errors: {WRITE_CODES}.",
        parameters=[COUPON_ID],
        request=s.CouponUpdateSerializer,
        responses={200: s.CouponSerializer},
    )
    def patch(self, request, coupon_id):
        coupon = services.coupon_for(
            user=request.user, coupon_id=coupon_id, action=services.COUPONS_MANAGE
        )
        serializer = s.CouponUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        coupon = services.coupon_update(
            organization=coupon.organization, coupon_id=coupon.pk, **serializer.validated_data
        )
        return self.coupon_response(coupon)

    @extend_schema(
        tags=TAG,
        summary="Delete a coupon (managers and above)",
        description="Only a coupon never redeemed; otherwise 409 `coupon_in_use` "
        "(deactivate it with `is_active: false`); 409 `in_use` if other records still "
        "depend on it (the error handler's net).",
        parameters=[COUPON_ID],
        responses={204: None},
        extensions=error_codes({409: [PaymentError.COUPON_IN_USE, CoreError.IN_USE]}),
    )
    def delete(self, request, coupon_id):
        coupon = services.coupon_for(
            user=request.user, coupon_id=coupon_id, action=services.COUPONS_MANAGE
        )
        services.coupon_delete(organization=coupon.organization, coupon_id=coupon.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CouponValidateView(GenericAPIView):
    serializer_class = s.CouponValidateSerializer
    throttle_classes = [UserRateThrottle, CouponValidateThrottle]
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="Price a purchase with coupon codes",
        description="For any signed-in user: the price of `target_type`/`target_id` (as "
        "for `POST /payments/`) with `codes`, without holding anything. 400 "
        "`unknown_target_type`; the product's own 404/409 when the object cannot be paid "
        f"for; coupon rules: {RULE_CODES}. Throttled (scope `coupon_validate`).",
        request=s.CouponValidateSerializer,
        responses={200: s.CouponPricingSerializer},
    )
    def post(self, request):
        serializer = s.CouponValidateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            payable = payables.get(data["target_type"])
        except LookupError:
            message = _("Nothing of this type can be paid for.")
            raise ValidationFailed(
                message, code=PaymentError.UNKNOWN_TARGET_TYPE, fields={"target_type": [message]}
            ) from None
        quote = payable.quote(target_id=data["target_id"], payer=request.user)
        pricing = services.coupons_price(quote=quote, codes=data["codes"], payer=request.user)
        return Response(s.CouponPricingSerializer(pricing).data)
