"""MetaTrader sync (seed 004, the ``CalmnessFi_EA`` Expert Advisor): a member's trading
accounts, the API keys their Expert Advisor uploads with, and the uploaded trades.

* :class:`TradingAccount` — one MetaTrader account of a member (login, server, broker,
  currency, and the balance, equity and leverage of the last sync). It belongs to the
  member (a user), not to an organisation: nobody else reads it.
* :class:`TradingAccountKey` — an API key of one account: only its SHA-256 digest and a
  short shown prefix are stored; the key itself is answered once, when it is created. A
  key uploads for its account only. Revoked keys are kept (with ``revoked_at``) for the
  record.
* :class:`Trade` — one order (MT4 ticket) of an account, open (``close_time`` null) or
  closed, unique per account and ticket: an upload of a known ticket updates it.
  ``initial_sl`` is the stop-loss first reported for the ticket (the risk the trade was
  opened with, for R multiples), ``sl`` the latest one; ``digest`` fingerprints the
  reported values so an unchanged re-upload writes nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel

__all__ = [
    "MT_COMMENT_MAX_LENGTH",
    "MT_CURRENCY_MAX_LENGTH",
    "MT_NAME_MAX_LENGTH",
    "MT_SERVER_MAX_LENGTH",
    "MT_SYMBOL_MAX_LENGTH",
    "TradeSide",
    "Trade",
    "TradingAccount",
    "TradingAccountKey",
]

MT_NAME_MAX_LENGTH = 100
MT_SERVER_MAX_LENGTH = 100
MT_SYMBOL_MAX_LENGTH = 32
MT_COMMENT_MAX_LENGTH = 64
MT_CURRENCY_MAX_LENGTH = 8

#: Money of the account's currency, as the broker reports it (2 decimals).
MONEY = {"max_digits": 20, "decimal_places": 2}
#: Quotes (5 decimals for most pairs, up to 8 for crypto).
PRICE = {"max_digits": 20, "decimal_places": 8}
LOTS = {"max_digits": 12, "decimal_places": 3}


class TradeSide(models.TextChoices):
    BUY = "buy", _("Buy")
    SELL = "sell", _("Sell")


class TradingAccount(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="academy_trading_accounts",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=MT_NAME_MAX_LENGTH)
    login = models.PositiveBigIntegerField(_("MetaTrader login"))
    server = models.CharField(_("server"), max_length=MT_SERVER_MAX_LENGTH, blank=True)
    broker = models.CharField(_("broker"), max_length=MT_NAME_MAX_LENGTH, blank=True)
    currency = models.CharField(_("currency"), max_length=MT_CURRENCY_MAX_LENGTH, blank=True)
    balance = models.DecimalField(_("balance"), null=True, blank=True, **MONEY)
    equity = models.DecimalField(_("equity"), null=True, blank=True, **MONEY)
    leverage = models.PositiveIntegerField(_("leverage"), null=True, blank=True)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("trading account")
        verbose_name_plural = _("trading accounts")
        indexes = [models.Index(fields=["user", "created_at"], name="acad_mt_account_user_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.login})"


class TradingAccountKey(BaseModel):
    account = models.ForeignKey(
        TradingAccount, on_delete=models.CASCADE, related_name="keys", verbose_name=_("account")
    )
    label = models.CharField(_("label"), max_length=MT_NAME_MAX_LENGTH, blank=True)
    #: The first characters of the key, shown to tell keys apart.
    prefix = models.CharField(_("prefix"), max_length=16)
    #: SHA-256 of the key (hex); the key itself is never stored.
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("trading account API key")
        verbose_name_plural = _("trading account API keys")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.account})"


class Trade(BaseModel):
    account = models.ForeignKey(
        TradingAccount, on_delete=models.CASCADE, related_name="trades", verbose_name=_("account")
    )
    ticket = models.PositiveBigIntegerField(_("ticket"))
    symbol = models.CharField(_("symbol"), max_length=MT_SYMBOL_MAX_LENGTH)
    side = models.CharField(_("side"), max_length=4, choices=TradeSide.choices)
    lots = models.DecimalField(_("lots"), **LOTS)
    open_time = models.DateTimeField(_("open time"))
    close_time = models.DateTimeField(_("close time"), null=True, blank=True)
    open_price = models.DecimalField(_("open price"), **PRICE)
    close_price = models.DecimalField(_("close price"), null=True, blank=True, **PRICE)
    sl = models.DecimalField(_("stop-loss"), null=True, blank=True, **PRICE)
    initial_sl = models.DecimalField(_("initial stop-loss"), null=True, blank=True, **PRICE)
    tp = models.DecimalField(_("take-profit"), null=True, blank=True, **PRICE)
    commission = models.DecimalField(_("commission"), default=0, **MONEY)
    swap = models.DecimalField(_("swap"), default=0, **MONEY)
    profit = models.DecimalField(_("profit"), default=0, **MONEY)
    comment = models.CharField(_("comment"), max_length=MT_COMMENT_MAX_LENGTH, blank=True)
    magic = models.BigIntegerField(_("magic number"), default=0)
    digest = models.CharField(_("digest"), max_length=32)

    class Meta(BaseModel.Meta):
        ordering = ["-open_time", "-ticket"]
        verbose_name = _("trade")
        verbose_name_plural = _("trades")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "ticket"], name="acad_mt_trade_ticket_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["account", "close_time", "ticket"],
                condition=Q(close_time__isnull=False),
                name="acad_mt_trade_closed_idx",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket} {self.symbol} {self.side}"
