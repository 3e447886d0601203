"""Writes of visits. Each runs in one transaction: it asks the scheduling engine to book
or move the visit's booking (the engine takes its locks — the agent's resource, then the
visitor's user row, then the booking —, checks the slot, writes the history, announces
the change to the registered visitor and the agent, and later reminds them), then keeps
the :class:`Visit` row in step. A guest visitor is told by SMS (``..visit_notices``).

The property's row is locked first when a visit is booked, so two visits of one
property never take the same time, even with different agents.

A reschedule locks in the same order (the property, then the engine's agent resource,
visitor and booking) and re-checks every constraint of a booking (the property's hours,
blocked dates and other visits; the agent's availability in the engine).

Transitions (409 ``visit_invalid_transition`` otherwise):
requested → confirmed | cancelled; confirmed → done | no_show | cancelled. Done and
no-show only once the visit has started (409 ``visit_not_started``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.phones import phone_e164
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.availability import free_slots, zone
from teranga.platform.scheduling.errors import SchedulingError
from teranga.platform.scheduling.models import Resource, ResourceKind

from .. import visit_notices
from ..errors import RealEstateError
from ..models import Property, PropertyVisitHours, Visit, VisitBlock, VisitStatus
from ..selectors.visits import (
    OCCUPYING,
    OFFERING,
    SOURCE,
    VISIT_POLICY,
    VISITABLE,
    agent_resource,
    property_busy,
    property_hours_resource,
    slot_is_blocked,
)

#: status -> statuses it may move to.
TRANSITIONS: dict[str, set[str]] = {
    VisitStatus.REQUESTED: {VisitStatus.CONFIRMED, VisitStatus.CANCELLED},
    VisitStatus.CONFIRMED: {VisitStatus.DONE, VisitStatus.NO_SHOW, VisitStatus.CANCELLED},
    VisitStatus.DONE: set(),
    VisitStatus.CANCELLED: set(),
    VisitStatus.NO_SHOW: set(),
}
#: An agent's visiting hours until the agency changes them (weekday, from, to):
#: Monday to Friday 9:00–18:00 with a break 13:00–14:00, Saturday 9:00–13:00.
DEFAULT_AGENT_HOURS = [
    *[(day, time(9), time(18), time(13), time(14)) for day in range(5)],
    (5, time(9), time(13), None, None),
]


#: Blocked dates a property may have at once, and how far ahead a block may end.
MAX_VISIT_BLOCKS = 100
BLOCK_MAX_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class Guest:
    """A visitor without an account: the name and phone the agency took down (and the
    email a guest who booked on the public page may give)."""

    name: str
    phone: str
    email: str = ""


@transaction.atomic
def agent_resource_ensure(*, organization: Organization, agent) -> Resource | None:
    """The agent's scheduling resource in the agency, created on first use with the
    default visiting hours (:data:`DEFAULT_AGENT_HOURS`; the agency changes them in the
    scheduling engine). None when there is no agent."""
    if agent is None:
        return None
    found = agent_resource(organization=organization, agent=agent)
    if found is not None:
        return found
    # Serialise the creation per agent (a second caller finds the first one's).
    get_user_model().objects.select_for_update().filter(pk=agent.pk).first()
    found = agent_resource(organization=organization, agent=agent)
    if found is not None:
        return found
    resource = scheduling.resource_create(
        organization=organization,
        name=(agent.get_full_name() or agent.email.split("@")[0])[:200],
        kind=ResourceKind.STAFF,
        user=agent,
    )
    scheduling.rules_create(
        organization=organization,
        resource_id=resource.pk,
        rules=[
            {
                "weekday": day,
                "starts_at": starts,
                "ends_at": ends,
                "break_start": break_start,
                "break_end": break_end,
            }
            for day, starts, ends, break_start, break_end in DEFAULT_AGENT_HOURS
        ],
    )
    return agent_resource(organization=organization, agent=agent)


@transaction.atomic
def property_visit_hours_set(*, prop: Property, rules: list[dict]) -> PropertyVisitHours | None:
    """Replace the property's visiting hours by ``rules`` (weekly rules of the
    scheduling engine: ``weekday``, ``starts_at``, ``ends_at``, optional break and
    dates; 400 ``rule_overlap`` / ``invalid`` from the engine). Visits are then offered
    only inside them. No rules: the property has no hours of its own any more (its
    agent's availability alone decides)."""
    hours = (
        PropertyVisitHours.objects.select_for_update(of=("self",))
        .filter(property=prop)
        .select_related("resource")
        .first()
    )
    if not rules:
        if hours is not None:
            resource_id = hours.resource_id
            hours.delete()
            scheduling.resource_delete(organization=prop.organization, resource_id=resource_id)
        return None
    if hours is None:
        resource = scheduling.resource_create(
            organization=prop.organization, name=prop.title[:200], kind=ResourceKind.PROPERTY
        )
        hours = PropertyVisitHours.objects.create(
            organization=prop.organization, property=prop, resource=resource
        )
    for rule in list(hours.resource.rules.all()):
        scheduling.rule_delete(organization=prop.organization, rule_id=rule.pk)
    scheduling.rules_create(
        organization=prop.organization, resource_id=hours.resource_id, rules=rules
    )
    return hours


def _check_property_time(
    prop: Property, starts_at: datetime, now: datetime, *, exclude=None
) -> None:
    """Inside the property's visiting hours (when it has any), not on one of its blocked
    dates, and not taken by another visit of it (other than ``exclude``)."""
    ends_at = starts_at + VISIT_POLICY.duration
    if slot_is_blocked(prop, starts_at, ends_at, zone(prop.organization.time_zone)):
        message = _("The property cannot be visited on this date.")
        raise ValidationFailed(
            message, code=RealEstateError.VISIT_DATE_BLOCKED, fields={"starts_at": [message]}
        )
    hours = property_hours_resource(prop)
    if hours is not None:
        slots = free_slots(
            hours,
            VISIT_POLICY,
            offering=OFFERING,
            range_from=starts_at,
            range_to=starts_at + timedelta(microseconds=1),
            now=now,
        )
        if not slots:
            message = _("This time is outside the property's visiting hours.")
            raise ValidationFailed(
                message,
                code=SchedulingError.OUTSIDE_AVAILABILITY,
                fields={"starts_at": [message]},
            )
    if property_busy(prop, starts_at, ends_at, exclude=exclude):
        raise Conflict(_("This slot has just been taken."), code=SchedulingError.SLOT_FULL)


@transaction.atomic
def visit_create(
    *,
    prop: Property,
    actor,
    starts_at: datetime,
    visitor=None,
    guest: Guest | None = None,
    message: str = "",
    by_agency: bool = False,
    language: str = "fr",
) -> Visit:
    """Book a visit of ``prop`` at ``starts_at`` with the property's agent, for a
    registered ``visitor`` or a ``guest``. Booked by the agency (``by_agency``) it is
    confirmed at once; asked by a client it is requested, for the agent to confirm.

    409 ``property_not_visitable`` for a property that is not on the market or has no
    agent; the engine answers 400 (past, too soon, too far, outside availability) and
    409 (``slot_full``, ``client_overlap``) under its locks."""
    if (visitor is None) == (guest is None):
        raise ValueError("a visit has a registered visitor or a guest")
    locked = (
        Property.objects.select_for_update(of=("self",))
        .select_related("organization", "agent")
        .get(pk=prop.pk)
    )
    if locked.status not in VISITABLE or locked.agent is None:
        raise Conflict(
            _("This property cannot be visited at the moment."),
            code=RealEstateError.PROPERTY_NOT_VISITABLE,
        )
    now = timezone.now()
    resource = agent_resource_ensure(organization=locked.organization, agent=locked.agent)
    _check_property_time(locked, starts_at, now)
    phone = ""
    if guest is not None:
        phone = phone_e164(guest.phone, region=locked.organization.country, field="guest.phone")
    booking = scheduling.booking_create(
        resource=resource,
        client=visitor,
        source=SOURCE,
        offering=OFFERING,
        title=locked.title[:200],
        starts_at=starts_at,
        policy=VISIT_POLICY,
        confirm=by_agency,
        actor=actor,
    )
    visit = Visit.objects.create(
        id=booking.pk,  # one id for both: the engine's links point at the visit
        organization=locked.organization,
        property=locked,
        booking=booking,
        agent=locked.agent,
        visitor=visitor,
        guest_name=guest.name if guest else "",
        guest_phone=phone,
        guest_email=guest.email if guest else "",
        language=language,
        status=VisitStatus.CONFIRMED if by_agency else VisitStatus.REQUESTED,
        starts_at=booking.starts_at,
        ends_at=booking.ends_at,
        message=message,
        created_by=actor,
    )
    if visit.status == VisitStatus.CONFIRMED:
        visit_notices.guest_notify(visit, "confirmed")
    return visit


def _check_move(visit: Visit, target: str) -> None:
    if target not in TRANSITIONS.get(visit.status, set()):
        raise Conflict(
            _("A visit that is %(status)s cannot be marked like this.")
            % {"status": visit.get_status_display().lower()},
            code=RealEstateError.VISIT_INVALID_TRANSITION,
        )


def _locked(visit: Visit) -> Visit:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related("organization", "property", "agent", "visitor")
        .get(pk=visit.pk)
    )


