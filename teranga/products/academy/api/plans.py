"""Signal plans of the Academy (``/api/v1/academy/…``): what a member buys to receive an
academy's trading signals (see ``selectors_signals`` and ``services.plans``).

* ``organizations/{id}/signal-plans/``: the academy's active plans, by position (anyone,
  when the academy is verified; its managers and above see the inactive ones too);
  managers and above create plans there.
* ``signal-plans/{id}/``: one plan; managers and above change it (``is_active`` false
  deactivates it).
* ``signal-plans/{id}/subscribe/``: a signed-in member chooses the plan; their
  subscription at the academy names it, and they pay it with ``POST /api/v1/payments/``
  (``target_type`` ``academy.signal_subscription``, the subscription's id as
  ``target_id``). A payment that succeeds adds the plan's days: a renewal before the end
  starts at the current end. A full refund ends the period it paid for.
* ``me/signal-subscriptions/``: my subscriptions, each with its plan, end and whether it
  runs now.

Another organisation's plans answer 404 to its staff's probes; a member of the academy
whose role is too low, 403.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import BaseModelSerializer, ErrorSerializer, Serializer
from teranga.platform.organizations.access import OrganizationAccess
from teranga.platform.organizations.errors import OrganizationError

from .. import selectors_signals as selectors
from ..errors import AcademyError as E
from ..models_plans import PLAN_MAX_DAYS, PLAN_NAME_MAX_LENGTH, SignalPlan, SignalSubscription
from ..services import plans as services
from ..services.formations import MAX_PRICE

TAG = ["academy signal plans"]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


# --- Serializers -----------------------------------------------------------------------------


class AcademySignalPlanSerializer(BaseModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = SignalPlan
        fields = [
            "id",
            "organization",
            "organization_name",
            "name",
            "description",
            "price_amount",
            "currency",
            "duration_days",
            "is_active",
            "position",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "price_amount": {"help_text": "Minor units of `currency` (EUR cents)."},
            "duration_days": {"help_text": "What one payment buys: 30 monthly, 90 quarterly."},
            "position": {"help_text": "The order of the academy's list (smallest first)."},
        }


class AcademySignalPlanWriteSerializer(Serializer):
    name = serializers.CharField(max_length=PLAN_NAME_MAX_LENGTH)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True, help_text="Plain text."
    )
    price_amount = serializers.IntegerField(
        min_value=0, max_value=MAX_PRICE, help_text="Minor units of the academy's currency."
    )
    duration_days = serializers.IntegerField(
        min_value=1,
        max_value=PLAN_MAX_DAYS,
        help_text="The days one payment adds (30: monthly, 90: quarterly).",
    )
    is_active = serializers.BooleanField(
        required=False, help_text="False: members no longer see or buy it (paid periods run on)."
    )
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class AcademySignalSubscriptionSerializer(BaseModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    is_active = serializers.SerializerMethodField()
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = SignalSubscription
        fields = [
            "id",
            "organization",
            "organization_name",
            "plan",
            "plan_name",
            "starts_at",
            "ends_at",
            "is_active",
            "target_type",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "plan": {"help_text": "The plan chosen last: the one the next payment buys."},
            "starts_at": {"help_text": "Start of the current stretch; null until paid."},
            "ends_at": {"help_text": "Signals until then; null until paid."},
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_active(self, subscription) -> bool:
        """Whether it runs now (``starts_at <= now < ends_at``): I receive the signals."""
        now = timezone.now()
        return bool(
            subscription.starts_at
            and subscription.ends_at
            and subscription.starts_at <= now < subscription.ends_at
        )

    @extend_schema_field(OpenApiTypes.STR)
    def get_target_type(self, subscription) -> str:
        """Pay with `POST /api/v1/payments/`: this `target_type`, the `id` as `target_id`."""
        return selectors.SIGNAL_SUBSCRIPTION_PAYABLE


# --- Views -----------------------------------------------------------------------------------


class PlanView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    permission_classes = [IsAuthenticated]
    serializer_class = AcademySignalPlanSerializer


class OrganizationSignalPlansView(PlanView):
    permission_classes = [OrganizationAccess]
    organization_actions = {
        "GET": selectors.SIGNAL_PLANS_VIEW,
        "POST": selectors.SIGNAL_PLANS_MANAGE,
    }
    organization = None

    @extend_schema(
        tags=TAG,
        summary="Signal plans of an academy",
        description="Its active plans, by position: anyone may list them once the academy "
        "is verified (its members before). Its managers and above see the inactive ones "
        "too. Errors: 404 `organization_not_found`.",
        parameters=[path_id("organization_id")],
        responses={200: AcademySignalPlanSerializer(many=True), 404: ErrorSerializer},
        extensions=error_codes({404: [OrganizationError.ORGANIZATION_NOT_FOUND]}),
    )
    def get(self, request, organization_id):
        plans = selectors.organization_signal_plans(
            user=request.user, organization=self.organization
        ).select_related("organization")
        return self.paginated(plans, AcademySignalPlanSerializer)

    @extend_schema(
        tags=TAG,
        summary="Create a signal plan (managers and above of the academy)",
        description="In the academy's currency; active unless `is_active` is false. The "
        "organisation must be an academy (400 `organization_kind_not_supported`). Errors: "
        "400, 404 `organization_not_found`, 403, 401.",
        parameters=[path_id("organization_id")],
        request=AcademySignalPlanWriteSerializer,
        responses={201: AcademySignalPlanSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [E.ORGANIZATION_KIND_NOT_SUPPORTED, CoreError.INVALID],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def post(self, request, organization_id):
        serializer = AcademySignalPlanWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = services.signal_plan_create(
            organization=self.organization, **serializer.validated_data
        )
        return Response(AcademySignalPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class SignalPlanDetailView(PlanView):
    def get_permissions(self):
        if self.request.method == "GET":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(
        tags=TAG,
        summary="A signal plan",
        description="An active plan: anyone. An inactive one: the academy's managers and "
        "above. Errors: 404 `signal_plan_not_found`.",
        parameters=[path_id("plan_id")],
        responses={200: AcademySignalPlanSerializer, 404: ErrorSerializer},
        extensions=error_codes({404: [E.SIGNAL_PLAN_NOT_FOUND]}),
    )
    def get(self, request, plan_id):
        plan = selectors.signal_plan_get(user=request.user, plan_id=plan_id)
        return Response(AcademySignalPlanSerializer(plan).data)

    @extend_schema(
        tags=TAG,
        summary="Change or deactivate a signal plan (managers and above)",
        description="Any field of the creation; `is_active` false deactivates the plan "
        "(members no longer see or buy it; the periods already paid run to their end). A "
        "new price applies to the next payments. Errors: 400 `invalid`; 404 "
        "`signal_plan_not_found` (also another organisation's plan); 403 (a member of the "
        "academy below manager); 401.",
        parameters=[path_id("plan_id")],
        request=AcademySignalPlanWriteSerializer(partial=True),
        responses={200: AcademySignalPlanSerializer, **ERRORS},
        extensions=error_codes({400: [CoreError.INVALID], 404: [E.SIGNAL_PLAN_NOT_FOUND]}),
    )
    def patch(self, request, plan_id):
        plan = selectors.signal_plan_get(user=request.user, plan_id=plan_id, manage=True)
        serializer = AcademySignalPlanWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        plan = services.signal_plan_update(plan=plan, **serializer.validated_data)
        return Response(AcademySignalPlanSerializer(plan).data)


class SignalPlanSubscribeView(PlanView):
    serializer_class = AcademySignalSubscriptionSerializer

    @extend_schema(
        tags=TAG,
        summary="Choose a signal plan (signed-in member)",
        description="My subscription at the plan's academy now names this plan (201 when "
        "it is created, 200 when it existed: a running subscription keeps its dates). Pay "
        "it with `POST /api/v1/payments/`, `target_type` `academy.signal_subscription` "
        "and the subscription's `id` as `target_id`: online (`provider`), or `method` "
        "`bank_transfer`/`cash` with its `transaction_number`, validated by the academy. "
        "Each payment that succeeds adds the plan's days (a renewal before the end starts "
        "at the current end). Errors: 409 `signal_plan_inactive` (a deactivated plan, "
        "seen by the academy's managers); 404 `signal_plan_not_found`; 401.",
        parameters=[path_id("plan_id")],
        request=None,
        responses={
            200: AcademySignalSubscriptionSerializer,
            201: AcademySignalSubscriptionSerializer,
            401: ErrorSerializer,
            404: ErrorSerializer,
            409: ErrorSerializer,
        },
        extensions=error_codes({404: [E.SIGNAL_PLAN_NOT_FOUND], 409: [E.SIGNAL_PLAN_INACTIVE]}),
    )
    def post(self, request, plan_id):
        plan = selectors.signal_plan_get(user=request.user, plan_id=plan_id)
        subscription, created = services.signal_subscription_choose(user=request.user, plan=plan)
        subscription = selectors.member_signal_subscription(
            user=request.user, organization_id=subscription.organization_id
        )
        return Response(
            AcademySignalSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MySignalSubscriptionsView(PlanView):
    serializer_class = AcademySignalSubscriptionSerializer

    @extend_schema(
        tags=TAG,
        summary="My signal subscriptions",
        description="One per academy whose plans I chose, the latest ending first (not yet "
        "paid: null dates, last), each with its plan, its end and whether it runs now.",
        responses={200: AcademySignalSubscriptionSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        return self.paginated(
            selectors.member_signal_subscriptions(user=request.user),
            AcademySignalSubscriptionSerializer,
        )
