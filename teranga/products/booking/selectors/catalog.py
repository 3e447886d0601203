"""Reads of the Booking catalogue: categories, services (public and of an organisation),
free slots, and the availability objects staff manage (resources, rules, overrides).

Who sees what (checked here, through ``organizations.access``):

* a service is public when it is active and its organisation is verified; anyone else
  (inactive service, unverified organisation) only exists for the organisation's agents
  and above, and for staff — everyone else gets 404;
* resources, rules and overrides: agents and above read, managers and above write; an
  object of another organisation is 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization, VerificationStatus
from teranga.platform.scheduling.availability import Slot, free_slots, zone
from teranga.platform.scheduling.models import AvailabilityOverride, AvailabilityRule, Resource
from teranga.products.booking.errors import BookingError

from ..models import Service, ServiceCategory, ServiceImage

#: Reading an organisation's catalogue and availability (agents and above, staff).
CATALOG_VIEW = "scheduling.view"
#: Changing services, resources and availability (managers and above).
CATALOG_MANAGE = "booking.catalog.manage"

SLOTS_DEFAULT_RANGE = timedelta(days=7)
SLOTS_MAX_RANGE = timedelta(days=62)


# --- Categories -----------------------------------------------------------------------------


def categories() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.order_by("position", "name")


# --- Services -------------------------------------------------------------------------------


def _services() -> QuerySet[Service]:
    """Services with everything their representation needs (a fixed number of queries)."""
    return Service.objects.select_related(
        "organization", "organization__region", "category"
    ).prefetch_related(
        "tags",
        Prefetch("images", queryset=ServiceImage.objects.order_by("position", "created_at")),
    )


def public_services() -> QuerySet[Service]:
    """Active services of verified organisations (filters: ``api.filters``)."""
    return _services().filter(
        is_active=True, organization__verification_status=VerificationStatus.VERIFIED
    )


def organization_services(*, organization: Organization) -> QuerySet[Service]:
    """Every service of ``organization``, inactive ones included (for its staff)."""
    return _services().filter(organization=organization)


def is_public(service: Service) -> bool:
    return service.is_active and service.organization.is_verified


def _visible(queryset: QuerySet[Service], user, service_id) -> Service:
    service = queryset.filter(pk=service_id).first()
    if service is None:
        raise NotFound(code=BookingError.SERVICE_NOT_FOUND)
    if not is_public(service) and not access.can(user, service.organization, CATALOG_VIEW):
        raise NotFound(code=BookingError.SERVICE_NOT_FOUND)
    return service


def service_get(*, user, service_id) -> Service:
    """A service ``user`` may see: public, or of an organisation where they are an agent
    or above (or staff). 404 otherwise."""
    return _visible(_services(), user, service_id)


def service_for(*, user, service_id, action: str = CATALOG_MANAGE) -> Service:
    """The service if ``user`` may do ``action`` on its organisation: 404 when it does not
    exist or the user is not a member, 403 when the role is too low."""
    service = Service.objects.filter(pk=service_id).select_related("organization").first()
    return _ensure(user, service, action, BookingError.SERVICE_NOT_FOUND)


# --- Slots ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceSlots:
    service: Service
    time_zone: str
    range_from: datetime
    range_to: datetime
    slots: list[Slot]


def _as_utc(value: date | datetime | None, tz) -> datetime | None:
    """A date is local midnight in ``tz``; a naive datetime is local time in ``tz``."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def service_slots(
    *, user, service_id, range_from: date | datetime | None, range_to: date | datetime | None
) -> ServiceSlots:
    """The free slots of a service starting in ``[range_from, range_to)``.

    Defaults: from now, for 7 days. At most 62 days (400 ``range_too_long``); the end must
    be after the start (400 ``invalid_range``). An inactive resource has no slots.
    """
    service = _visible(
        Service.objects.select_related("organization", "resource", "resource__organization"),
        user,
        service_id,
    )
    tz_name = service.organization.time_zone
    tz = zone(tz_name)
    start = _as_utc(range_from, tz) or timezone.now().astimezone(UTC)
    end = _as_utc(range_to, tz) or start + SLOTS_DEFAULT_RANGE
    if end <= start:
        message = _("The end of the range must be after its start.")
        raise ValidationFailed(message, code=BookingError.INVALID_RANGE, fields={"to": [message]})
    if end - start > SLOTS_MAX_RANGE:
        message = _("Ask for at most %(days)d days at a time.") % {"days": SLOTS_MAX_RANGE.days}
        raise ValidationFailed(message, code=BookingError.RANGE_TOO_LONG, fields={"to": [message]})
    resource = service.resource
    slots = (
        free_slots(
            resource,
            service.slot_policy(),
            offering=service.offering_key,
            range_from=start,
            range_to=end,
        )
        if resource.is_active
        else []
    )
    return ServiceSlots(service, tz_name, start, end, slots)


# --- Resources, rules, overrides ------------------------------------------------------------


def _ensure(user, obj, action: str, code: str):
    if obj is None:
        raise NotFound(code=code)
    try:
        access.ensure(user, obj.organization, action)
    except NotFound:
        raise NotFound(code=code)
    return obj


