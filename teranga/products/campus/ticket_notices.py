"""What Campus tells ticket holders: its ticket notification types and their texts.

* ``campus.ticket_issued`` — "your ticket for <event>": on payment (or a free order),
  one per ticket; the email shows the QR code inline. In-app, push and email.
* ``campus.ticket_received`` — a ticket was transferred to you (with its new QR code).
* ``campus.event_cancelled`` — the event is cancelled; paid tickets are refunded.

The context (JSON values) carries what the texts need: ``event``, ``starts``,
``organization``, ``ticket_type``, ``code``, ``page`` (the phone-friendly ticket page).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.qr import qr_png_data_uri
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

TICKET_ISSUED = "campus.ticket_issued"
TICKET_RECEIVED = "campus.ticket_received"
EVENT_CANCELLED = "campus.event_cancelled"
CHANNELS = (Channel.EMAIL, Channel.PUSH, Channel.WEBSOCKET)
QR_PREFIX = "TERANGA-CAMPUS:"

SAMPLE = {
    "ticket": "00000000-0000-4000-8000-000000000001",
    "event": "Hackathon UCAD",
    "starts": "12/03/2027 18:00",
    "organization": "Club Tech UCAD",
    "ticket_type": "Étudiant",
    "code": "ABCDEFGHJKLMNPQRSTUV",
    "page": "/campus/tickets/ABCDEFGHJKLMNPQRSTUV/",
    "from_name": "Awa Ndiaye",
    "reason": "",
    "refunded": True,
}


def _values(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": ctx.get("event", ""),
        "starts": ctx.get("starts", ""),
        "type": ctx.get("ticket_type", ""),
        "from": ctx.get("from_name", ""),
    }


def _issued_title(ctx):
    return _("Your ticket for %(event)s") % _values(ctx)


def _issued_body(ctx):
    return _("%(type)s — %(starts)s. Show its QR code at the entrance.") % _values(ctx)


def _received_title(ctx):
    return _("%(from)s sent you a ticket for %(event)s") % _values(ctx)


def _received_body(ctx):
    return _("%(type)s — %(starts)s. Show its QR code at the entrance.") % _values(ctx)


def _cancelled_title(ctx):
    return _("Cancelled: %(event)s") % _values(ctx)


def _cancelled_body(ctx):
    reason = str(ctx.get("reason") or "").strip()
    text = _("The event of %(starts)s is cancelled.") % _values(ctx)
    if ctx.get("refunded"):
        refunded = _("Your payment is being refunded.")
        text = f"{text} {refunded}"
    if reason:
        text = f"{text}\n{reason}"
    return text


def _ticket_email(title_of, body_of):
    def render(ctx):
        from teranga.core.links import public_link

        page = str(ctx.get("page") or "")
        return render_to_string(
            "campus/ticket_email.html",
            {
                "title": title_of(ctx),
                "body": body_of(ctx),
                "organization": ctx.get("organization", ""),
                "code": ctx.get("code", ""),
                "qr": qr_png_data_uri(f"{QR_PREFIX}{ctx.get('code', '')}")
                if ctx.get("code")
                else "",
                "url": public_link(page) if page.startswith("/") else "",
                "button": _("Open my ticket"),
            },
        )

    return render


#: Campus's ticket notification types (declared in ``product``).
TYPES = [
    NotificationType(
        name=TICKET_ISSUED,
        channels=CHANNELS,
        title=_issued_title,
        body=_issued_body,
        email_html=_ticket_email(_issued_title, _issued_body),
        urgent=True,
        sample=SAMPLE,
        label=gettext_lazy("Campus: your tickets"),
    ),
    NotificationType(
        name=TICKET_RECEIVED,
        channels=CHANNELS,
        title=_received_title,
        body=_received_body,
        email_html=_ticket_email(_received_title, _received_body),
        urgent=True,
        sample=SAMPLE,
        label=gettext_lazy("Campus: tickets sent to you"),
    ),
    NotificationType(
        name=EVENT_CANCELLED,
        channels=CHANNELS,
        title=_cancelled_title,
        body=_cancelled_body,
        urgent=True,
        sample=SAMPLE,
        label=gettext_lazy("Campus: cancelled events"),
    ),
]