def _save(visit: Visit, status: str, **fields) -> Visit:
    visit.status = status
    for name, value in fields.items():
        setattr(visit, name, value)
    visit.save(update_fields=["status", *fields, "updated_at"])
    return visit


@transaction.atomic
def visit_confirm(*, visit: Visit, actor) -> Visit:
    _check_move(visit, VisitStatus.CONFIRMED)
    scheduling.booking_confirm(booking_id=visit.booking_id, actor=actor)
    visit = _save(_locked(visit), VisitStatus.CONFIRMED)
    visit_notices.guest_notify(visit, "confirmed")
    return visit


@transaction.atomic
def visit_cancel(*, visit: Visit, actor, by_visitor: bool, reason: str = "") -> Visit:
    _check_move(visit, VisitStatus.CANCELLED)
    scheduling.booking_cancel(
        booking_id=visit.booking_id, by_client=by_visitor, actor=actor, reason=reason
    )
    visit = _save(_locked(visit), VisitStatus.CANCELLED, cancellation_reason=reason)
    if not by_visitor:
        visit_notices.guest_notify(visit, "cancelled")
    return visit


def _close(visit: Visit, status: str, actor) -> Visit:
    _check_move(visit, status)
    if visit.starts_at > timezone.now():
        raise Conflict(
            _("A visit can only be marked like this once it has started."),
            code=RealEstateError.VISIT_NOT_STARTED,
        )
    if status == VisitStatus.DONE:
        scheduling.booking_complete(booking_id=visit.booking_id, actor=actor)
    else:
        scheduling.booking_no_show(booking_id=visit.booking_id, actor=actor)
    return _save(_locked(visit), status)


