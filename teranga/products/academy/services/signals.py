"""Trading signals: published by the academy's staff, followed by their updates (a
take-profit hit, the stop-loss moved, stopped out, closed, cancelled), each recorded as
a ``SignalUpdate`` row of the signal's history.

Every signal and every update goes to the academy's subscribers (``selectors_signals``)
after commit, on two paths:

* the live socket ``/ws/academy/organizations/{id}/signals/`` (group
  :func:`signals_group`): ``{"type": "signal.published", "signal": {...}}`` and
  ``{"type": "signal.updated", "signal": {...}, "update": {...}}``;
* the notifications module: ``academy.signal_published`` and ``academy.signal_updated``
  on push, the in-app socket and Telegram, in each subscriber's language, recorded in the
  same transaction (one notification per subscriber and event, keyed by both).

Results: a signal that ends with a price (stopped out, TP3 hit, closed) gets its result
in pips (:func:`pip_size`: 0.0001 for currency pairs, 0.01 for yen pairs and silver, 0.1
for gold; one point for anything else, such as indices and crypto) and in R (the move
from the entry to the exit over the distance from the entry to the initial stop-loss).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.errors import Conflict, CoreError, ValidationFailed
from teranga.core.links import object_link
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notifications_send_bulk
from teranga.platform.organizations.models import Organization, OrganizationKind
from teranga.platform.realtime.broadcast import broadcast_on_commit

from ..errors import AcademyError
from ..models_signals import (
    Signal,
    SignalDirection,
    SignalStatus,
    SignalUpdate,
    SignalUpdateKind,
)
from ..selectors_signals import (
    RUNNING,
    SIGNAL_LINK,
    signal_data,
    signal_subscribers,
    update_data,
)

SIGNAL_PUBLISHED = "academy.signal_published"
SIGNAL_UPDATED = "academy.signal_updated"
#: The smallest price a level may have.
MIN_PRICE = Decimal("0.000001")
INSTRUMENT_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._-]{1,19}$")
#: Events that end a signal, with the status they leave it in.
ENDINGS = {
    SignalUpdateKind.TP3_HIT: SignalStatus.TP3_HIT,
    SignalUpdateKind.STOPPED: SignalStatus.STOPPED,
    SignalUpdateKind.CLOSED: SignalStatus.CLOSED,
    SignalUpdateKind.CANCELLED: SignalStatus.CANCELLED,
}
#: The take-profit events and the statuses they may follow.
TP_EVENTS = {
    SignalUpdateKind.TP1_HIT: ("tp1", (SignalStatus.OPEN,)),
    SignalUpdateKind.TP2_HIT: ("tp2", (SignalStatus.OPEN, SignalStatus.TP1_HIT)),
    SignalUpdateKind.TP3_HIT: ("tp3", RUNNING),
}
#: What staff record through ``signal_update_record`` (edits go through ``signal_change``).
RECORDABLE = (
    SignalUpdateKind.TP1_HIT,
    SignalUpdateKind.TP2_HIT,
    SignalUpdateKind.TP3_HIT,
    SignalUpdateKind.SL_MOVED,
    SignalUpdateKind.STOPPED,
    SignalUpdateKind.CLOSED,
    SignalUpdateKind.CANCELLED,
)
#: Their choices (the schema's ``AcademySignalEventKindEnum``).
RECORDABLE_CHOICES = [(kind.value, kind.label) for kind in RECORDABLE]


def signals_group(organization_id) -> str:
    """The socket group of an academy's signals."""
    return f"academy.signals.{str(organization_id).replace('-', '')}"


def normalise_instrument(value: str) -> str:
    return re.sub(r"[\s/]", "", str(value or "")).upper()


def pip_size(instrument: str) -> Decimal:
    """One pip of ``instrument`` (one point where pips are not used)."""
    name = normalise_instrument(instrument)
    if name.startswith("XAU"):
        return Decimal("0.1")
    if "JPY" in name or name.startswith("XAG"):
        return Decimal("0.01")
    if len(name) == 6 and name.isalpha():
        return Decimal("0.0001")
    return Decimal("1")


