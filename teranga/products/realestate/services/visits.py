"""Writes of visits. Each runs in one transaction: it asks the scheduling engine to book
or move the visit's booking (the engine takes its locks — the agent's resource, then the
visitor's user row, then the booking —, checks the slot, writes the history, announces
the change to the registered visitor and the agent, and later reminds them), then keeps
the :class:`Visit` row in step. A guest visitor is told by SMS (``..visit_notices``).

The property's row is locked first when a visit is booked, so two visits of one
property never take the same time, even with different agents.

Transitions (409 ``visit_invalid_transition`` otherwise):
requested → confirmed | cancelled; confirmed → done | no_show | cancelled. Done and
no-show only once the visit has started (409 ``visit_not_started``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, ValidationFailed
from teranga.core.phones import phone_e164
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.availability import free_slots
from teranga.platform.scheduling.errors import SchedulingError
from teranga.platform.scheduling.models import Resource, ResourceKind

from .. import visit_notices
from ..errors import RealEstateError
from ..models import Property, PropertyVisitHours, Visit, VisitStatus
from ..selectors.visits import (
    OFFERING,
    SOURCE,
    VISIT_POLICY,
    VISITABLE,
    agent_resource,
    property_busy,
    property_hours_resource,
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


@dataclass(frozen=True)
class Guest:
    """A visitor without an account: the name and phone the agency took down."""

    name: str
    phone: str


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


def _check_property_time(prop: Property, starts_at: datetime, now: datetime) -> None:
    """Inside the property's visiting hours (when it has any), and not taken by another
    visit of it."""
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
    ends_at = starts_at + VISIT_POLICY.duration
    if property_busy(prop, starts_at, ends_at):
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