@transaction.atomic
def visit_done(*, visit: Visit, actor) -> Visit:
    return _close(visit, VisitStatus.DONE, actor)


@transaction.atomic
def visit_no_show(*, visit: Visit, actor) -> Visit:
    return _close(visit, VisitStatus.NO_SHOW, actor)


@transaction.atomic
def visit_notes_update(*, visit: Visit, notes: str) -> Visit:
    visit = _locked(visit)
    visit.notes = notes
    visit.save(update_fields=["notes", "updated_at"])
    return visit


@transaction.atomic
def visit_feedback(*, visit: Visit, interest_level: int, feedback: str = "") -> Visit:
    """The visitor's interest after the visit (1 to 5) and a comment: given by the
    visitor or taken down by the agency; only once the visit is done (409
    ``visit_not_done``). Giving it again replaces it."""
    visit = _locked(visit)
    if visit.status != VisitStatus.DONE:
        raise Conflict(
            _("Feedback can only be given once the visit is done."),
            code=RealEstateError.VISIT_NOT_DONE,
        )
    visit.interest_level = interest_level
    visit.feedback = feedback
    visit.feedback_at = timezone.now()
    visit.save(update_fields=["interest_level", "feedback", "feedback_at", "updated_at"])
    return visit


# --- Guests booking on the public page ------------------------------------------------------


@transaction.atomic
def visit_guest_book(
    *,
    prop: Property,
    starts_at: datetime,
    guest: Guest,
    message: str = "",
    language: str = "fr",
) -> Visit:
    """A visitor without an account books a visit of a public property on its page or
    through the API: it is ``requested`` (the agent confirms it, and the engine tells
    the agent now), and the guest is told by SMS with the link that lets them cancel it
    (``visit_notices.guest_link``). Same checks and errors as :func:`visit_create`."""
    visit = visit_create(
        prop=prop,
        actor=None,
        starts_at=starts_at,
        guest=guest,
        message=message,
        by_agency=False,
        language=language,
    )
    visit_notices.guest_notify(visit, "requested")
    return visit


@transaction.atomic
def visit_guest_cancel(*, visit: Visit, reason: str = "") -> Visit:
    """The guest cancels their visit through their signed link: the agent is told by
    the engine. 409 ``visit_invalid_transition`` once it is closed."""
    return visit_cancel(visit=visit, actor=None, by_visitor=True, reason=reason)


# --- Reschedule -----------------------------------------------------------------------------


