"""Writes of invitations and share links (keyword-only, atomic).

* :func:`invitations_create` — the organiser's staff invite users (by id) or email
  addresses; an address of a registered account invites that account. All or nothing:
  an unknown user, an address or user already invited (409), a duplicate in the batch.
  Registered invitees are notified (push, in-app, email); an address without an account
  gets the email (``notification_send`` with ``recipient=None``).
* :func:`invitation_respond` — the invitee accepts or declines (and may change their
  mind); an email invitation is bound to the signed-in user whose verified address it
  names.
* :func:`share_link_create`, :func:`share_link_visit`, :func:`share_link_convert` — a
  share link, its visits (a conditional ``UPDATE``) and its conversions: a paid order of
  the link's event by the signed-in buyer, counted once per order (the order row is
  locked; ``ShareConversion.order`` is unique).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.codes import random_code
from teranga.core.errors import Conflict, Gone, NotFound, ValidationFailed
from teranga.core.links import object_link
from teranga.core.validators import parse_uuid
from teranga.platform.notifications.services import notification_send

from ..errors import CampusError
from ..invitation_notices import INVITATION_LINK, INVITED
from ..models import (
    EventInvitation,
    InvitationStatus,
    Order,
    OrderStatus,
    ShareConversion,
    ShareLink,
)
from ..models.invitations import INVITATION_CODE_LENGTH, SHARE_CODE_LENGTH
from ..selectors.access import event_for_staff, event_for_viewer
from ..selectors.invitations import MANAGE, invitation_for_invitee, share_link_by_code

User = get_user_model()

#: Most invitations in one request.
MAX_BATCH = 50


def _notify(invitation: EventInvitation, organizer: str) -> None:
    context = {"event": invitation.event.title, "organizer": organizer, "code": invitation.code}
    link = object_link(INVITATION_LINK, invitation.pk)
    key = f"campus:invitation:{invitation.pk}:invited"
    if invitation.user_id is not None:
        if invitation.user.is_active:
            notification_send(
                recipient=invitation.user,
                kind=INVITED,
                context=context,
                link=link,
                idempotency_key=key,
            )
    else:
        notification_send(
            recipient=None,
            email=invitation.email,
            kind=INVITED,
            context=context,
            link=link,
            idempotency_key=key,
        )


@transaction.atomic
def invitations_create(*, user, event_id, entries: list[dict]) -> list[EventInvitation]:
    """Invite each of ``entries`` (``{"user": uuid}`` or ``{"email": str}``) to the event."""
    event = event_for_staff(user=user, event_id=event_id, action=MANAGE, lock=True)
    if not entries or len(entries) > MAX_BATCH:
        raise ValidationFailed(
            _("Invite between 1 and %(max)d people at a time.") % {"max": MAX_BATCH}
        )
    user_ids = {entry["user"] for entry in entries if entry.get("user")}
    emails = {entry["email"].strip().lower() for entry in entries if entry.get("email")}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True)}
    missing = user_ids - set(users)
    if missing:
        raise ValidationFailed(
            _("No such user."),
            code=CampusError.USER_NOT_FOUND,
            fields={"user": [str(pk) for pk in sorted(missing, key=str)]},
        )
    by_email: dict = {}
    if emails:  # one query, at most MAX_BATCH terms
        query = Q()
        for address in emails:
            query |= Q(email__iexact=address)
        by_email = {u.email.lower(): u for u in User.objects.filter(query, is_active=True)}
    targets: list[tuple[object | None, str]] = []
    seen_users: set = set()
    seen_emails: set = set()
    for entry in entries:
        if entry.get("user"):
            invitee, address = users[entry["user"]], ""
        else:
            address = entry["email"].strip().lower()
            invitee = by_email.get(address)
            if invitee is not None:
                address = ""
        if invitee is not None:
            if invitee.pk in seen_users:
                raise ValidationFailed(_("The same person is invited twice."))
            seen_users.add(invitee.pk)
        else:
            if address in seen_emails:
                raise ValidationFailed(_("The same person is invited twice."))
            seen_emails.add(address)
        targets.append((invitee, address))
    already = EventInvitation.objects.filter(event=event).filter(
        Q(user_id__in=seen_users) | Q(email__in=seen_emails)
    )
    if already.exists():
        raise Conflict(
            _("Some of these people are already invited."), code=CampusError.ALREADY_INVITED
        )
    created = [
        EventInvitation(
            event=event,
            user=invitee,
            email=address,
            code=random_code(length=INVITATION_CODE_LENGTH),
            invited_by=user,
        )
        for invitee, address in targets
    ]
    try:
        with transaction.atomic():
            EventInvitation.objects.bulk_create(created)
    except IntegrityError:
        raise Conflict(
            _("Some of these people are already invited."), code=CampusError.ALREADY_INVITED
        ) from None
    organizer = event.organization.name
    for invitation in created:
        invitation.event = event
        _notify(invitation, organizer)
    return created


@transaction.atomic
def invitation_respond(*, user, code: str, accept: bool) -> EventInvitation:
    """Accept (``accept``) or decline the invitation ``code`` addressed to ``user``."""
    invitation = invitation_for_invitee(
        user=user, code=code, queryset=EventInvitation.objects.select_for_update()
    )
    if invitation.user_id is None:
        if EventInvitation.objects.filter(event_id=invitation.event_id, user=user).exists():
            raise Conflict(
                _("You already have an invitation to this event."),
                code=CampusError.ALREADY_INVITED,
            )
        invitation.user = user
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["user", "status", "responded_at", "updated_at"])
    return EventInvitation.objects.select_related("event", "user").get(pk=invitation.pk)


@transaction.atomic
def share_link_create(*, user, event_id, expires_in_hours: int) -> ShareLink:
    event = event_for_viewer(user=user, event_id=event_id)
    return ShareLink.objects.create(
        event=event,
        created_by=user,
        code=random_code(length=SHARE_CODE_LENGTH),
        expires_at=timezone.now() + timedelta(hours=expires_in_hours),
    )


def share_link_visit(*, code: str) -> ShareLink:
    """Count one visit of the live link ``code`` (404 / 410 otherwise)."""
    code = (code or "").upper()
    counted = ShareLink.objects.filter(code=code, expires_at__gt=timezone.now()).update(
        visits=F("visits") + 1
    )
    link = share_link_by_code(code=code)  # 404 or 410 when nothing was counted
    if not counted:  # expired between the two statements
        raise Gone(_("This share link has expired."), code=CampusError.SHARE_LINK_EXPIRED)
    return link


@transaction.atomic
def share_link_convert(*, user, code: str, order_id) -> ShareLink:
    """Count ``order_id`` (paid, the user's, of the link's event) as a conversion of
    ``code``, once per order."""
    link = share_link_by_code(code=code)
    key = parse_uuid(order_id)
    order = Order.objects.select_for_update().filter(pk=key, buyer=user).first() if key else None
    if order is None:
        raise NotFound(_("No such order."), code=CampusError.ORDER_NOT_FOUND)
    if order.event_id != link.event_id:
        raise ValidationFailed(
            _("This order is for another event."), fields={"order": [_("Another event.")]}
        )
    if order.status != OrderStatus.PAID:
        raise Conflict(_("This order is not paid."), code=CampusError.ORDER_NOT_PAID)
    if ShareConversion.objects.filter(order=order).exists():
        raise Conflict(_("This order was already counted."), code=CampusError.ALREADY_CONVERTED)
    ShareConversion.objects.create(link=link, order=order)
    ShareLink.objects.filter(pk=link.pk).update(conversions=F("conversions") + 1)
    link.refresh_from_db()
    return link
