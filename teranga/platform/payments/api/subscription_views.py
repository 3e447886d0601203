"""Plans and an organisation's B2B subscription.

* ``GET /plans/``: anyone, the plans on offer with their features, limits and prices.
* ``GET /organizations/{id}/subscription/``: ``subscription.view`` (admins and above,
  platform staff). ``PUT`` chooses a plan and ``DELETE`` cancels: ``subscription.manage``
  (admins and above). Non-members get 404, members below admin 403.

The subscription body's ``payment`` tells the client what to send to
``POST /api/v1/payments/`` (``target_type``, ``target_id``) and how much it will cost.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services import subscriptions as services
from . import subscription_serializers as s

TAG = ["subscriptions"]
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class PlanListView(GenericAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.PlanSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="Plans on offer",
        description="Public, not paginated, in display order; prices for each period "
        "(monthly, yearly) and currency (XOF, EUR), in minor units.",
        responses={200: s.PlanSerializer(many=True)},
        auth=[],
    )
    def get(self, request):
        return Response(s.PlanSerializer(services.plans_offered(), many=True).data)


class SubscriptionView(APIView):
    # An APIView: OPTIONS must not look for an object through a queryset (there is one
    # subscription per organisation, found by the service).

    @extend_schema(
        tags=TAG,
        summary="The organisation's subscription (admins and above, staff)",
        description="404 `subscription_not_found` when it has none (choose a plan with PUT).",
        parameters=[ORG_ID],
        responses={200: s.SubscriptionSerializer},
    )
    def get(self, request, organization_id):
        subscription = services.subscription_get(user=request.user, organization_id=organization_id)
        return Response(s.SubscriptionSerializer(subscription).data)

    @extend_schema(
        tags=TAG,
        summary="Choose a plan (admins and above)",
        description="Without a subscription (or after it ended) an `incomplete` one is "
        "created in the organisation's currency, to be paid through `POST /payments/` "
        "(see `payment`). While incomplete or suspended the choice applies at once; while "
        "active or past due it is scheduled for the next period (`next_plan`, "
        "`next_period`); choosing the current plan again withdraws a scheduled change or "
        "cancellation. 400 `unknown_plan`, `invalid_period`.",
        parameters=[ORG_ID],
        request=s.SubscriptionChooseSerializer,
        responses={200: s.SubscriptionSerializer},
    )
    def put(self, request, organization_id):
        serializer = s.SubscriptionChooseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.subscription_choose(
            actor=request.user,
            organization_id=organization_id,
            plan_code=serializer.validated_data["plan"],
            period=serializer.validated_data["period"],
        )
        subscription = services.subscription_get(user=request.user, organization_id=organization_id)
        return Response(s.SubscriptionSerializer(subscription).data)

    @extend_schema(
        tags=TAG,
        summary="Cancel the subscription (admins and above)",
        description="An active subscription runs to the end of its paid period "
        "(`cancel_at_period_end`); an incomplete, past-due or suspended one ends at once. "
        "Cancelling again changes nothing. 404 `subscription_not_found`.",
        parameters=[ORG_ID],
        responses={200: s.SubscriptionSerializer},
    )
    def delete(self, request, organization_id):
        services.subscription_cancel(actor=request.user, organization_id=organization_id)
        subscription = services.subscription_get(user=request.user, organization_id=organization_id)
        return Response(s.SubscriptionSerializer(subscription).data)
