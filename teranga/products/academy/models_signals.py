"""Trading signals of the Academy (seed 004, "Signaux de trading").

* :class:`Signal` — one trade idea published by the academy's staff: an instrument
  (``EURUSD``, ``XAUUSD``…), a direction, an entry, a stop-loss, up to three
  take-profits and a note. Its ``status`` follows the market: open, then TP1/TP2 hit,
  and it ends stopped, closed, cancelled, or at TP3. A signal that ended with a price
  (stopped, closed, TP3) carries its result in pips (points for instruments without
  pips) and in R (multiples of the risk taken: the distance from the entry to the
  *initial* stop-loss).
* :class:`SignalUpdate` — the history of a signal, one row per event (published, a
  take-profit hit, the stop-loss moved, edited, stopped, closed, cancelled), append-only.

Who receives them (the academy's subscribers) is decided in ``selectors_signals``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel

__all__ = [
    "INSTRUMENT_MAX_LENGTH",
    "Signal",
    "SignalDirection",
    "SignalStatus",
    "SignalUpdate",
    "SignalUpdateKind",
]

INSTRUMENT_MAX_LENGTH = 20
PRICE_DIGITS = 18
PRICE_PLACES = 6


def _price(label, **extra) -> models.DecimalField:
    return models.DecimalField(label, max_digits=PRICE_DIGITS, decimal_places=PRICE_PLACES, **extra)


class SignalDirection(models.TextChoices):
    BUY = "buy", _("Buy")
    SELL = "sell", _("Sell")


class SignalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    TP1_HIT = "tp1_hit", _("TP1 hit")
    TP2_HIT = "tp2_hit", _("TP2 hit")
    TP3_HIT = "tp3_hit", _("TP3 hit")
    STOPPED = "stopped", _("Stopped out")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class SignalUpdateKind(models.TextChoices):
    PUBLISHED = "published", _("Published")
    TP1_HIT = "tp1_hit", _("TP1 hit")
    TP2_HIT = "tp2_hit", _("TP2 hit")
    TP3_HIT = "tp3_hit", _("TP3 hit")
    SL_MOVED = "sl_moved", _("Stop-loss moved")
    EDITED = "edited", _("Edited")
    STOPPED = "stopped", _("Stopped out")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Signal(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="academy_signals",
        verbose_name=_("academy"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    instrument = models.CharField(_("instrument"), max_length=INSTRUMENT_MAX_LENGTH)
    direction = models.CharField(_("direction"), max_length=4, choices=SignalDirection.choices)
    entry = _price(_("entry"))
    stop_loss = _price(_("stop-loss"))
    #: The stop-loss when the signal was published: the risk that R is measured against.
    initial_stop_loss = _price(_("initial stop-loss"))
    tp1 = _price(_("take-profit 1"), null=True, blank=True)
    tp2 = _price(_("take-profit 2"), null=True, blank=True)
    tp3 = _price(_("take-profit 3"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    status = models.CharField(
        _("status"), max_length=10, choices=SignalStatus.choices, default=SignalStatus.OPEN
    )
    published_at = models.DateTimeField(_("published at"))
    closed_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    exit_price = _price(_("exit price"), null=True, blank=True)
    result_pips = models.DecimalField(
        _("result (pips or points)"), max_digits=14, decimal_places=1, null=True, blank=True
    )
    result_r = models.DecimalField(
        _("result (R)"), max_digits=10, decimal_places=2, null=True, blank=True
    )

    class Meta(BaseModel.Meta):
        ordering = ["-published_at", "-id"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        indexes = [
            models.Index(fields=["organization", "-published_at"], name="acad_signal_org_idx"),
            models.Index(fields=["organization", "status"], name="acad_signal_status_idx"),
            models.Index(fields=["organization", "instrument"], name="acad_signal_instr_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.direction} @ {self.entry}"


class SignalUpdate(AppendOnlyModel, BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    signal = models.ForeignKey(
        Signal, on_delete=models.CASCADE, related_name="updates", verbose_name=_("signal")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=SignalUpdateKind.choices)
    #: The signal's status and stop-loss after this event.
    status = models.CharField(_("status"), max_length=10, choices=SignalStatus.choices)
    stop_loss = _price(_("stop-loss"))
    #: The price of the event: the level hit, or the exit price.
    price = _price(_("price"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )

    class Meta(BaseModel.Meta):
        ordering = ["created_at", "id"]
        verbose_name = _("signal update")
        verbose_name_plural = _("signal updates")
        indexes = [models.Index(fields=["signal", "created_at"], name="acad_signal_update_idx")]

    def __str__(self) -> str:
        return f"{self.signal} — {self.kind}"
