"""Reads of visits: who may see and act on one, the lists, and the free visit slots of a
property (the agent's availability intersected with the property's visiting hours,
through the scheduling engine's slot computation).

Who sees what (checked here, through ``organizations.access``):

* the visitor (a registered client) sees their own visits;
* the agency's agents and above (and platform staff) see every visit of the agency
  (``realestate.visits.view``); a member below agent gets 403;
* the agent of a visit and the agency's managers and above act on it (confirm, done,
  no-show, notes: ``realestate.visits.manage`` plus being its agent or a manager);
* anyone else gets 404 ``visit_not_found``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations import access
from teranga.platform.scheduling.availability import Slot, SlotPolicy, free_slots, zone
from teranga.platform.scheduling.models import Resource, ResourceKind

from ..errors import RealEstateError
from ..models import (
    Property,
    PropertyStatus,
    PropertyVisitHours,
    Visit,
    VisitBlock,
    VisitStatus,
)
from .access import PROPERTIES_MANAGE, property_visible

VISITS_VIEW = "realestate.visits.view"
VISITS_MANAGE = "realestate.visits.manage"

#: The scheduling engine's name for visits (``Booking.source``) and what is booked.
SOURCE = "realestate.visit"
OFFERING = "visit"
#: A visit lasts an hour, starts on the half hour, leaves the agent a quarter of an hour
#: to get to the next one, is booked at least two hours and at most 90 days ahead.
VISIT_POLICY = SlotPolicy(
    duration=timedelta(hours=1),
    interval=timedelta(minutes=30),
    buffer_after=timedelta(minutes=15),
    min_notice=timedelta(hours=2),
    max_advance=timedelta(days=90),
)
#: Statuses of a visit that take the property's time.
OCCUPYING = (VisitStatus.REQUESTED, VisitStatus.CONFIRMED)
#: Properties that can be visited.
VISITABLE = (PropertyStatus.AVAILABLE, PropertyStatus.UNDER_OFFER)
SLOTS_DEFAULT_RANGE = timedelta(days=7)
SLOTS_MAX_RANGE = timedelta(days=31)


def _not_found() -> NotFound:
    return NotFound(_("No such visit."), code=RealEstateError.VISIT_NOT_FOUND)


# --- Access ---------------------------------------------------------------------------------


def _visits() -> QuerySet[Visit]:
    return Visit.objects.select_related(
        "organization", "property", "agent", "visitor", "property__organization"
    )


def visit_get(visit_id) -> Visit:
    key = parse_uuid(visit_id)
    visit = _visits().filter(pk=key).first() if key is not None else None
    if visit is None:
        raise _not_found()
    return visit


def is_staff_of(user, visit: Visit) -> bool:
    """Whether ``user`` reads ``visit`` as its agency's staff (notes, the guest's phone)."""
    if user is None or not user.is_authenticated:
        return False
    return visit.agent_id == user.pk or access.can(user, visit.organization, VISITS_VIEW)


def visit_for_viewer(*, user, visit_id) -> Visit:
    """The visit if ``user`` is its visitor, its agent or the agency's staff: 404 for
    anyone else, 403 for a member of the agency whose role is too low."""
    visit = visit_get(visit_id)
    if user is not None and user.is_authenticated:
        if user.pk in (visit.visitor_id, visit.agent_id):
            visit.viewer_is_staff = user.pk == visit.agent_id
            return visit
        verdict = access.decide(
            user, visit.organization, VISITS_VIEW, access.membership_of(user, visit.organization)
        )
        if verdict == "allow":
            visit.viewer_is_staff = True
            return visit
        if verdict == "forbid":
            raise Forbidden()
    raise _not_found()


def visit_for_manager(*, user, visit_id) -> Visit:
    """The visit if ``user`` may act on it as the agency: its agent (agents and above),
    or a manager of the agency and above. 404 for anyone outside, 403 for the others."""
    visit = visit_get(visit_id)
    membership = access.membership_of(user, visit.organization)
    verdict = access.decide(user, visit.organization, VISITS_MANAGE, membership)
    if verdict == "hide":
        if user.is_authenticated and user.pk == visit.visitor_id:
            raise Forbidden(_("Only the agency can do this."))
        raise _not_found()
    if verdict == "forbid":
        raise Forbidden()
    if visit.agent_id != user.pk and not access.can(
        user, visit.organization, PROPERTIES_MANAGE, membership
    ):
        raise Forbidden(_("Only the visit's agent or a manager can do this."))
    visit.viewer_is_staff = True
    return visit


def visit_for_participant(*, user, visit_id) -> tuple[Visit, bool]:
    """The visit and whether ``user`` acts on it as the agency (else as its visitor):
    for cancelling and feedback, which both sides may do."""
    visit = visit_get(visit_id)
    if user.is_authenticated and user.pk == visit.visitor_id and user.pk != visit.agent_id:
        membership = access.membership_of(user, visit.organization)
        if not access.can(user, visit.organization, VISITS_MANAGE, membership):
            visit.viewer_is_staff = False
            return visit, False
    return visit_for_manager(user=user, visit_id=visit_id), True


# --- Lists ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitFilters:
    status: str | None = None
    property_id: object = None
    agent_id: object = None
    starts_from: datetime | None = None
    ends_before: datetime | None = None


def visits_list(*, user, organization=None, filters: VisitFilters = VisitFilters()):
    """The visits ``user`` may see: all of ``organization`` (its staff: checked by the
    caller through ``organizations.access``), else their own (as visitor or agent).
    Newest start first."""
    if organization is not None:
        queryset = _visits().filter(organization=organization)
    else:
        queryset = _visits().filter(Q(visitor=user) | Q(agent=user))
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.property_id:
        queryset = queryset.filter(property_id=filters.property_id)
    if filters.agent_id:
        queryset = queryset.filter(agent_id=filters.agent_id)
    if filters.starts_from:
        queryset = queryset.filter(starts_at__gte=filters.starts_from)
    if filters.ends_before:
        queryset = queryset.filter(starts_at__lt=filters.ends_before)
    return queryset


def visits_of_visitor(*, user) -> QuerySet[Visit]:
    """Every visit where ``user`` is the visitor (the GDPR export)."""
    return Visit.objects.filter(visitor=user).select_related("property", "organization")


# --- Slots ----------------------------------------------------------------------------------


def agent_resource(*, organization, agent) -> Resource | None:
    """The scheduling resource of ``agent`` in the agency, if there is one."""
    if agent is None:
        return None
    return (
        Resource.objects.select_related("organization", "branch")
        .filter(organization=organization, user=agent, kind=ResourceKind.STAFF, is_active=True)
        .order_by("created_at")
        .first()
    )


def property_hours_resource(prop: Property) -> Resource | None:
    hours = (
        PropertyVisitHours.objects.select_related("resource", "resource__organization")
        .filter(property=prop)
        .first()
    )
    return hours.resource if hours is not None else None


def property_visit_rules(prop: Property) -> list:
    """The weekly rules of the property's visiting hours (empty: it has none)."""
    from teranga.platform.scheduling.models import AvailabilityRule

    return list(
        AvailabilityRule.objects.filter(
            resource__in=PropertyVisitHours.objects.filter(property=prop).values("resource")
        ).order_by("weekday", "starts_at")
    )


