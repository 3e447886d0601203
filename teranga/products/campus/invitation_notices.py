"""What the invitations part tells people: an invitation to an event
(``campus.event_invited``), by push, in-app and email to a registered user, by email to
an address without an account. It links to the invitation (link kind
``campus.invitation``: the handover page shows the event to the invitee).

This module declares the type, the link kind and its summary (``product`` registers
them); ``services.invitations`` sends them, recorded in the inviting transaction."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

INVITED = "campus.event_invited"
INVITATION_LINK = "campus.invitation"


def _title(ctx) -> str:
    return _("You are invited to %(event)s") % {"event": ctx.get("event", "")}


def _body(ctx) -> str:
    return _("%(organizer)s invites you to %(event)s. Your invitation code: %(code)s.") % {
        "organizer": ctx.get("organizer", ""),
        "event": ctx.get("event", ""),
        "code": ctx.get("code", ""),
    }


TYPES = [
    NotificationType(
        name=INVITED,
        channels=(Channel.PUSH, Channel.WEBSOCKET, Channel.EMAIL),
        title=_title,
        body=_body,
        sample={"event": "Hackathon UCAD", "organizer": "Club Tech", "code": "ABCD2345EFGH6789"},
        label=gettext_lazy("Campus: an invitation to an event"),
    ),
]


def _invitation_for_link(user, invitation_id):
    from .selectors.invitations import invitation_for_invitee_by_id

    return invitation_for_invitee_by_id(user=user, invitation_id=invitation_id)


def _invitation_rows(invitation):
    return [
        (str(_("Event")), invitation.event.title),
        (str(_("Status")), str(invitation.get_status_display())),
    ]


def invitation_link_kind():
    from teranga.core.links import LinkKind, summary_of

    return LinkKind(
        INVITATION_LINK,
        gettext_lazy("Invitation"),
        "campus/invitations/{id}",
        summary=summary_of(_invitation_for_link, _invitation_rows),
    )
