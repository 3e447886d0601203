"""Who may see or act on an event: the one place Campus checks it.

* :func:`event_for_staff` — an event of an organisation the user works for, with the
  action's least role (``organizations.access``): another organisation's event, or a
  missing one, is 404 ``event_not_found``; a member whose role is too low gets 403.
* :func:`visible_events` / :func:`event_for_viewer` — what a student (or a visitor) may
  see: published, cancelled or finished events (never drafts), public ones; "university
  only" ones to the students of that university and to the organiser's members;
  "invite only" ones to the organiser's members and to those holding a ticket. Staff of
  the organiser see their drafts too.
"""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet

from teranga.core.errors import NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import ensure, membership_of
from teranga.platform.organizations.models import Membership

from ..errors import CampusError
from ..models import Event, EventStatus, EventVisibility, StudentProfile, Ticket, TicketStatus
from ..models.invitations import EventInvitation, InvitationStatus

#: Statuses a student may see (a draft is the organiser's alone).
LISTED_STATUSES = (EventStatus.PUBLISHED, EventStatus.CANCELLED, EventStatus.FINISHED)


def _not_found() -> NotFound:
    return NotFound(code=CampusError.EVENT_NOT_FOUND)


def student_university_id(user) -> uuid.UUID | None:
    """The university a signed-in student belongs to (their campus profile), if any."""
    if user is None or not user.is_authenticated:
        return None
    cached = getattr(user, "_campus_university_id", False)
    if cached is not False:
        return cached
    university_id = (
        StudentProfile.objects.filter(user=user).values_list("university_id", flat=True).first()
    )
    user._campus_university_id = university_id
    return university_id


def visibility_q(user) -> Q:
    """The events ``user`` (``None`` or anonymous: a visitor) may see, as a filter."""
    public = Q(visibility=EventVisibility.PUBLIC, status__in=LISTED_STATUSES)
    if user is None or not user.is_authenticated:
        return public
    member_of = Membership.objects.filter(user=user).values("organization_id")
    staff = Q(organization_id__in=member_of)
    university_id = student_university_id(user)
    seen = public | (staff & ~Q(status=EventStatus.DRAFT))
    if university_id is not None:
        seen |= Q(
            visibility=EventVisibility.UNIVERSITY,
            university_id=university_id,
            status__in=LISTED_STATUSES,
        )
    holds_ticket = Exists(
        Ticket.objects.filter(event=OuterRef("pk"), holder=user, status=TicketStatus.VALID)
    )
    seen |= Q(holds_ticket, status__in=LISTED_STATUSES)
    # Invitations: a pending or accepted invitation shows the event to its invitee.
    invited = Exists(
        EventInvitation.objects.filter(
            event=OuterRef("pk"),
            user=user,
            status__in=(InvitationStatus.PENDING, InvitationStatus.ACCEPTED),
        )
    )
    seen |= Q(invited, status__in=LISTED_STATUSES)
    return seen


def visible_events(user) -> QuerySet[Event]:
    """Every event ``user`` may see (drafts excluded, even their own organiser's)."""
    return Event.objects.filter(visibility_q(user))


def event_for_viewer(*, user, event_id, queryset: QuerySet[Event] | None = None) -> Event:
    """The event ``event_id`` if ``user`` may see it; 404 ``event_not_found`` otherwise."""
    key = parse_uuid(event_id)
    if key is None:
        raise _not_found()
    base = queryset if queryset is not None else Event.objects.all()
    event = base.filter(visibility_q(user), pk=key).first()
    if event is None:
        raise _not_found()
    return event


def event_for_staff(
    *, user, event_id, action: str, queryset: QuerySet[Event] | None = None, lock: bool = False
) -> Event:
    """The event ``event_id`` of an organisation where ``user`` may do ``action``.

    404 ``event_not_found`` for a missing event and for another organisation's (whatever
    the user's rights there), 403 for a member whose role is too low. ``lock`` takes the
    row with ``SELECT … FOR UPDATE`` (inside the caller's transaction)."""
    key = parse_uuid(event_id)
    if key is None:
        raise _not_found()
    base = queryset if queryset is not None else Event.objects.select_related("organization")
    if lock:
        base = base.select_for_update(of=("self",))
    event = base.filter(pk=key).first()
    if event is None:
        raise _not_found()
    organization = event.organization
    membership = membership_of(user, organization)
    try:
        ensure(user, organization, action, membership)
    except NotFound:
        raise _not_found() from None
    organization.current_membership = membership
    return event