def property_busy(prop: Property, range_from: datetime, range_to: datetime, *, exclude=None):
    """(start, end) of the visits taking the property's time in the range."""
    queryset = Visit.objects.filter(
        property=prop, status__in=OCCUPYING, starts_at__lt=range_to, ends_at__gt=range_from
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return list(queryset.values_list("starts_at", "ends_at"))


def agent_visit_rules(*, organization, agent) -> list:
    """The weekly rules of the agent's visiting hours in the agency (its scheduling
    resource; the defaults once it exists). Empty when the agent has none yet."""
    from teranga.platform.scheduling.models import AvailabilityRule

    resource = agent_resource(organization=organization, agent=agent)
    if resource is None:
        return []
    return list(AvailabilityRule.objects.filter(resource=resource).order_by("weekday", "starts_at"))


def visit_blocks_list(prop: Property) -> QuerySet[VisitBlock]:
    """The property's blocked dates, the earliest first."""
    return VisitBlock.objects.filter(property=prop).order_by("starts_on", "id")


def blocked_dates(prop: Property, first: date, last: date) -> set[date]:
    """The local dates from ``first`` to ``last`` (inclusive) that a block of the
    property covers (one query)."""
    days: set[date] = set()
    rows = VisitBlock.objects.filter(
        property=prop, starts_on__lte=last, ends_on__gte=first
    ).values_list("starts_on", "ends_on")
    for starts_on, ends_on in rows:
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            days.add(day)
            day += timedelta(days=1)
    return days


def slot_is_blocked(prop: Property, starts_at: datetime, ends_at: datetime, tz) -> bool:
    """Whether a visit from ``starts_at`` to ``ends_at`` falls on a blocked date."""
    first = starts_at.astimezone(tz).date()
    last = (ends_at - timedelta(microseconds=1)).astimezone(tz).date()
    return bool(blocked_dates(prop, first, last))


def _as_utc(value, tz, *, end: bool = False) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = value.replace(tzinfo=tz)
        return value.astimezone(UTC)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    return None


@dataclass(frozen=True)
class VisitSlots:
    property: Property
    time_zone: str
    slots: list[Slot]


def visit_slots(*, user, property_id, range_from=None, range_to=None) -> VisitSlots:
    """The free visit slots of a property starting in ``[range_from, range_to)`` (dates
    are local days, ``to`` inclusive): those of its agent's availability, inside the
    property's visiting hours when it has any, not on its blocked dates, not taken by
    another visit of it. Default:
    the next 7 days; at most 31 (400 ``visit_invalid_range``). Same visibility as the
    property (404 ``property_not_found``)."""
    prop, _staff = property_visible(
        user=user,
        property_id=property_id,
        queryset=Property.objects.select_related("organization", "agent"),
    )
    tz_name = prop.organization.time_zone
    tz = zone(tz_name)
    start = _as_utc(range_from, tz) or timezone.now().astimezone(UTC)
    end = _as_utc(range_to, tz, end=True) or start + SLOTS_DEFAULT_RANGE
    if end <= start:
        message = _("The end of the range must be after its start.")
        raise ValidationFailed(
            message, code=RealEstateError.VISIT_INVALID_RANGE, fields={"to": [message]}
        )
    if end - start > SLOTS_MAX_RANGE:
        message = _("Ask for at most %(days)d days at a time.") % {"days": SLOTS_MAX_RANGE.days}
        raise ValidationFailed(
            message, code=RealEstateError.VISIT_INVALID_RANGE, fields={"to": [message]}
        )
    resource = agent_resource(organization=prop.organization, agent=prop.agent)
    if prop.status not in VISITABLE or resource is None:
        return VisitSlots(prop, tz_name, [])
    slots = free_slots(resource, VISIT_POLICY, offering=OFFERING, range_from=start, range_to=end)
    hours = property_hours_resource(prop)
    if hours is not None and slots:
        open_starts = {
            slot.starts_at
            for slot in free_slots(
                hours, VISIT_POLICY, offering=OFFERING, range_from=start, range_to=end
            )
        }
        slots = [slot for slot in slots if slot.starts_at in open_starts]
    if slots:
        blocked = blocked_dates(
            prop, slots[0].starts_at.astimezone(tz).date(), slots[-1].ends_at.astimezone(tz).date()
        )
        if blocked:
            slots = [
                slot
                for slot in slots
                if slot.starts_at.astimezone(tz).date() not in blocked
                and (slot.ends_at - timedelta(microseconds=1)).astimezone(tz).date() not in blocked
            ]
    if slots:
        busy = property_busy(prop, slots[0].starts_at, slots[-1].ends_at)
        slots = [
            slot
            for slot in slots
            if not any(b_start < slot.ends_at and b_end > slot.starts_at for b_start, b_end in busy)
        ]
    return VisitSlots(prop, tz_name, slots)


# --- Links ----------------------------------------------------------------------------------


def visit_link_target(user, visit_id) -> Visit:
    """The visit of a link (``/o/realestate.visit/<id>/``), if ``user`` may see it."""
    return visit_for_viewer(user=user, visit_id=visit_id)


def visit_link_rows(visit: Visit) -> list[tuple]:
    from teranga.core.links import local_time_text

    return [
        (_("Property"), visit.property.title),
        (_("Agency"), visit.organization.name),
        (_("Date"), local_time_text(visit.starts_at, visit.organization.time_zone)),
        (_("Status"), visit.get_status_display()),
    ]


# --- The agent's visiting hours --------------------------------------------------------------


def agency_agent(*, organization, user_id):
    """The member ``user_id`` of the agency whose role is agent or above: 404
    ``agent_not_found`` for anyone else (not a member, a member below agent, a bad id)."""
    from teranga.platform.organizations.models import Membership, Role

    key = parse_uuid(user_id)
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, user_id=key, user__is_active=True)
        .first()
        if key is not None
        else None
    )
    if membership is None or not access.role_at_least(membership.role, Role.AGENT):
        raise NotFound(_("No such agent in this agency."), code=RealEstateError.AGENT_NOT_FOUND)
    return membership.user


# --- Guests ----------------------------------------------------------------------------------


def visit_for_guest_token(token: str) -> Visit:
    """The guest's visit their signed link names (``visit_notices.guest_link``): 404
    ``visit_not_found`` for a token that is not ours or a visit that is not a guest's."""
    from ..visit_notices import guest_token_visit_id

    visit_id = guest_token_visit_id(token)
    if visit_id is None:
        raise _not_found()
    visit = visit_get(visit_id)
    if visit.visitor_id is not None:
        raise _not_found()
    return visit
