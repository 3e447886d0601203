"""The MetaTrader section of the Academy's API (``/api/v1/academy/mt/``).

* A signed-in member registers their trading accounts (``accounts/``), lists, reads and
  deletes them, and creates, lists and revokes each account's API keys (``accounts/{id}/
  keys/``: the key is answered once). Their trades and statistics: ``accounts/{id}/
  trades/`` and ``accounts/{id}/stats/``. Someone else's account answers 404.
* The Expert Advisor (``mt4/CalmnessFi_EA.mq4``) uploads with ``POST sync/`` and the
  header ``X-Api-Key: <key>``; no session, no JWT. Rate-limited per account (scope
  ``academy_mt_sync``, ``THROTTLE_ACADEMY_MT_SYNC``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import BaseModelSerializer, ErrorSerializer, Serializer
from teranga.core.throttling import SimpleRateThrottle

from .. import stats as selectors
from ..errors import AcademyError as E
from ..models import (
    MT_COMMENT_MAX_LENGTH,
    MT_CURRENCY_MAX_LENGTH,
    MT_NAME_MAX_LENGTH,
    MT_SERVER_MAX_LENGTH,
    MT_SYMBOL_MAX_LENGTH,
    Trade,
    TradeSide,
    TradingAccount,
    TradingAccountKey,
)
from ..services import mt as services

TAG = ["academy"]
HEADER = "X-Api-Key"
THROTTLE_SCOPE = "academy_mt_sync"
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer}
READ_ERRORS = {401: ErrorSerializer, 404: ErrorSerializer}
MAX_LOGIN = 2**63 - 1


def path_id(name: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH)


# --- The key: authentication, permission, throttle, schema ----------------------------------


class MtKeyAuthentication(BaseAuthentication):
    """``X-Api-Key: <key>``: ``request.auth`` is the :class:`TradingAccountKey`."""

    def authenticate(self, request):
        raw_key = request.headers.get(HEADER)
        if raw_key is None:
            return None
        key = services.account_key_authenticate(raw_key.strip())
        if key is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        return AnonymousUser(), key

    def authenticate_header(self, request) -> str:
        return HEADER


class HasMtKey(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, TradingAccountKey):
            raise exceptions.NotAuthenticated(_("Send the account's API key in X-Api-Key."))
        return True


class MtSyncThrottle(SimpleRateThrottle):
    """One budget per trading account (all its keys together)."""

    scope = THROTTLE_SCOPE

    def get_rate(self):
        # Read at request time (DRF reads its rates once, at import).
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, TradingAccountKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.account_id}


class MtKeyScheme(OpenApiAuthenticationExtension):
    target_class = "teranga.products.academy.api.mt.MtKeyAuthentication"
    name = "academyMtApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": HEADER,
            "description": "A trading account's API key (`ctk_…`), shown once when the "
            "member creates it (POST /api/v1/academy/mt/accounts/{id}/keys/). It uploads "
            "for that account only.",
        }


# --- Serializers ---------------------------------------------------------------------------


class RoundedDecimalField(serializers.DecimalField):
    """A decimal rounded (half to even) to the field's places: MT4 sends doubles
    (``1.1000000000000001``). Parsed and checked here in one step: DRF's own checks cost
    a third of validating a batch of 1,000 trades."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        text = str(data).strip()
        if len(text) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        whole = self.max_digits - self.decimal_places
        if value and value.adjusted() >= whole:
            self.fail("max_whole_digits", max_whole_digits=whole)
        value = value.quantize(self._step, ROUND_HALF_EVEN)
        if value and value.adjusted() >= whole:  # 99.995 rounds to 100.00
            self.fail("max_whole_digits", max_whole_digits=whole)
        return value

    @cached_property
    def _step(self) -> Decimal:
        return Decimal(1).scaleb(-self.decimal_places)


def money(**kwargs) -> RoundedDecimalField:
    return RoundedDecimalField(max_digits=20, decimal_places=2, **kwargs)


def price(**kwargs) -> RoundedDecimalField:
    return RoundedDecimalField(max_digits=20, decimal_places=8, min_value=0, **kwargs)


