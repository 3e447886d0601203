"""Reads of invitations and share links: who may see which."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Gone, NotFound
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import EventInvitation, ShareLink
from .access import event_for_staff

#: The action that lets an organiser's staff invite and read share-link counts.
MANAGE = "campus.events.manage"


def verified_emails(user) -> list[str]:
    """The verified email addresses of ``user``, lower case."""
    return [
        email.lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list(
            "email", flat=True
        )
    ]


def invitee_q(user) -> Q:
    """The invitations addressed to ``user``: theirs, or an email invitation not yet
    matched whose address is one of their verified ones."""
    mine = Q(user=user)
    emails = verified_emails(user)
    if emails:
        mine |= Q(user__isnull=True, email__in=emails)
    return mine


def invitations_of_event(*, user, event_id) -> QuerySet[EventInvitation]:
    event = event_for_staff(user=user, event_id=event_id, action=MANAGE)
    return EventInvitation.objects.filter(event=event).select_related("user", "event")


def invitations_of_user(*, user, status: str | None = None) -> QuerySet[EventInvitation]:
    invitations = EventInvitation.objects.filter(invitee_q(user)).select_related("event", "user")
    if status:
        invitations = invitations.filter(status=status)
    return invitations


def _not_found() -> NotFound:
    return NotFound(_("No such invitation."), code=CampusError.INVITATION_NOT_FOUND)


def invitation_for_invitee(*, user, code: str, queryset=None) -> EventInvitation:
    base = queryset if queryset is not None else EventInvitation.objects.all()
    invitation = base.filter(invitee_q(user), code=(code or "").upper()).first()
    if invitation is None:
        raise _not_found()
    return invitation


def invitation_for_invitee_by_id(*, user, invitation_id) -> EventInvitation:
    key = parse_uuid(invitation_id)
    if key is None:
        raise _not_found()
    invitation = (
        EventInvitation.objects.filter(invitee_q(user), pk=key).select_related("event").first()
    )
    if invitation is None:
        raise _not_found()
    return invitation


def share_links_of_event(*, user, event_id) -> QuerySet[ShareLink]:
    event = event_for_staff(user=user, event_id=event_id, action=MANAGE)
    return ShareLink.objects.filter(event=event)


def share_link_by_code(*, code: str, queryset=None) -> ShareLink:
    """The live share link ``code``: 404 ``share_link_not_found``, 410
    ``share_link_expired`` once it has expired."""
    base = queryset if queryset is not None else ShareLink.objects.all()
    link = base.filter(code=(code or "").upper()).first()
    if link is None:
        raise NotFound(_("No such share link."), code=CampusError.SHARE_LINK_NOT_FOUND)
    if link.expires_at <= timezone.now():
        raise Gone(_("This share link has expired."), code=CampusError.SHARE_LINK_EXPIRED)
    return link