def organization_for(*, user, organization_id, action: str = CATALOG_VIEW) -> Organization:
    """The organisation named in a query or body, access checked (404 / 403)."""
    return access.get_organization_for(user, organization_id, action)


def resource_for(*, user, resource_id, action: str = CATALOG_VIEW) -> Resource:
    resource = (
        Resource.objects.filter(pk=resource_id)
        .select_related("organization", "branch", "user")
        .first()
    )
    return _ensure(user, resource, action, BookingError.RESOURCE_NOT_FOUND)


def organization_resources(*, user, organization_id) -> QuerySet[Resource]:
    """The resources of an organisation (agents and above, staff); the organisation must
    be given (400 ``organization_required``)."""
    if organization_id is None:
        message = _("Give the organisation.")
        raise ValidationFailed(
            message, code=BookingError.ORGANIZATION_REQUIRED, fields={"organization": [message]}
        )
    organization = organization_for(user=user, organization_id=organization_id)
    return Resource.objects.filter(organization=organization).select_related("branch", "user")


def availability_scope(
    *, user, organization_id=None, resource_id=None, action: str = CATALOG_VIEW
) -> tuple[Organization, Resource | None]:
    """The organisation (and resource) a list of rules or overrides is about: a
    ``resource``, or else an ``organization``, must be given (400 ``scope_required``)."""
    if resource_id is not None:
        resource = resource_for(user=user, resource_id=resource_id, action=action)
        return resource.organization, resource
    if organization_id is not None:
        return organization_for(user=user, organization_id=organization_id, action=action), None
    message = _("Give a resource or an organisation.")
    raise ValidationFailed(
        message, code=BookingError.SCOPE_REQUIRED, fields={"resource": [message]}
    )


def rule_for(*, user, rule_id, action: str = CATALOG_VIEW) -> AvailabilityRule:
    rule = AvailabilityRule.objects.filter(pk=rule_id).select_related("organization").first()
    return _ensure(user, rule, action, BookingError.RULE_NOT_FOUND)


def availability_rules(
    *, user, organization_id=None, resource_id=None
) -> QuerySet[AvailabilityRule]:
    """Weekly rules of a resource, or of every resource of an organisation."""
    organization, resource = availability_scope(
        user=user, organization_id=organization_id, resource_id=resource_id
    )
    queryset = AvailabilityRule.objects.filter(organization=organization)
    if resource is not None:
        queryset = queryset.filter(resource=resource)
    return queryset.order_by("resource__name", "weekday", "starts_at", "valid_from")


def override_for(*, user, override_id, action: str = CATALOG_VIEW) -> AvailabilityOverride:
    override = (
        AvailabilityOverride.objects.filter(pk=override_id).select_related("organization").first()
    )
    return _ensure(user, override, action, BookingError.OVERRIDE_NOT_FOUND)


def availability_overrides(
    *, user, organization_id=None, resource_id=None
) -> QuerySet[AvailabilityOverride]:
    organization, resource = availability_scope(
        user=user, organization_id=organization_id, resource_id=resource_id
    )
    queryset = AvailabilityOverride.objects.filter(organization=organization)
    if resource is not None:
        queryset = queryset.filter(resource=resource)
    return queryset.order_by("date", "starts_at")


def _falls_on_its_weekday(weekday: int, first: date | None, last: date | None) -> bool:
    """Whether ``[first, last]`` (None: unbounded) holds a day of ``weekday``."""
    if first is None or last is None:
        return True
    return first + timedelta(days=(weekday - first.weekday()) % 7) <= last


def rules_valid_between(
    queryset: QuerySet[AvailabilityRule], date_from: date | None, date_to: date | None
) -> QuerySet[AvailabilityRule]:
    """Rules that apply on at least one day of ``[date_from, date_to]`` (either end may
    be open): a day of the rule's weekday, inside the rule's own date range if it has
    one. ``date_from == date_to`` gives the rules of that date."""
    if date_from is not None:
        queryset = queryset.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=date_from))
    if date_to is not None:
        queryset = queryset.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=date_to))
    if date_from is None and date_to is None:
        return queryset
    if date_from is not None and date_to is not None and (date_to - date_from).days < 6:
        days = (date_to - date_from).days + 1
        weekdays = {(date_from + timedelta(days=n)).weekday() for n in range(max(days, 0))}
        queryset = queryset.filter(weekday__in=weekdays)
    # A rule whose own dates cut the range short may miss its weekday in what is left:
    # those few are checked one by one (one query).
    cut = Q(valid_from__isnull=False) if date_from is None else Q(valid_from__gt=date_from)
    cut |= Q(valid_until__isnull=False) if date_to is None else Q(valid_until__lt=date_to)
    missing = [
        pk
        for pk, weekday, valid_from, valid_until in queryset.filter(cut)
        .order_by()
        .values_list("pk", "weekday", "valid_from", "valid_until")
        if not _falls_on_its_weekday(
            weekday,
            max(filter(None, (date_from, valid_from)), default=None),
            min(filter(None, (date_to, valid_until)), default=None),
        )
    ]
    return queryset.exclude(pk__in=missing) if missing else queryset
