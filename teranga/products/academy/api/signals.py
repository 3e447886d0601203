"""The Academy's trading signals: the HTTP API (``/api/v1/academy/signals/…``) and the live
socket (``/ws/academy/organizations/{id}/signals/``).

Readers are the academy's staff (agents and above, platform staff) and its subscribers
(members whose signal plan at the academy runs now: see ``selectors_signals`` and
``api.plans``). Anyone else gets 403 ``signals_subscription_required`` on the
list, the statistics and the socket (close code 4403); a signal they may not read, or one
of another organisation, answers 404 ``signal_not_found``. Agents and above of the academy
publish signals and record their updates; every signal and update goes to the
subscribers after commit, over the socket and as a push notification.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.pagination import CursorPagination, PageNumberPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import (
    BaseModelSerializer,
    ErrorSerializer,
    Serializer,
    validated_query,
)
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.organizations.models import Organization, OrganizationKind
from teranga.platform.realtime.consumers import CLOSE_FORBIDDEN, OrganizationScopedConsumer

from .. import selectors_signals as selectors
from ..errors import AcademyError as E
from ..models_signals import (
    INSTRUMENT_MAX_LENGTH,
    PRICE_DIGITS,
    PRICE_PLACES,
    Signal,
    SignalDirection,
    SignalStatus,
    SignalUpdate,
)
from ..services import signals as services

TAG = ["academy signals"]
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {**ERRORS, 409: ErrorSerializer}


def _price_field(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("min_value", services.MIN_PRICE)
    return serializers.DecimalField(max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **kwargs)


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


# --- Serializers -----------------------------------------------------------------------------


class AcademySignalSerializer(BaseModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = Signal
        fields = [
            "id",
            "organization",
            "instrument",
            "direction",
            "entry",
            "stop_loss",
            "initial_stop_loss",
            "tp1",
            "tp2",
            "tp3",
            "note",
            "status",
            "published_at",
            "closed_at",
            "exit_price",
            "result_pips",
            "result_r",
            "author",
            "author_name",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_author_name(self, signal) -> str:
        user = signal.author
        if user is None:
            return ""
        return (f"{user.first_name} {user.last_name}".strip()) or user.email


class AcademySignalCreateSerializer(Serializer):
    organization = serializers.UUIDField(help_text="The academy.")
    instrument = serializers.CharField(
        max_length=INSTRUMENT_MAX_LENGTH,
        help_text="EURUSD, XAUUSD, US30, BTCUSD… (upper-cased; spaces and `/` removed).",
    )
    direction = serializers.ChoiceField(choices=SignalDirection.choices)
    entry = _price_field()
    stop_loss = _price_field(help_text="Below the entry of a buy, above the entry of a sell.")
    tp1 = _price_field(required=False, allow_null=True)
    tp2 = _price_field(required=False, allow_null=True, help_text="Needs TP1.")
    tp3 = _price_field(required=False, allow_null=True, help_text="Needs TP2.")
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class AcademySignalChangeSerializer(Serializer):
    stop_loss = _price_field(required=False, help_text="A new stop-loss (recorded as `sl_moved`).")
    tp1 = _price_field(required=False, allow_null=True)
    tp2 = _price_field(required=False, allow_null=True)
    tp3 = _price_field(required=False, allow_null=True)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class AcademySignalUpdateSerializer(BaseModelSerializer):
    class Meta:
        model = SignalUpdate
        fields = [
            "id",
            "signal",
            "kind",
            "status",
            "stop_loss",
            "price",
            "note",
            "author",
            "created_at",
        ]
        read_only_fields = fields


class AcademySignalEventSerializer(Serializer):
    kind = serializers.ChoiceField(
        choices=services.RECORDABLE_CHOICES,
        help_text="`tp1_hit`, `tp2_hit`, `tp3_hit` (at that take-profit, unless `price` "
        "says otherwise; TP3 ends the signal), `sl_moved` (needs `stop_loss`), `stopped` "
        "(at `price`, by default the stop-loss), `closed` (needs `price`), `cancelled` "
        "(ends it without a result).",
    )
    price = _price_field(required=False, allow_null=True)
    stop_loss = _price_field(required=False, allow_null=True)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class AcademySignalCloseSerializer(Serializer):
    price = _price_field(help_text="The exit price.")
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, allow_blank=True)


class AcademySignalListQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The academy.")
    status = serializers.ChoiceField(choices=SignalStatus.choices, required=False)
    instrument = serializers.CharField(max_length=INSTRUMENT_MAX_LENGTH, required=False)


class AcademySignalStatsQuerySerializer(Serializer):
    organization = serializers.UUIDField(help_text="The academy.")


class AcademySignalMetricsSerializer(serializers.Serializer):
    signals = serializers.IntegerField(help_text="Signals published, cancelled ones left out.")
    running = serializers.IntegerField(help_text="Still running: open, TP1 or TP2 hit.")
    ended = serializers.IntegerField(
        help_text="Ended with a price (stopped out, TP3 hit, closed): the signals with a result."
    )
    wins = serializers.IntegerField(help_text="Ended with a positive result in pips.")
    losses = serializers.IntegerField(help_text="Ended with a negative result.")
    breakevens = serializers.IntegerField(help_text="Ended at exactly the entry.")
    win_rate = serializers.FloatField(
        allow_null=True, help_text="`wins / ended` (0 to 1, 4 decimals); null when none ended."
    )
    average_r = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        allow_null=True,
        help_text="Mean result in R of the ended signals: (exit − entry) over (entry − initial "
        "stop-loss), signed by the direction. Null when none ended.",
    )
    total_pips = serializers.DecimalField(
        max_digits=16,
        decimal_places=1,
        help_text="Sum of the ended signals' results in pips: 0.0001 for currency pairs, "
        "0.01 for yen pairs and silver, 0.1 for gold, one point for anything else "
        "(indices, crypto).",
    )


class AcademySignalInstrumentStatsSerializer(AcademySignalMetricsSerializer):
    instrument = serializers.CharField()


class AcademySignalMonthStatsSerializer(AcademySignalMetricsSerializer):
    month = serializers.CharField(
        help_text="`YYYY-MM`: the month the signals ended, in the academy's time zone."
    )


class AcademySignalStatsSerializer(AcademySignalMetricsSerializer):
    organization = serializers.UUIDField()
    per_instrument = AcademySignalInstrumentStatsSerializer(many=True)
    per_month = AcademySignalMonthStatsSerializer(many=True)


# --- Views -----------------------------------------------------------------------------------


class SignalCursorPagination(CursorPagination):
    page_size = 20
    ordering = ("-published_at", "-id")


class SignalView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    permission_classes = [IsAuthenticated]
    serializer_class = AcademySignalSerializer

    def signal_response(self, signal_id, status_code=status.HTTP_200_OK) -> Response:
        signal = selectors.signal_get(user=self.request.user, signal_id=signal_id)
        return Response(AcademySignalSerializer(signal).data, status=status_code)


class SignalListCreateView(SignalView):
    pagination_class = SignalCursorPagination

    @extend_schema(
        tags=TAG,
        summary="Signals of an academy (subscribers and staff)",
        description="Newest first. `organization` is required; filters `status` and "
        "`instrument`. Cursor pagination (`cursor` from `next`, `page_size` up to 100). "
        "For the academy's staff (agents and above, platform staff) and its subscribers: "
        "members whose signal plan at the academy runs now (bought through "
        "`signal-plans/{id}/subscribe/` and a payment). Errors: 403 "
        "`signals_subscription_required` for anyone else, 404 `organization_not_found` "
        "(no such academy), 400 `invalid`, 401.",
        parameters=[AcademySignalListQuerySerializer],
        responses={200: AcademySignalSerializer(many=True), **ERRORS},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                403: [E.SIGNALS_SUBSCRIPTION_REQUIRED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def get(self, request):
        query = dict(validated_query(AcademySignalListQuerySerializer, request).validated_data)
        organization = selectors.signals_organization(
            user=request.user, organization_id=query.pop("organization")
        )
        signals = selectors.organization_signals(organization=organization)
        if query.get("status"):
            signals = signals.filter(status=query["status"])
        if query.get("instrument"):
            signals = signals.filter(instrument=services.normalise_instrument(query["instrument"]))
        return self.paginated(signals, AcademySignalSerializer)

    @extend_schema(
        tags=TAG,
        summary="Publish a signal (agents and above of the academy)",
        description="The subscribers get it at once over the socket and as a push "
        "notification. Levels: a buy's stop-loss below its entry and its take-profits "
        "above it, rising (a sell's the other way round); TP2 needs TP1 and TP3 needs TP2 "
        "(400 `signal_levels_invalid`); the organisation must be an academy (400 "
        "`organization_kind_not_supported`). Errors: 400, 404 `organization_not_found`, "
        "403, 401.",
        request=AcademySignalCreateSerializer,
        responses={201: AcademySignalSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [
                    E.SIGNAL_LEVELS_INVALID,
                    E.ORGANIZATION_KIND_NOT_SUPPORTED,
                    CoreError.INVALID,
                ],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def post(self, request):
        serializer = AcademySignalCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = selectors.signals_organization_for_staff(
            user=request.user, organization_id=data.pop("organization")
        )
        signal = services.signal_publish(organization=organization, author=request.user, **data)
        return self.signal_response(signal.pk, status.HTTP_201_CREATED)


class SignalStatsView(SignalView):
    @extend_schema(
        tags=TAG,
        summary="Performance of an academy's signals (subscribers and staff)",
        description="Over all the academy's signals, cancelled ones left out: overall, per "
        "instrument and per month. A **win** ended (stopped out, TP3 hit or closed) with a "
        "positive result in pips, a **loss** with a negative one, a **break-even** at the "
        "entry; the **win rate** is wins over ended signals; the **average R** is the mean "
        "of their results in R, (exit − entry) / (entry − initial stop-loss) signed by the "
        "direction; **total pips** is the sum of their results in pips (points for "
        "instruments without pips). Running signals count in `signals` and `running` "
        "only. Per month is by the month each signal ended, in the academy's time zone. "
        "Errors: 403 `signals_subscription_required`, 404 `organization_not_found`, 400, "
        "401.",
        parameters=[AcademySignalStatsQuerySerializer],
        responses={200: AcademySignalStatsSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                403: [E.SIGNALS_SUBSCRIPTION_REQUIRED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def get(self, request):
        query = validated_query(AcademySignalStatsQuerySerializer, request).validated_data
        organization = selectors.signals_organization(
            user=request.user, organization_id=query["organization"]
        )
        stats = selectors.signal_stats(organization=organization)
        return Response(AcademySignalStatsSerializer(stats).data)


class SignalDetailView(SignalView):
    @extend_schema(
        tags=TAG,
        summary="A signal (subscribers and staff)",
        description="Errors: 404 `signal_not_found` (also for a signal of an academy the "
        "caller is neither staff nor a subscriber of), 401.",
        parameters=[path_id("signal_id")],
        responses={200: AcademySignalSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
        extensions=error_codes({404: [E.SIGNAL_NOT_FOUND]}),
    )
    def get(self, request, signal_id):
        return self.signal_response(signal_id)

    @extend_schema(
        tags=TAG,
        summary="Change a running signal (agents and above)",
        description="Its stop-loss (recorded as `sl_moved`), take-profits or note "
        "(recorded as `edited`); the subscribers are told. A stop-loss may be moved past "
        "the entry (break-even, trailing). Errors: 409 `signal_ended`; 400 "
        "`signal_levels_invalid`, `invalid`; 404 `signal_not_found`; 403; 401.",
        parameters=[path_id("signal_id")],
        request=AcademySignalChangeSerializer,
        responses={200: AcademySignalSerializer, **WRITE_ERRORS},
        extensions=error_codes(
            {
                400: [E.SIGNAL_LEVELS_INVALID, CoreError.INVALID],
                404: [E.SIGNAL_NOT_FOUND],
                409: [E.SIGNAL_ENDED],
            }
        ),
    )
    def patch(self, request, signal_id):
        signal = selectors.signal_get(user=request.user, signal_id=signal_id, manage=True)
        serializer = AcademySignalChangeSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.signal_change(signal=signal, actor=request.user, **serializer.validated_data)
        return self.signal_response(signal.pk)


class SignalUpdateListView(SignalView):
    pagination_class = PageNumberPagination
    serializer_class = AcademySignalUpdateSerializer

    @extend_schema(
        tags=TAG,
        summary="The history of a signal (subscribers and staff)",
        description="Oldest first: published, take-profits hit, stop-loss moved, edited, "
        "stopped out, closed, cancelled. Errors: 404 `signal_not_found`, 401.",
        parameters=[path_id("signal_id")],
        responses={
            200: AcademySignalUpdateSerializer(many=True),
            401: ErrorSerializer,
            404: ErrorSerializer,
        },
        extensions=error_codes({404: [E.SIGNAL_NOT_FOUND]}),
    )
    def get(self, request, signal_id):
        signal = selectors.signal_get(user=request.user, signal_id=signal_id)
        return self.paginated(
            selectors.signal_updates(signal=signal), AcademySignalUpdateSerializer
        )

    @extend_schema(
        tags=TAG,
        summary="Record what happened to a running signal (agents and above)",
        description="See `kind`. A signal that ends with a price (stopped out, TP3, closed) "
        "gets its result in pips and R. The subscribers are told. Errors: 409 "
        "`signal_ended`, `signal_transition_invalid` (a later take-profit was hit "
        "already); 400 `signal_price_required`, `signal_levels_invalid` (no such "
        "take-profit), `invalid`; 404 `signal_not_found`; 403; 401.",
        parameters=[path_id("signal_id")],
        request=AcademySignalEventSerializer,
        responses={201: AcademySignalUpdateSerializer, **WRITE_ERRORS},
        extensions=error_codes(
            {
                400: [E.SIGNAL_PRICE_REQUIRED, E.SIGNAL_LEVELS_INVALID, CoreError.INVALID],
                404: [E.SIGNAL_NOT_FOUND],
                409: [E.SIGNAL_ENDED, E.SIGNAL_TRANSITION_INVALID],
            }
        ),
    )
    def post(self, request, signal_id):
        signal = selectors.signal_get(user=request.user, signal_id=signal_id, manage=True)
        serializer = AcademySignalEventSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if v is not None}
        update = services.signal_update_record(signal=signal, actor=request.user, **data)
        return Response(AcademySignalUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


class SignalCloseView(SignalView):
    @extend_schema(
        tags=TAG,
        summary="Close a running signal at a price (agents and above)",
        description="The same as recording `closed` in its updates: the result in pips "
        "and R is computed, the subscribers are told. Errors: 409 `signal_ended`; 400 "
        "`invalid`; 404 `signal_not_found`; 403; 401.",
        parameters=[path_id("signal_id")],
        request=AcademySignalCloseSerializer,
        responses={200: AcademySignalSerializer, **WRITE_ERRORS},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                404: [E.SIGNAL_NOT_FOUND],
                409: [E.SIGNAL_ENDED],
            }
        ),
    )
    def post(self, request, signal_id):
        signal = selectors.signal_get(user=request.user, signal_id=signal_id, manage=True)
        serializer = AcademySignalCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.signal_update_record(
            signal=signal, actor=request.user, kind="closed", **serializer.validated_data
        )
        return self.signal_response(signal.pk)


# --- The live socket -------------------------------------------------------------------------


class SignalsConsumer(OrganizationScopedConsumer):
    """``/ws/academy/organizations/{id}/signals/``: the academy's signals as they happen,
    for its staff and subscribers. Snapshot: ``{"organization": id, "signals": [the
    running signals, newest first]}``; events ``signal.published`` (``signal``) and
    ``signal.updated`` (``signal`` and ``update``). Close codes: 4401 no valid token,
    4404 no such academy, 4403 neither staff nor a subscriber (checked again at every
    periodic re-check: a lapsed subscription ends the socket)."""

    organization = None

    @database_sync_to_async
    def _access(self) -> int | None:
        key = self.scope["url_route"]["kwargs"]["organization_id"]
        self.organization = Organization.objects.filter(
            pk=key, kind=OrganizationKind.ACADEMY
        ).first()
        code = self.close_code_for(self.organization)
        if code is not None:
            return code
        if not selectors.may_read_signals(self.user, self.organization):
            return CLOSE_FORBIDDEN
        return None

    async def access_code(self) -> int | None:
        return await self._access()

    async def get_groups(self) -> list[str]:
        return [services.signals_group(self.organization.pk)]

    async def get_snapshot(self) -> dict:
        signals = await database_sync_to_async(selectors.open_signals_data)(
            organization_id=self.organization.pk
        )
        return {"organization": str(self.organization.pk), "signals": signals}
