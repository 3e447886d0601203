"""The member space (``/api/v1/academy/me/space/``): a signed-in member's dashboard at one
academy, and the widgets they choose to show there (``me/space/settings/``).

Any signed-in user may ask for their own space at any academy: someone who is not (yet) a
member gets their own, empty, dashboard. An organisation that does not exist or is not an
academy answers 404 ``organization_not_found``. Only the academy's rows appear
(enrolments, sessions, signals, payments); the notifications and the trading accounts are
the member's own. What each widget holds: ``selectors_space``.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer, Serializer, validated_query
from teranga.platform.organizations.errors import OrganizationError

from .. import selectors_space as selectors
from ..models import SessionStatus
from ..services import space as services
from .mt import AccountStatsSerializer
from .plans import AcademySignalSubscriptionSerializer
from .serializers import EnrolmentSerializer, MemberPaymentSerializer
from .signals import AcademySignalSerializer

TAG = ["academy member space"]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer}
ERROR_CODES = error_codes(
    {400: [CoreError.INVALID], 404: [OrganizationError.ORGANIZATION_NOT_FOUND]}
)
OFF = "Null when the member switched this widget off."


# --- Serializers ---------------------------------------------------------------------------


class MemberSpaceQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The academy.")


def _toggle(help_text: str, **kwargs) -> serializers.BooleanField:
    return serializers.BooleanField(help_text=help_text, **kwargs)


class MemberSpaceWidgetsSerializer(Serializer):
    formations = _toggle("Show my formations (enrolments with completion rate).")
    next_sessions = _toggle("Show the next sessions of my formations.")
    signals = _toggle("Show the academy's recent signals (subscribers).")
    payments = _toggle("Show my last payments to the academy.")
    notifications = _toggle("Show my unread count and latest notifications.")
    trading = _toggle("Show the statistics of my trading accounts.")


class MemberSpaceWidgetsUpdateSerializer(Serializer):
    formations = _toggle("Show my formations.", required=False)
    next_sessions = _toggle("Show the next sessions.", required=False)
    signals = _toggle("Show the recent signals.", required=False)
    payments = _toggle("Show my last payments.", required=False)
    notifications = _toggle("Show my notifications.", required=False)
    trading = _toggle("Show my trading statistics.", required=False)


class MemberSpaceSessionSerializer(Serializer):
    id = serializers.UUIDField(help_text="The session.")
    formation = serializers.UUIDField(source="formation_id", help_text="Its formation.")
    formation_title = serializers.CharField(source="formation.title")
    platform = serializers.CharField(
        source="formation.platform", help_text="`zoom`, `google_meet` or `teams`."
    )
    meeting_url = serializers.CharField(
        source="formation.meeting_url", help_text="Where the session takes place."
    )
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=SessionStatus.choices)


class MemberSpaceSignalsSerializer(Serializer):
    is_subscriber = serializers.BooleanField(
        help_text="Whether I am a subscriber of the academy (my signal plan there runs "
        "now): only subscribers see its signals."
    )
    subscription = AcademySignalSubscriptionSerializer(
        allow_null=True,
        help_text="My signal subscription at the academy (plan, end, whether it runs), as "
        "`me/signal-subscriptions/`; null before I chose a plan there.",
    )
    recent = AcademySignalSerializer(
        many=True,
        help_text="The academy's latest signals, newest first (at most "
        f"{selectors.RECENT_SIGNALS_MAX}); empty for a non-subscriber.",
    )


class MemberSpaceNotificationSerializer(Serializer):
    id = serializers.UUIDField()
    kind = serializers.CharField(help_text="The notification type, e.g. `academy.session_moved`.")
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField(help_text="A page of ours about it (may be empty).")
    is_read = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(
        source="shown_at", help_text="When it reached the inbox."
    )

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class MemberSpaceNotificationsSerializer(Serializer):
    unread_count = serializers.IntegerField(help_text="My unread notifications (the badge).")
    recent = MemberSpaceNotificationSerializer(
        many=True,
        help_text=f"My latest notifications, newest first (at most {selectors.NOTIFICATIONS_MAX}).",
    )


class MemberSpaceTradingSerializer(AccountStatsSerializer):
    """``GET mt/accounts/{id}/stats/`` without the equity curve and the breakdowns."""

    equity_curve = None
    by_instrument = None
    by_month = None


class MemberSpaceSerializer(Serializer):
    organization = serializers.UUIDField(source="organization.pk", help_text="The academy.")
    organization_name = serializers.CharField(
        source="organization.name", help_text="The academy's name."
    )
    widgets = MemberSpaceWidgetsSerializer(help_text="My widget toggles at this academy.")
    formations = EnrolmentSerializer(
        many=True,
        allow_null=True,
        help_text="My enrolments at the academy (cancelled ones left out), newest first, "
        "with my completion rate (as `me/enrolments/`); at most "
        f"{selectors.FORMATIONS_MAX}. {OFF}",
    )
    next_sessions = MemberSpaceSessionSerializer(
        many=True,
        allow_null=True,
        help_text=f"The next {selectors.NEXT_SESSIONS_MAX} sessions (not cancelled, not "
        f"over) of the formations I have an active enrolment in, soonest first. {OFF}",
    )
    signals = MemberSpaceSignalsSerializer(allow_null=True, help_text=OFF)
    payments = MemberPaymentSerializer(
        many=True,
        allow_null=True,
        help_text=f"My last {selectors.PAYMENTS_MAX} payments to the academy, newest first, "
        f"as `me/payments/` (with the invoice once it succeeded). {OFF}",
    )
    notifications = MemberSpaceNotificationsSerializer(
        allow_null=True, help_text=f"My own inbox (all of it, as the bell). {OFF}"
    )
    trading = MemberSpaceTradingSerializer(
        many=True,
        allow_null=True,
        help_text="A summary of the statistics of my "
        f"{selectors.TRADING_ACCOUNTS_MAX} most recent trading accounts (mine, whatever the "
        "academy), newest first; the equity curve and the breakdowns are at "
        f"`GET /api/v1/academy/mt/accounts/{{id}}/stats/`. {OFF}",
    )


# --- Views ---------------------------------------------------------------------------------


class MemberSpaceView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MemberSpaceSerializer

    @extend_schema(
        tags=TAG,
        summary="My member space at an academy",
        description="My dashboard at the academy `organization`: my formations, the next "
        "sessions, the recent signals (subscribers), my payments, my notifications and my "
        "trading statistics. A widget I switched off (`me/space/settings/`) is null and "
        "costs nothing. Someone who is not a member gets their own empty lists. A fixed "
        "number of queries, whatever the number of items. Errors: 400 `invalid` (no or a "
        "malformed `organization`), 404 `organization_not_found` (no such academy), 401.",
        parameters=[MemberSpaceQuerySerializer],
        responses={200: MemberSpaceSerializer, **ERRORS},
        extensions=ERROR_CODES,
    )
    def get(self, request):
        query = validated_query(MemberSpaceQuerySerializer, request).validated_data
        organization = selectors.space_organization(organization_id=query["organization"])
        space = selectors.member_space(user=request.user, organization=organization)
        return Response(MemberSpaceSerializer(space).data)


class MemberSpaceSettingsView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MemberSpaceWidgetsSerializer

    @extend_schema(
        tags=TAG,
        summary="My member space's widgets at an academy",
        description="Which widgets my space shows (every one until I change it). Errors: "
        "400 `invalid`, 404 `organization_not_found`, 401.",
        parameters=[MemberSpaceQuerySerializer],
        responses={200: MemberSpaceWidgetsSerializer, **ERRORS},
        extensions=ERROR_CODES,
    )
    def get(self, request):
        query = validated_query(MemberSpaceQuerySerializer, request).validated_data
        organization = selectors.space_organization(organization_id=query["organization"])
        widgets = selectors.space_widgets(user=request.user, organization=organization)
        return Response(MemberSpaceWidgetsSerializer(widgets).data)

    @extend_schema(
        tags=TAG,
        summary="Switch widgets of my member space on or off",
        description="Any of the toggles (the others keep their value). Errors: 400 "
        "`invalid` (an unknown field, a value that is not a boolean, no or a malformed "
        "`organization`: nothing changed), 404 `organization_not_found`, 401.",
        parameters=[MemberSpaceQuerySerializer],
        request=MemberSpaceWidgetsUpdateSerializer,
        responses={200: MemberSpaceWidgetsSerializer, **ERRORS},
        extensions=ERROR_CODES,
    )
    def patch(self, request):
        query = validated_query(MemberSpaceQuerySerializer, request).validated_data
        organization = selectors.space_organization(organization_id=query["organization"])
        serializer = MemberSpaceWidgetsUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = services.member_space_settings_update(
            user=request.user, organization=organization, changes=serializer.validated_data
        )
        return Response(MemberSpaceWidgetsSerializer(row.widgets()).data)