@transaction.atomic
def visit_reschedule(
    *, visit: Visit, actor, starts_at: datetime, by_visitor: bool, reason: str = ""
) -> Visit:
    """Move a requested or confirmed visit to another free slot of its property and
    agent, under the same locks as a booking: the property, then (in the engine) the
    agent's resource, the visitor and the booking, then the visit. The engine keeps the history (the
    booking's ``rescheduled`` event with the previous start), tells the registered
    visitor and the agent, and its reminders follow the new start; a guest is told by
    SMS (and their reminders follow the new start too).

    409 ``visit_invalid_transition`` for a closed visit; 400 ``visit_date_blocked``,
    ``outside_availability``, ``same_time``, ``booking_in_past``, ``notice_too_short``
    (the visitor only), ``too_far_ahead``; 409 ``slot_full`` when it was just taken."""
    locked_property = (
        Property.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=visit.property_id)
    )
    # Read again, not locked: the visit's row is locked after the engine's booking, in the
    # order every other write of a visit takes (the engine re-checks the booking's status
    # under its own lock).
    visit = Visit.objects.get(pk=visit.pk)
    if visit.status not in OCCUPYING:
        raise Conflict(
            _("A visit that is %(status)s cannot be rescheduled.")
            % {"status": visit.get_status_display().lower()},
            code=RealEstateError.VISIT_INVALID_TRANSITION,
        )
    now = timezone.now()
    _check_property_time(locked_property, starts_at, now, exclude=visit.pk)
    booking = scheduling.booking_reschedule(
        booking_id=visit.booking_id,
        starts_at=starts_at,
        policy=VISIT_POLICY,
        by_client=by_visitor,
        actor=actor,
        reason=reason,
    )
    visit = _locked(visit)
    visit.starts_at = booking.starts_at
    visit.ends_at = booking.ends_at
    visit.save(update_fields=["starts_at", "ends_at", "updated_at"])
    if not by_visitor:
        visit_notices.guest_notify(visit, "rescheduled")
    return visit


# --- The agent's visiting hours --------------------------------------------------------------


@transaction.atomic
def agent_visit_hours_set(*, organization: Organization, agent, rules: list[dict]) -> Resource:
    """Replace the agent's weekly visiting hours in the agency (the rules of their
    scheduling resource, created with the defaults on first use): every visit of every
    property of theirs is then offered and booked only inside them (and inside each
    property's own hours). 400 ``rule_overlap`` / ``invalid`` from the engine. No rules:
    the agent takes no visits. Visits already booked stay."""
    resource = agent_resource_ensure(organization=organization, agent=agent)
    Resource.objects.select_for_update(of=("self",)).filter(pk=resource.pk).first()
    for rule in list(resource.rules.all()):
        scheduling.rule_delete(organization=organization, rule_id=rule.pk)
    if rules:
        scheduling.rules_create(organization=organization, resource_id=resource.pk, rules=rules)
    return resource


# --- Blocked dates ---------------------------------------------------------------------------


@transaction.atomic
def visit_block_create(
    *, prop: Property, starts_on: date, ends_on: date, reason: str = "", actor=None
) -> VisitBlock:
    """Block ``starts_on`` to ``ends_on`` (local dates, inclusive) for visits of the
    property: no slot is offered and no visit booked or moved on them. Visits already
    booked on them stay (the agency cancels or moves them). 400 ``invalid`` for an end
    before the start, an end in the past or more than a year ahead; 409
    ``too_many_visit_blocks`` past :data:`MAX_VISIT_BLOCKS`."""
    locked = Property.objects.select_for_update(of=("self",)).get(pk=prop.pk)
    today = timezone.now().astimezone(zone(prop.organization.time_zone)).date()
    if ends_on < starts_on:
        message = _("The end must be on or after the start.")
        raise ValidationFailed(message, fields={"ends_on": [message]})
    if ends_on < today:
        message = _("These dates are in the past.")
        raise ValidationFailed(message, fields={"ends_on": [message]})
    if ends_on > today + BLOCK_MAX_AHEAD:
        message = _("Block dates at most a year ahead.")
        raise ValidationFailed(message, fields={"ends_on": [message]})
    if VisitBlock.objects.filter(property=locked, ends_on__gte=today).count() >= MAX_VISIT_BLOCKS:
        raise Conflict(
            _("This property has too many blocked dates: remove some first."),
            code=RealEstateError.TOO_MANY_VISIT_BLOCKS,
        )
    return VisitBlock.objects.create(
        organization=prop.organization,
        property=locked,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by=actor,
    )


@transaction.atomic
def visit_block_delete(*, prop: Property, block_id) -> None:
    """Remove a blocked period of the property (404 ``visit_block_not_found``)."""
    key = parse_uuid(block_id)
    deleted = 0
    if key is not None:
        deleted, _rows = VisitBlock.objects.filter(property=prop, pk=key).delete()
    if not deleted:
        raise NotFound(code=RealEstateError.VISIT_BLOCK_NOT_FOUND)