class TradingAccountSerializer(BaseModelSerializer):
    class Meta:
        model = TradingAccount
        fields = [
            "id",
            "name",
            "login",
            "server",
            "broker",
            "currency",
            "balance",
            "equity",
            "leverage",
            "last_sync_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TradingAccountCreateSerializer(Serializer):
    name = serializers.CharField(max_length=MT_NAME_MAX_LENGTH)
    login = serializers.IntegerField(
        min_value=1, max_value=MAX_LOGIN, help_text="The MetaTrader account number."
    )
    server = serializers.CharField(
        max_length=MT_SERVER_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="The trade server (MT4's AccountServer()); taken from the first sync "
        "when left blank, and checked against every later one.",
    )


class TradingAccountKeySerializer(BaseModelSerializer):
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = TradingAccountKey
        fields = ["id", "label", "prefix", "is_active", "last_used_at", "revoked_at", "created_at"]
        read_only_fields = fields

    def get_is_active(self, key) -> bool:
        return key.revoked_at is None


class TradingAccountKeyCreatedSerializer(TradingAccountKeySerializer):
    key = serializers.SerializerMethodField(
        help_text="The key itself, for the Expert Advisor's `ApiKey` input. Shown only "
        "in this answer: only its digest is stored."
    )

    class Meta(TradingAccountKeySerializer.Meta):
        fields = [*TradingAccountKeySerializer.Meta.fields, "key"]
        read_only_fields = fields

    def get_key(self, key) -> str:
        return self.context["raw_key"]


class TradingAccountKeyCreateSerializer(Serializer):
    label = serializers.CharField(
        max_length=MT_NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text='Where the key is used ("VPS", "laptop").',
    )


class TradeSerializer(BaseModelSerializer):
    class Meta:
        model = Trade
        fields = [
            "id",
            "ticket",
            "symbol",
            "side",
            "lots",
            "open_time",
            "close_time",
            "open_price",
            "close_price",
            "sl",
            "initial_sl",
            "tp",
            "commission",
            "swap",
            "profit",
            "comment",
            "magic",
            "updated_at",
        ]
        read_only_fields = fields


class SyncAccountSerializer(Serializer):
    login = serializers.IntegerField(min_value=1, max_value=MAX_LOGIN, help_text="AccountNumber()")
    server = serializers.CharField(
        max_length=MT_SERVER_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="AccountServer()",
    )
    broker = serializers.CharField(
        max_length=MT_NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="AccountCompany()",
    )
    currency = serializers.CharField(
        max_length=MT_CURRENCY_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="AccountCurrency()",
    )
    balance = money(required=False, help_text="AccountBalance()")
    equity = money(required=False, help_text="AccountEquity()")
    leverage = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, help_text="AccountLeverage()"
    )


