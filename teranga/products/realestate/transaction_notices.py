"""What clients and agents are told about reservations and contracts.

* ``realestate.reservation_confirmed`` — the deposit is paid: the client and the agent;
* ``realestate.reservation_cancelled`` — the agency (or the client) cancelled it;
* ``realestate.reservation_expired`` — the deposit was not paid in time: the property
  is free again;
* ``realestate.contract_sent`` — a contract is ready to be read and signed: the client.

Sent through the notifications module (channels, the recipient's language, preferences);
each call writes its rows in the caller's transaction (nothing lost) under an idempotency
key naming the fact. Links are built by ``teranga.core.links``.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import object_link
from teranga.core.money import Money
from teranga.core.priorities import NORMAL
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel
from teranga.platform.notifications.services import notification_send

RESERVATION_CONFIRMED = "realestate.reservation_confirmed"
RESERVATION_CANCELLED = "realestate.reservation_cancelled"
RESERVATION_EXPIRED = "realestate.reservation_expired"
CONTRACT_SENT = "realestate.contract_sent"
#: Link kinds (``/o/<kind>/<id>/``).
RESERVATION_LINK = "realestate.reservation"
CONTRACT_LINK = "realestate.contract"

CHANNELS = ("email", "push", "websocket")


def _channels() -> tuple[str, ...]:
    return tuple(channel for channel in CHANNELS if channel in Channel.values)


def _confirmed_title(ctx) -> str:
    return _("Reservation confirmed: %(property)s") % {"property": ctx.get("property", "")}


def _confirmed_body(ctx) -> str:
    return _("The deposit of %(amount)s is paid: “%(property)s” is reserved for %(client)s.") % {
        "amount": ctx.get("amount", ""),
        "property": ctx.get("property", ""),
        "client": ctx.get("client", ""),
    }


def _cancelled_title(ctx) -> str:
    return _("Reservation cancelled: %(property)s") % {"property": ctx.get("property", "")}


def _cancelled_body(ctx) -> str:
    return _(
        "The reservation of “%(property)s” by %(client)s is cancelled. A deposit paid is refunded."
    ) % {"property": ctx.get("property", ""), "client": ctx.get("client", "")}


def _expired_title(ctx) -> str:
    return _("Reservation expired: %(property)s") % {"property": ctx.get("property", "")}


def _expired_body(ctx) -> str:
    return _(
        "The deposit for “%(property)s” was not paid in time: the reservation of %(client)s "
        "has expired and the property is available again."
    ) % {"property": ctx.get("property", ""), "client": ctx.get("client", "")}


def _kind(ctx) -> str:
    from .models import ContractKind

    labels = dict(ContractKind.choices)
    return str(labels.get(ctx.get("kind", ""), ctx.get("kind", "")))


def _contract_title(ctx) -> str:
    return _("Your contract: %(kind)s") % {"kind": _kind(ctx)}


def _contract_body(ctx) -> str:
    return _("%(agency)s sent you the contract “%(kind)s” for “%(property)s” to sign.") % {
        "agency": ctx.get("agency", ""),
        "kind": _kind(ctx),
        "property": ctx.get("property", ""),
    }


SAMPLE = {
    "reservation": "00000000-0000-4000-8000-000000000001",
    "contract": "00000000-0000-4000-8000-000000000002",
    "property": "Villa aux Almadies",
    "client": "Awa Diop",
    "amount": "6 000 000 F CFA",
    "agency": "DIGIT-HAB",
    "kind": "lease",
}


def types() -> list[NotificationType]:
    channels = _channels()
    return [
        NotificationType(
            name=RESERVATION_CONFIRMED,
            channels=channels,
            title=_confirmed_title,
            body=_confirmed_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: reservation confirmed"),
        ),
        NotificationType(
            name=RESERVATION_CANCELLED,
            channels=channels,
            title=_cancelled_title,
            body=_cancelled_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: reservation cancelled"),
        ),
        NotificationType(
            name=RESERVATION_EXPIRED,
            channels=channels,
            title=_expired_title,
            body=_expired_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: reservation expired"),
            send_priority=NORMAL,
        ),
        NotificationType(
            name=CONTRACT_SENT,
            channels=channels,
            title=_contract_title,
            body=_contract_body,
            sample=SAMPLE,
            label=gettext_lazy("Real estate: a contract to sign"),
        ),
    ]


def reservation_notify(reservation, kind: str) -> None:
    """Tell the reservation's client (their account) and its agent about ``kind``."""
    client_name = reservation.client.name if reservation.client_id else ""
    if not client_name and reservation.user_id:
        client_name = reservation.user.get_full_name() or reservation.user.email
    context = {
        "reservation": str(reservation.pk),
        "property": reservation.property.title,
        "client": client_name,
        "amount": Money(int(reservation.deposit_amount), reservation.currency).format(),
    }
    link = object_link(RESERVATION_LINK, reservation.pk)
    recipients = [reservation.user, reservation.agent]
    seen = set()
    for recipient in recipients:
        if recipient is None or recipient.pk in seen:
            continue
        seen.add(recipient.pk)
        notification_send(
            recipient=recipient,
            kind=kind,
            context=context,
            link=link,
            idempotency_key=f"realestate.reservation:{reservation.pk}:{kind}:{recipient.pk}",
        )


def contract_notify_sent(contract, *, recipient, email: str) -> None:
    """Tell the client (their account, or their email address) of a contract to sign."""
    notification_send(
        recipient=recipient,
        email=email if recipient is None else "",
        language=contract.language if recipient is None else None,
        kind=CONTRACT_SENT,
        context={
            "contract": str(contract.pk),
            "kind": contract.kind,
            "property": contract.property.title,
            "agency": contract.organization.name,
        },
        link=object_link(CONTRACT_LINK, contract.pk),
        idempotency_key=f"realestate.contract:{contract.pk}:sent",
    )