def signal_result(signal: Signal, exit_price: Decimal) -> tuple[Decimal, Decimal]:
    """``(pips, R)`` of ``signal`` closed at ``exit_price``."""
    sign = 1 if signal.direction == SignalDirection.BUY else -1
    move = (Decimal(exit_price) - signal.entry) * sign
    pips = (move / pip_size(signal.instrument)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    risk = abs(signal.entry - signal.initial_stop_loss)
    r_multiple = (move / risk).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return pips, r_multiple


# --- What subscribers are told ---------------------------------------------------------------


def _direction(ctx) -> str:
    try:
        return str(SignalDirection(ctx.get("direction")).label)
    except ValueError:
        return str(ctx.get("direction", ""))


def _published_title(ctx) -> str:
    return _("New signal: %(instrument)s %(direction)s") % {
        "instrument": ctx.get("instrument", ""),
        "direction": _direction(ctx),
    }


def _levels(ctx) -> str:
    targets = ", ".join(str(ctx[key]) for key in ("tp1", "tp2", "tp3") if ctx.get(key))
    text = _("Entry %(entry)s, stop-loss %(stop_loss)s.") % {
        "entry": ctx.get("entry", ""),
        "stop_loss": ctx.get("stop_loss", ""),
    }
    if targets:
        text += " " + _("Take-profits: %(targets)s.") % {"targets": targets}
    return text


def _published_body(ctx) -> str:
    body = _levels(ctx)
    if ctx.get("note"):
        body += "\n" + str(ctx["note"])
    return body


def _event_text(ctx) -> str:
    kind = ctx.get("event")
    values = {
        "price": ctx.get("price") or "",
        "stop_loss": ctx.get("stop_loss") or "",
        "pips": ctx.get("result_pips") or "",
        "r": ctx.get("result_r") or "",
    }
    texts = {
        SignalUpdateKind.TP1_HIT: _("TP1 hit at %(price)s."),
        SignalUpdateKind.TP2_HIT: _("TP2 hit at %(price)s."),
        SignalUpdateKind.TP3_HIT: _("TP3 hit at %(price)s: %(pips)s pips, %(r)s R."),
        SignalUpdateKind.SL_MOVED: _("Stop-loss moved to %(stop_loss)s."),
        SignalUpdateKind.STOPPED: _("Stopped out at %(price)s: %(pips)s pips, %(r)s R."),
        SignalUpdateKind.CLOSED: _("Closed at %(price)s: %(pips)s pips, %(r)s R."),
        SignalUpdateKind.CANCELLED: _("Cancelled."),
        SignalUpdateKind.EDITED: _("The signal was edited."),
    }
    return texts.get(kind, _("The signal was edited.")) % values


def _updated_title(ctx) -> str:
    return _("Signal %(instrument)s %(direction)s: %(event)s") % {
        "instrument": ctx.get("instrument", ""),
        "direction": _direction(ctx),
        "event": _event_text(ctx),
    }


def _updated_body(ctx) -> str:
    body = _event_text(ctx) + "\n" + _levels(ctx)
    if ctx.get("update_note"):
        body += "\n" + str(ctx["update_note"])
    return body


SAMPLE = {
    "signal": "00000000-0000-4000-8000-000000000002",
    "organization": "Calmness Trading",
    "instrument": "EURUSD",
    "direction": "buy",
    "entry": "1.08500",
    "stop_loss": "1.08200",
    "tp1": "1.08800",
    "tp2": "1.09100",
    "tp3": "",
    "note": "Cassure de la résistance H4.",
    "event": "tp1_hit",
    "price": "1.08800",
    "result_pips": "",
    "result_r": "",
    "update_note": "",
}


def signal_channels() -> tuple[str, ...]:
    """Fast channels only: push, the in-app socket and Telegram (the inbox keeps them)."""
    return tuple(
        channel
        for channel in (Channel.PUSH, Channel.WEBSOCKET, "telegram")
        if channel in Channel.values
    )


def signal_notification_types() -> list[NotificationType]:
    channels = signal_channels()
    return [
        NotificationType(
            name=SIGNAL_PUBLISHED,
            channels=channels,
            title=_published_title,
            body=_published_body,
            sample=SAMPLE,
            label=gettext_lazy("Signals: new signals"),
        ),
        NotificationType(
            name=SIGNAL_UPDATED,
            channels=channels,
            title=_updated_title,
            body=_updated_body,
            sample=SAMPLE,
            label=gettext_lazy("Signals: updates (take-profits, stop-loss, closing)"),
        ),
    ]


def _context(signal: Signal, update: SignalUpdate) -> dict:
    data = signal_data(signal)
    return {
        "signal": data["id"],
        "organization": signal.organization.name,
        "instrument": data["instrument"],
        "direction": data["direction"],
        "entry": data["entry"],
        "stop_loss": data["stop_loss"],
        "tp1": data["tp1"] or "",
        "tp2": data["tp2"] or "",
        "tp3": data["tp3"] or "",
        "note": data["note"],
        "event": update.kind,
        "price": "" if update.price is None else str(update.price),
        "result_pips": data["result_pips"] or "",
        "result_r": data["result_r"] or "",
        "update_note": update.note,
    }


def _tell(signal: Signal, update: SignalUpdate) -> None:
    """Queue the socket event (after commit) and record the subscribers' notifications
    (in this transaction; delivered after commit)."""
    published = update.kind == SignalUpdateKind.PUBLISHED
    event = {"type": "signal.published" if published else "signal.updated"}
    event["signal"] = signal_data(signal)
    if not published:
        event["update"] = update_data(update)
    broadcast_on_commit(signals_group(signal.organization_id), event)
    notifications_send_bulk(
        recipients=signal_subscribers(organization_id=signal.organization_id),
        kind=SIGNAL_PUBLISHED if published else SIGNAL_UPDATED,
        context=_context(signal, update),
        link=object_link(SIGNAL_LINK, signal.pk),
        idempotency_key=lambda user: f"academy.signal:{update.pk}:{user.pk}",
    )


# --- Writes --------------------------------------------------------------------------------


def _invalid(field: str, message: str, code=AcademyError.SIGNAL_LEVELS_INVALID):
    return ValidationFailed(message, code=code, fields={field: [message]})


def _check_levels(
    *,
    direction: str,
    entry: Decimal,
    stop_loss: Decimal,
    tp1: Decimal | None,
    tp2: Decimal | None,
    tp3: Decimal | None,
    check_stop: bool = True,
) -> None:
    """A buy's stop-loss below its entry and its take-profits above it, rising (a sell's
    the other way round); TP2 needs TP1 and TP3 needs TP2."""
    sign = 1 if direction == SignalDirection.BUY else -1
    if check_stop and (entry - stop_loss) * sign <= 0:
        raise _invalid(
            "stop_loss",
            _("The stop-loss must be below the entry of a buy and above the entry of a sell."),
        )
    if (tp2 is not None and tp1 is None) or (tp3 is not None and tp2 is None):
        name = "tp2" if tp1 is None else "tp3"
        raise _invalid(name, _("Take-profits are given in order: TP1, then TP2, then TP3."))
    previous = entry
    for name, value in (("tp1", tp1), ("tp2", tp2), ("tp3", tp3)):
        if value is None:
            continue
        if (value - previous) * sign <= 0:
            raise _invalid(
                name,
                _(
                    "Take-profits lie beyond the entry, each further than the one before "
                    "(above for a buy, below for a sell)."
                ),
            )
        previous = value


@transaction.atomic
def signal_publish(
    *,
    organization: Organization,
    author,
    instrument: str,
    direction: str,
    entry: Decimal,
    stop_loss: Decimal,
    tp1: Decimal | None = None,
    tp2: Decimal | None = None,
    tp3: Decimal | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Signal:
    """Publish a signal (400 ``signal_levels_invalid`` when its levels do not fit its
    direction, ``organization_kind_not_supported`` outside an academy); the subscribers
    are told after commit."""
    now = now or timezone.now()
    if organization.kind != OrganizationKind.ACADEMY:
        raise ValidationFailed(
            _("Only an academy publishes signals."),
            code=AcademyError.ORGANIZATION_KIND_NOT_SUPPORTED,
        )
    instrument = normalise_instrument(instrument)
    if not INSTRUMENT_PATTERN.match(instrument):
        raise _invalid(
            "instrument",
            _("Give an instrument such as EURUSD or XAUUSD."),
            code=CoreError.INVALID,
        )
    _check_levels(direction=direction, entry=entry, stop_loss=stop_loss, tp1=tp1, tp2=tp2, tp3=tp3)
    signal = Signal.objects.create(
        organization=organization,
        author=author,
        instrument=instrument,
        direction=direction,
        entry=entry,
        stop_loss=stop_loss,
        initial_stop_loss=stop_loss,
        tp1=tp1,
        tp2=tp2,
        tp3=tp3,
        note=note,
        published_at=now,
    )
    update = SignalUpdate.objects.create(
        organization=organization,
        signal=signal,
        kind=SignalUpdateKind.PUBLISHED,
        status=signal.status,
        stop_loss=signal.stop_loss,
        author=author,
    )
    _tell(signal, update)
    return signal


def _lock(signal: Signal) -> Signal:
    signal = (
        Signal.objects.select_for_update(of=("self",))
        .select_related("organization", "author")
        .get(pk=signal.pk)
    )
    if signal.status not in RUNNING:
        raise Conflict(_("This signal has ended."), code=AcademyError.SIGNAL_ENDED)
    return signal


def _record(signal: Signal, *, kind: str, actor, price=None, note: str = "") -> SignalUpdate:
    update = SignalUpdate.objects.create(
        organization_id=signal.organization_id,
        signal=signal,
        kind=kind,
        status=signal.status,
        stop_loss=signal.stop_loss,
        price=price,
        note=note,
        author=actor,
    )
    _tell(signal, update)
    return update


@transaction.atomic
def signal_change(*, signal: Signal, actor, **fields) -> Signal:
    """Change a running signal's stop-loss, take-profits or note (409 ``signal_ended``;
    400 ``signal_levels_invalid``). A new stop-loss is recorded as ``sl_moved``, anything
    else as ``edited``; a change that changes nothing records nothing."""
    signal = _lock(signal)
    changed = {name: value for name, value in fields.items() if getattr(signal, name) != value}
    if not changed:
        return signal
    merged = {name: changed.get(name, getattr(signal, name)) for name in ("tp1", "tp2", "tp3")}
    _check_levels(
        direction=signal.direction,
        entry=signal.entry,
        stop_loss=changed.get("stop_loss", signal.stop_loss),
        check_stop=False,
        **merged,
    )
    for name, value in changed.items():
        setattr(signal, name, value)
    signal.save(update_fields=[*changed, "updated_at"])
    kind = SignalUpdateKind.SL_MOVED if "stop_loss" in changed else SignalUpdateKind.EDITED
    _record(
        signal,
        kind=kind,
        actor=actor,
        price=changed.get("stop_loss"),
        note=str(changed.get("note", "")),
    )
    return signal


@transaction.atomic
def signal_update_record(
    *,
    signal: Signal,
    actor,
    kind: str,
    price: Decimal | None = None,
    stop_loss: Decimal | None = None,
    note: str = "",
    now: datetime | None = None,
) -> SignalUpdate:
    """Record what happened to a running signal (409 ``signal_ended``).

    * ``tp1_hit`` / ``tp2_hit`` / ``tp3_hit``: at that take-profit (400
      ``signal_levels_invalid`` when the signal has none; 409 ``signal_transition_invalid``
      when a later one was hit already); TP3 ends the signal;
    * ``sl_moved``: the new ``stop_loss`` (400 ``signal_price_required`` without it);
    * ``stopped``: at ``price``, by default the current stop-loss;
    * ``closed``: at ``price`` (400 ``signal_price_required`` without it);
    * ``cancelled``: ends it without a result.
    """
    now = now or timezone.now()
    signal = _lock(signal)
    if kind not in RECORDABLE:
        raise _invalid("kind", _("Not an event that can be recorded."), code=CoreError.INVALID)
    if kind == SignalUpdateKind.SL_MOVED:
        if stop_loss is None:
            message = _("Give the new stop-loss.")
            raise _invalid("stop_loss", message, code=AcademyError.SIGNAL_PRICE_REQUIRED)
        signal.stop_loss = stop_loss
        signal.save(update_fields=["stop_loss", "updated_at"])
        return _record(signal, kind=kind, actor=actor, price=stop_loss, note=note)
    if kind in TP_EVENTS:
        level_name, allowed_from = TP_EVENTS[kind]
        level = getattr(signal, level_name)
        if level is None:
            raise _invalid("kind", _("This signal has no such take-profit."))
        if signal.status not in allowed_from:
            raise Conflict(
                _("A later take-profit of this signal was hit already."),
                code=AcademyError.SIGNAL_TRANSITION_INVALID,
            )
        price = level if price is None else price
    elif kind == SignalUpdateKind.STOPPED:
        price = signal.stop_loss if price is None else price
    elif kind == SignalUpdateKind.CLOSED and price is None:
        message = _("Give the price the signal was closed at.")
        raise _invalid("price", message, code=AcademyError.SIGNAL_PRICE_REQUIRED)
    fields = ["status", "updated_at"]
    if kind in ENDINGS:
        signal.status = ENDINGS[kind]
        signal.closed_at = now
        fields.append("closed_at")
        if kind != SignalUpdateKind.CANCELLED:
            signal.exit_price = price
            signal.result_pips, signal.result_r = signal_result(signal, price)
            fields += ["exit_price", "result_pips", "result_r"]
    else:
        signal.status = SignalStatus(kind)
    signal.save(update_fields=fields)
    return _record(signal, kind=kind, actor=actor, price=price, note=note)