class SyncTradeSerializer(Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_LOGIN, help_text="OrderTicket()")
    symbol = serializers.CharField(max_length=MT_SYMBOL_MAX_LENGTH)
    type = serializers.ChoiceField(
        choices=TradeSide.choices, help_text="`buy` (OP_BUY) or `sell` (OP_SELL)."
    )
    lots = RoundedDecimalField(max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    open_time = serializers.DateTimeField(help_text="UTC, ISO 8601 (`2026-03-02T09:15:00Z`).")
    close_time = serializers.DateTimeField(
        required=False, allow_null=True, help_text="UTC; null while the trade is open."
    )
    open_price = price()
    close_price = price(
        required=False, allow_null=True, help_text="Ignored while the trade is open."
    )
    sl = price(required=False, allow_null=True, help_text="0 or null: none.")
    tp = price(required=False, allow_null=True, help_text="0 or null: none.")
    commission = money(required=False)
    swap = money(required=False)
    profit = money(required=False, help_text="OrderProfit(), without commission and swap.")
    comment = serializers.CharField(
        max_length=MT_COMMENT_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    magic = serializers.IntegerField(min_value=-(2**63), max_value=MAX_LOGIN, required=False)

    def validate(self, attrs):
        attrs = dict(attrs)
        attrs["side"] = attrs.pop("type")
        close_time = attrs.get("close_time")
        if close_time is not None:
            if close_time < attrs["open_time"]:
                raise serializers.ValidationError(
                    {"close_time": [_("A trade closes after it opens.")]}
                )
            if not attrs.get("close_price"):
                raise serializers.ValidationError(
                    {"close_price": [_("A closed trade needs its close price.")]}
                )
        return attrs


class SyncSerializer(Serializer):
    account = SyncAccountSerializer()
    trades = SyncTradeSerializer(
        many=True,
        max_length=services.MAX_TRADES_PER_SYNC,
        help_text=f"At most {services.MAX_TRADES_PER_SYNC:,} trades, each ticket once.",
    )

    def validate_trades(self, trades):
        seen: set[int] = set()
        for trade in trades:
            if trade["ticket"] in seen:
                raise serializers.ValidationError(
                    _("Ticket %(ticket)d is sent twice.") % {"ticket": trade["ticket"]}
                )
            seen.add(trade["ticket"])
        return trades


class SyncResultSerializer(Serializer):
    account = TradingAccountSerializer()
    received = serializers.IntegerField(help_text="Trades in the upload.")
    created = serializers.IntegerField(help_text="New tickets stored.")
    updated = serializers.IntegerField(help_text="Known tickets whose values changed.")
    unchanged = serializers.IntegerField(help_text="Known tickets sent again as they were.")


RATIO = {"allow_null": True, "read_only": True}


class EquityPointSerializer(Serializer):
    time = serializers.DateTimeField(help_text="Closing time of the trade.")
    ticket = serializers.IntegerField()
    equity = serializers.DecimalField(
        max_digits=24, decimal_places=2, help_text="Cumulative result after this trade."
    )


class BucketSerializer(Serializer):
    trades = serializers.IntegerField()
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True, help_text="wins ÷ trades.")
    net_profit = serializers.DecimalField(max_digits=24, decimal_places=2)


class InstrumentSerializer(BucketSerializer):
    symbol = serializers.CharField()


class MonthSerializer(BucketSerializer):
    month = serializers.CharField(help_text="`YYYY-MM`, UTC month of the closing time.")


def _amount(help_text: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=24, decimal_places=2, help_text=help_text, **kwargs)


class AccountStatsSerializer(Serializer):
    account = TradingAccountSerializer()
    closed_trades = serializers.IntegerField(help_text="Closed trades counted (N).")
    open_trades = serializers.IntegerField(help_text="Trades still open (not counted).")
    wins = serializers.IntegerField(help_text="Closed trades whose result is > 0.")
    losses = serializers.IntegerField(help_text="Closed trades whose result is < 0.")
    break_evens = serializers.IntegerField(help_text="Closed trades whose result is exactly 0.")
    win_rate = serializers.FloatField(**RATIO, help_text="wins ÷ closed trades (0–1).")
    win_rate_excluding_break_evens = serializers.FloatField(
        **RATIO, help_text="wins ÷ (wins + losses) (0–1)."
    )
    gross_profit = _amount("Sum of the results of the wins.")
    gross_loss = _amount("Absolute sum of the results of the losses (≥ 0).")
    net_profit = _amount(
        "Sum of the results. A trade's result is profit + commission + swap, in the "
        "account's currency."
    )
    profit_factor = serializers.FloatField(
        **RATIO, help_text="gross profit ÷ gross loss; null without losses."
    )
    expectancy = _amount(
        "net profit ÷ closed trades: the average result of a trade.", allow_null=True
    )
    average_win = _amount("gross profit ÷ wins.", allow_null=True)
    average_loss = _amount("−gross loss ÷ losses (≤ 0).", allow_null=True)
    largest_win = _amount("Best result.", allow_null=True)
    largest_loss = _amount("Worst result.", allow_null=True)
    average_r = serializers.FloatField(
        **RATIO,
        help_text="Mean R multiple. A trade's R: the price move in its favour ÷ its initial "
        "risk distance, (close − open) ÷ (open − initial SL) for a buy, (open − close) ÷ "
        "(initial SL − open) for a sell; −1 is a full stop-out. Only trades whose first "
        "reported stop-loss is on the losing side of the entry count (`r_trades`).",
    )
    r_trades = serializers.IntegerField(help_text="Trades counted in the average R.")
    max_drawdown = _amount(
        "Largest fall of the cumulative result below its running peak (the peak starts "
        "at 0, before the first trade), in money (≥ 0)."
    )
    sqn = serializers.FloatField(
        **RATIO,
        help_text="System Quality Number: √N × mean result ÷ sample standard deviation of "
        "the results (N − 1); null under 2 trades or when every result is the same.",
    )
    longest_win_streak = serializers.IntegerField(
        help_text="Most consecutive wins, in closing order (a break-even ends a streak)."
    )
    longest_loss_streak = serializers.IntegerField(
        help_text="Most consecutive losses, in closing order (a break-even ends a streak)."
    )
    equity_curve = EquityPointSerializer(
        many=True,
        help_text="Cumulative result after each closed trade, in closing order (close "
        "time, then ticket); over 1,000 trades, 1,000 evenly spaced points, the last kept.",
    )
    by_instrument = InstrumentSerializer(many=True, help_text="Per symbol, by symbol.")
    by_month = MonthSerializer(many=True, help_text="Per UTC month of closing, oldest first.")


# --- Views ---------------------------------------------------------------------------------


class MtView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []
    permission_classes = [IsAuthenticated]


class AccountListCreateView(MtView):
    serializer_class = TradingAccountSerializer

    @extend_schema(
        tags=TAG,
        summary="My trading accounts",
        description="The MetaTrader accounts I registered, newest first.",
        responses={200: TradingAccountSerializer(many=True), 401: ErrorSerializer},
    )
    def get(self, request):
        return self.paginated(
            selectors.member_accounts(user=request.user), TradingAccountSerializer
        )

    @extend_schema(
        tags=TAG,
        summary="Register a trading account",
        description="Then create its API key (`accounts/{id}/keys/`) and enter it in the "
        "Expert Advisor. Errors: 400 `invalid`, 401.",
        request=TradingAccountCreateSerializer,
        responses={201: TradingAccountSerializer, 400: ErrorSerializer, 401: ErrorSerializer},
        extensions=error_codes({400: [CoreError.INVALID]}),
    )
    def post(self, request):
        serializer = TradingAccountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = services.trading_account_create(user=request.user, **serializer.validated_data)
        return Response(TradingAccountSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailView(MtView):
    serializer_class = TradingAccountSerializer

    @extend_schema(
        tags=TAG,
        summary="One of my trading accounts",
        description="With the figures of its last sync. Errors: 404 `mt_account_not_found` "
        "(someone else's too), 401.",
        parameters=[path_id("account_id")],
        responses={200: TradingAccountSerializer, **READ_ERRORS},
        extensions=error_codes({404: [E.MT_ACCOUNT_NOT_FOUND]}),
    )
    def get(self, request, account_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        return Response(TradingAccountSerializer(account).data)

    @extend_schema(
        tags=TAG,
        summary="Delete one of my trading accounts",
        description="With its keys and trades. Errors: 404 `mt_account_not_found`, 401.",
        parameters=[path_id("account_id")],
        responses={204: None, **READ_ERRORS},
        extensions=error_codes({404: [E.MT_ACCOUNT_NOT_FOUND]}),
    )
    def delete(self, request, account_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        services.trading_account_delete(account=account)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountKeysView(MtView):
    serializer_class = TradingAccountKeySerializer

    @extend_schema(
        tags=TAG,
        summary="The API keys of my trading account",
        description="Active and revoked, newest first; the keys themselves are never "
        "shown again. Errors: 404 `mt_account_not_found`, 401.",
        parameters=[path_id("account_id")],
        responses={200: TradingAccountKeySerializer(many=True), **READ_ERRORS},
        extensions=error_codes({404: [E.MT_ACCOUNT_NOT_FOUND]}),
    )
    def get(self, request, account_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        return self.paginated(selectors.account_keys(account=account), TradingAccountKeySerializer)

    @extend_schema(
        tags=TAG,
        summary="Create an API key for my trading account",
        description=f"The answer's `key` is shown once: enter it in the Expert Advisor's "
        f"`ApiKey` input. At most {services.MAX_ACTIVE_KEYS} active keys per account. "
        "Errors: 400 `invalid`, 404 `mt_account_not_found`, 409 `mt_too_many_keys`, 401.",
        parameters=[path_id("account_id")],
        request=TradingAccountKeyCreateSerializer,
        responses={201: TradingAccountKeyCreatedSerializer, 409: ErrorSerializer, **ERRORS},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                404: [E.MT_ACCOUNT_NOT_FOUND],
                409: [E.MT_TOO_MANY_KEYS],
            }
        ),
    )
    def post(self, request, account_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        serializer = TradingAccountKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key, raw_key = services.account_key_create(account=account, **serializer.validated_data)
        data = TradingAccountKeyCreatedSerializer(key, context={"raw_key": raw_key}).data
        return Response(data, status=status.HTTP_201_CREATED)


class AccountKeyRevokeView(MtView):
    serializer_class = TradingAccountKeySerializer

    @extend_schema(
        tags=TAG,
        summary="Revoke an API key of my trading account",
        description="The key stops working at once (again: harmless). Errors: 404 "
        "`mt_account_not_found`, `mt_key_not_found`, 401.",
        parameters=[path_id("account_id"), path_id("key_id")],
        request=None,
        responses={200: TradingAccountKeySerializer, **READ_ERRORS},
        extensions=error_codes({404: [E.MT_ACCOUNT_NOT_FOUND, E.MT_KEY_NOT_FOUND]}),
    )
    def post(self, request, account_id, key_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        key = services.account_key_revoke(account=account, key_id=key_id)
        return Response(TradingAccountKeySerializer(key).data)


class AccountTradesView(MtView):
    serializer_class = TradeSerializer

    @extend_schema(
        tags=TAG,
        summary="The trades of my trading account",
        description="Open and closed, newest opening first. Errors: 404 "
        "`mt_account_not_found`, 401.",
        parameters=[path_id("account_id")],
        responses={200: TradeSerializer(many=True), **READ_ERRORS},
        extensions=error_codes({404: [E.MT_ACCOUNT_NOT_FOUND]}),
    )
    def get(self, request, account_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        return self.paginated(selectors.account_trades(account=account), TradeSerializer)


class AccountStatsView(MtView):
    serializer_class = AccountStatsSerializer

    @extend_schema(
        tags=TAG,
        summary="The trading statistics of my trading account",
        description="Over its closed trades, in closing order (close time, then ticket). "
        "A trade's **result** is profit + commission + swap; a win has a result > 0, a "
        "loss < 0, a break-even exactly 0. Each figure's definition is in the response "
        "schema. Money is in the account's currency. Errors: 404 `mt_account_not_found`, "
        "401.",
        parameters=[path_id("account_id")],
        responses={200: AccountStatsSerializer, **READ_ERRORS},
        extensions=error_codes({404: [E.MT_ACCOUNT_NOT_FOUND]}),
    )
    def get(self, request, account_id):
        account = selectors.account_get(user=request.user, account_id=account_id)
        return Response(AccountStatsSerializer(selectors.account_stats(account=account)).data)


class SyncView(GenericAPIView):
    serializer_class = SyncSerializer
    authentication_classes = [MtKeyAuthentication]
    permission_classes = [HasMtKey]
    throttle_classes = [MtSyncThrottle]

    @extend_schema(
        tags=TAG,
        summary="Upload an account's trades (the Expert Advisor)",
        description="Authenticated by the account's key in the `X-Api-Key` header. The "
        "account's figures and a batch of trades (closed and open, at most "
        f"{services.MAX_TRADES_PER_SYNC:,}). Idempotent on the ticket: a known ticket is "
        "updated when a value changed, left alone otherwise, never duplicated. The "
        "payload's `login` (and `server`, once known) must be the key's account. "
        "Rate-limited per account (`THROTTLE_ACADEMY_MT_SYNC`, default 20/min; the Expert "
        "Advisor syncs every 60 s). Errors: 400 `invalid`; 401 `not_authenticated` (no "
        "key), `authentication_failed` (unknown or revoked key); 403 "
        "`mt_account_mismatch` (nothing changed); 429 `throttled`.",
        request=SyncSerializer,
        responses={
            200: SyncResultSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            429: ErrorSerializer,
        },
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                401: [CoreError.NOT_AUTHENTICATED, CoreError.AUTHENTICATION_FAILED],
                403: [E.MT_ACCOUNT_MISMATCH],
                429: [CoreError.THROTTLED],
            }
        ),
    )
    def post(self, request):
        serializer = SyncSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.mt_sync(
            key=request.auth,
            account_info=serializer.validated_data["account"],
            trades=serializer.validated_data["trades"],
        )
        return Response(SyncResultSerializer(result).data)
