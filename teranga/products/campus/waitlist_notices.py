"""What the waiting list tells students: one notification type, ``campus.waitlist_offer``
("a seat is free for you until HH:MM"), on push, email and the live socket. The offer's
hold (:data:`~.models.tickets.OFFER_MINUTES`) is short: quiet hours would make it lapse
unseen, so the type is urgent.

This module only declares the type and its texts (``product`` registers it);
``services.waitlist`` decides when to send it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

WAITLIST_OFFER = "campus.waitlist_offer"
#: The link kind of a waiting-list entry (its page hands over to the app).
WAITLIST_ENTRY_LINK = "campus.waitlist_entry"


def _offer_title(ctx) -> str:
    return _("A seat is free: %(event)s") % {"event": ctx.get("event", "")}


def _offer_body(ctx) -> str:
    return _(
        "A seat is free for you until %(until)s (%(ticket_type)s). Accept the offer to "
        "get your ticket; after that time it goes to the next person waiting."
    ) % {"until": ctx.get("until", ""), "ticket_type": ctx.get("ticket_type", "")}


def _offer_sms(ctx) -> str:
    return _("%(event)s: a seat is free for you until %(until)s. Open the app to accept.") % {
        "event": ctx.get("event", ""),
        "until": ctx.get("until", ""),
    }


SAMPLE = {
    "entry": "00000000-0000-4000-8000-000000000001",
    "event": "Hackathon UCAD",
    "ticket_type": "Étudiant",
    "until": "18:30",
    "organization": "Université Cheikh Anta Diop",
}

OFFER_TYPE = NotificationType(
    name=WAITLIST_OFFER,
    channels=(Channel.PUSH, Channel.EMAIL, Channel.WEBSOCKET),
    title=_offer_title,
    body=_offer_body,
    sms=_offer_sms,
    urgent=True,
    sample=SAMPLE,
    label=gettext_lazy("Events: a seat is free on the waiting list"),
)

#: The waiting list's notification types (declared in ``product``).
TYPES = [OFFER_TYPE]


# --- The entry's link ------------------------------------------------------------------


def _entry_for(user, entry_id):
    from .selectors.waitlist import waitlist_entry_of_user

    return waitlist_entry_of_user(user=user, entry_id=entry_id)


def _entry_rows(entry) -> list[tuple]:
    from teranga.core.links import local_time_text

    rows = [
        (_("Event"), entry.event.title),
        (_("Ticket type"), entry.ticket_type.name),
        (_("Status"), entry.get_status_display()),
    ]
    if entry.status == "offered" and entry.hold_expires_at:
        rows.append(
            (_("Seat held until"), local_time_text(entry.hold_expires_at, entry.event.time_zone))
        )
    return rows


def entry_link_kind():
    """The link kind of a waiting-list entry: ``/o/campus.waitlist_entry/<id>/`` hands
    over to the app (``campus/waiting-list/<id>``) and shows the entry to its user."""
    from teranga.core.links import LinkKind, summary_of

    return LinkKind(
        WAITLIST_ENTRY_LINK,
        gettext_lazy("Waiting list"),
        "campus/waiting-list/{id}",
        summary=summary_of(_entry_for, _entry_rows),
    )
