"""What SmartQueue tells its clients: its notification types and their texts. This
module only declares them (``product`` registers :data:`TYPES`) and renders them;
:mod:`.services.notices` decides when to send them.

Three types, on push, SMS and the user's live socket (no email: it would come too late):

* ``smartqueue.almost`` — "you're next": a waiting ticket reached position
  ``queue.notify_ahead`` or better (0 turns it off). Sent once per ticket.
* ``smartqueue.called`` — "your turn: A012 at Guichet 3", on every call, recall and
  return of a parked ticket. Urgent: quiet hours never hold it back.
* ``smartqueue.leave_now`` — "leave now: about N min by car; your turn in about M min",
  once, when the client's travel time plus the queue's margin reaches the estimated
  wait (see :mod:`.leave_now`).

Tickets without an account (taken by SMS or at a kiosk) get "almost" and "called" as a
plain SMS in the ticket's language: :func:`plain_sms` renders it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

# Platform internals, a known debt (pyproject.toml, "Products import only the platform's
# public modules"): the platform has no public way yet to render a type's SMS text.
from teranga.platform.notifications.types import (
    json_context,
    notification_type,
    rendering,
    sms_text,
)

ALMOST = "smartqueue.almost"
CALLED = "smartqueue.called"
LEAVE_NOW = "smartqueue.leave_now"
CHANNELS = (Channel.PUSH, Channel.SMS, Channel.WEBSOCKET)


# --- Texts -----------------------------------------------------------------------------------


def _mode_phrase(mode: str) -> str:
    return {
        "car": _("by car"),
        "taxi": _("by taxi"),
        "public": _("by public transport"),
        "walk": _("on foot"),
    }.get(mode or "car", _("by car"))


def _ahead(ctx: dict[str, Any]) -> int:
    return max(int(ctx.get("position") or 1) - 1, 0)


def _almost_title(ctx):
    return _("Almost your turn: %(number)s") % {"number": ctx.get("number", "")}


def _almost_body(ctx):
    values = {
        "number": ctx.get("number", ""),
        "branch": ctx.get("branch", ""),
        "count": _ahead(ctx),
    }
    if values["count"] == 0:
        return _("Ticket %(number)s: you are next at %(branch)s. Get ready.") % values
    return (
        ngettext(
            "Ticket %(number)s: %(count)d person before you at %(branch)s. Get ready.",
            "Ticket %(number)s: %(count)d people before you at %(branch)s. Get ready.",
            values["count"],
        )
        % values
    )


def _almost_sms(ctx):
    values = {"number": ctx.get("number", ""), "count": _ahead(ctx)}
    if values["count"] == 0:
        return _("%(number)s: you are next. Come to the counters.") % values
    return _("%(number)s: your turn soon, %(count)d before you.") % values


def _called_title(ctx):
    return _("Your turn: %(number)s at %(counter)s") % {
        "number": ctx.get("number", ""),
        "counter": ctx.get("counter", ""),
    }


def _called_body(ctx):
    return _("Ticket %(number)s, please go to %(counter)s (%(branch)s).") % {
        "number": ctx.get("number", ""),
        "counter": ctx.get("counter", ""),
        "branch": ctx.get("branch", ""),
    }


def _called_sms(ctx):
    return _("%(number)s: your turn, go to %(counter)s.") % {
        "number": ctx.get("number", ""),
        "counter": ctx.get("counter", ""),
    }


def _leave_values(ctx):
    return {
        "number": ctx.get("number", ""),
        "branch": ctx.get("branch", ""),
        "travel": int(ctx.get("travel_minutes") or 0),
        "wait": int(ctx.get("wait_minutes") or 0),
        "mode": _mode_phrase(ctx.get("mode", "")),
    }


def _leave_now_title(ctx):
    return _("Leave now for %(branch)s") % {"branch": ctx.get("branch", "")}


def _leave_now_body(ctx):
    return _(
        "Leave now: about %(travel)d min %(mode)s; your turn in about %(wait)d min "
        "(ticket %(number)s)."
    ) % _leave_values(ctx)


def _leave_now_sms(ctx):
    return _("%(number)s: leave now. %(travel)d min %(mode)s, your turn in %(wait)d min.") % (
        _leave_values(ctx)
    )


SAMPLE = {
    "ticket": "00000000-0000-4000-8000-000000000001",
    "number": "A012",
    "queue": "Guichet",
    "organization": "Banque Teranga",
    "branch": "Agence Plateau",
    "counter": "Guichet 3",
    "position": 3,
    "travel_minutes": 18,
    "wait_minutes": 20,
    "mode": "car",
}

#: SmartQueue's notification types (declared in ``product``).
TYPES = {
    name: NotificationType(
        name=name,
        channels=CHANNELS,
        title=title,
        body=body,
        sms=sms,
        urgent=urgent,
        sample=SAMPLE,
        label=label,
    )
    for name, title, body, sms, urgent, label in (
        (
            ALMOST,
            _almost_title,
            _almost_body,
            _almost_sms,
            False,
            gettext_lazy("Queue: almost your turn"),
        ),
        (CALLED, _called_title, _called_body, _called_sms, True, gettext_lazy("Queue: your turn")),
        (
            LEAVE_NOW,
            _leave_now_title,
            _leave_now_body,
            _leave_now_sms,
            False,
            gettext_lazy("Queue: time to leave"),
        ),
    )
}


# --- Rendering a plain SMS -------------------------------------------------------------------


def plain_sms(kind: str, context: dict[str, Any], *, language: str) -> str:
    """The SMS of ``kind`` for a client without an account, in ``language``: the text
    the platform would send on the SMS channel, from the same stored (JSON) context."""
    kind_type = notification_type(kind)
    data = json_context(context)
    with rendering(language):
        title, body = kind_type.render_title(data), kind_type.render_body(data)
        return sms_text(kind_type, data, title=title, body=body)
