"""Resources and their availability: weekly rules (single, bulk, generated for a date
range; never overlapping) and date overrides. A change that can leave bookings outside
the availability re-checks them (``bookings.bookings_recheck``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed, refuse_unknown_fields
from teranga.platform.organizations.models import Organization, period_errors
from teranga.platform.scheduling.errors import SchedulingError

from ..models import (
    AvailabilityOverride,
    AvailabilityRule,
    Booking,
    OverrideKind,
    Resource,
)
from .bookings import bookings_recheck

# --- Resources --------------------------------------------------------------------------

RESOURCE_FIELDS = {"name", "kind", "branch", "user", "is_active"}


def _check_resource_links(organization: Organization, fields: dict[str, Any]) -> None:
    branch = fields.get("branch")
    if branch is not None and branch.organization_id != organization.pk:
        raise ValidationFailed(fields={"branch": [_("This branch is not in this organisation.")]})
    user = fields.get("user")
    if user is not None and not user.memberships.filter(organization=organization).exists():
        raise ValidationFailed(fields={"user": [_("This person is not a member.")]})


@transaction.atomic
def resource_create(*, organization: Organization, name: str, **fields: Any) -> Resource:
    refuse_unknown_fields(fields, RESOURCE_FIELDS)
    _check_resource_links(organization, fields)
    return Resource.objects.create(organization=organization, name=name, **fields)


def _get_resource(organization: Organization, resource_id, *, lock: bool = False) -> Resource:
    queryset = Resource.objects.filter(organization=organization, pk=resource_id)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    resource = queryset.select_related("organization").first()
    if resource is None:
        raise NotFound(code=SchedulingError.RESOURCE_NOT_FOUND)
    return resource


@transaction.atomic
def resource_update(*, organization: Organization, resource_id, **fields: Any) -> Resource:
    resource = _get_resource(organization, resource_id, lock=True)
    refuse_unknown_fields(fields, RESOURCE_FIELDS)
    _check_resource_links(organization, fields)
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.save()
    if "branch" in fields:
        bookings_recheck(organization_id=organization.pk, resource_ids=[resource.pk])
    return resource


@transaction.atomic
def resource_delete(*, organization: Organization, resource_id) -> None:
    """Delete a resource that was never booked; one with bookings is deactivated."""
    resource = _get_resource(organization, resource_id, lock=True)
    if Booking.objects.filter(resource=resource).exists():
        raise Conflict(
            _("This resource has bookings: deactivate it instead."),
            code=SchedulingError.RESOURCE_HAS_BOOKINGS,
        )
    resource.delete()


# --- Availability rules -----------------------------------------------------------------

RULE_FIELDS = (
    "weekday",
    "starts_at",
    "ends_at",
    "break_start",
    "break_end",
    "valid_from",
    "valid_until",
)


def _dates_overlap(a_from, a_until, b_from, b_until) -> bool:
    return (a_until is None or b_from is None or b_from <= a_until) and (
        b_until is None or a_from is None or a_from <= b_until
    )


def _rule_errors(rule: dict[str, Any]) -> dict[str, str]:
    errors = period_errors(
        rule.get("starts_at"), rule.get("ends_at"), rule.get("break_start"), rule.get("break_end")
    )
    # period_errors speaks of opening/closing: map to our field names.
    renamed = {"closes_at": "ends_at", "opens_at": "starts_at"}
    errors = {renamed.get(k, k): v for k, v in errors.items()}
    weekday = rule.get("weekday")
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        errors["weekday"] = _("Give a weekday from 0 (Monday) to 6 (Sunday).")
    if (
        rule.get("valid_from")
        and rule.get("valid_until")
        and rule["valid_from"] > rule["valid_until"]
    ):
        errors["valid_until"] = _("The end date must be on or after the start date.")
    return errors


def _overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return (
        a["weekday"] == b["weekday"]
        and a["starts_at"] < b["ends_at"]
        and b["starts_at"] < a["ends_at"]
        and _dates_overlap(
            a.get("valid_from"), a.get("valid_until"), b.get("valid_from"), b.get("valid_until")
        )
    )


def _as_dict(rule: AvailabilityRule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in RULE_FIELDS}


def _validate_rules(resource: Resource, rules: list[dict[str, Any]], *, replacing=None) -> None:
    """Field errors of each new rule, and overlaps with the resource's other rules and
    with each other. Raises ValidationFailed ``rule_overlap`` / ``invalid``."""
    errors: dict[str, Any] = {}
    for index, rule in enumerate(rules):
        problems = _rule_errors(rule)
        if problems:
            errors[str(index)] = {k: [v] for k, v in problems.items()}
    if errors:
        raise ValidationFailed(
            fields={"rules": errors} if len(rules) > 1 else next(iter(errors.values()))
        )
    existing = [
        _as_dict(r)
        for r in AvailabilityRule.objects.filter(resource=resource).exclude(pk=replacing)
    ]
    for index, rule in enumerate(rules):
        others = existing + rules[:index]
        if any(_overlaps(rule, other) for other in others):
            message = _("This rule overlaps another availability rule of the resource.")
            field_errors = {"starts_at": [message]}
            raise ValidationFailed(
                message,
                code=SchedulingError.RULE_OVERLAP,
                fields={"rules": {str(index): field_errors}} if len(rules) > 1 else field_errors,
            )


def _clean_rule(fields: dict[str, Any]) -> dict[str, Any]:
    refuse_unknown_fields(fields, RULE_FIELDS)
    return {name: fields.get(name) for name in RULE_FIELDS}


@transaction.atomic
def rules_create(
    *, organization: Organization, resource_id, rules: list[dict[str, Any]]
) -> list[AvailabilityRule]:
    """Create many rules at once, all or none (bulk creation)."""
    if not rules:
        raise ValidationFailed(fields={"rules": [_("Give at least one rule.")]})
    resource = _get_resource(organization, resource_id, lock=True)
    cleaned = [_clean_rule(rule) for rule in rules]
    _validate_rules(resource, cleaned)
    created = AvailabilityRule.objects.bulk_create(
        [AvailabilityRule(organization=organization, resource=resource, **rule) for rule in cleaned]
    )
    return created


def rule_create(*, organization: Organization, resource_id, **fields: Any) -> AvailabilityRule:
    return rules_create(organization=organization, resource_id=resource_id, rules=[fields])[0]


@transaction.atomic
def rules_generate(
    *,
    organization: Organization,
    resource_id,
    weekdays: Iterable[int],
    starts_at: time,
    ends_at: time,
    valid_from: date,
    valid_until: date,
    break_start: time | None = None,
    break_end: time | None = None,
) -> list[AvailabilityRule]:
    """ "Every Monday and Thursday 9:00–17:00 from 1 March to 30 June": one rule per
    weekday, limited to that date range."""
    days = sorted(set(weekdays))
    if not days:
        raise ValidationFailed(fields={"weekdays": [_("Choose at least one weekday.")]})
    if valid_until < valid_from:
        raise ValidationFailed(
            fields={"valid_until": [_("The end date must be on or after the start date.")]}
        )
    return rules_create(
        organization=organization,
        resource_id=resource_id,
        rules=[
            {
                "weekday": day,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "break_start": break_start,
                "break_end": break_end,
                "valid_from": valid_from,
                "valid_until": valid_until,
            }
            for day in days
        ],
    )


def _get_rule(organization: Organization, rule_id) -> AvailabilityRule:
    rule = (
        AvailabilityRule.objects.filter(organization=organization, pk=rule_id)
        .select_related("resource")
        .first()
    )
    if rule is None:
        raise NotFound(code=SchedulingError.RULE_NOT_FOUND)
    return rule


@transaction.atomic
def rule_update(*, organization: Organization, rule_id, **fields: Any) -> AvailabilityRule:
    rule = _get_rule(organization, rule_id)
    resource = _get_resource(organization, rule.resource_id, lock=True)
    merged = _as_dict(rule)
    merged.update(_clean_rule({**merged, **fields}) if fields else {})
    _validate_rules(resource, [merged], replacing=rule.pk)
    for name, value in merged.items():
        setattr(rule, name, value)
    rule.save()
    bookings_recheck(organization_id=organization.pk, resource_ids=[resource.pk])
    return rule


@transaction.atomic
def rule_delete(*, organization: Organization, rule_id) -> None:
    rule = _get_rule(organization, rule_id)
    _get_resource(organization, rule.resource_id, lock=True)
    resource_id = rule.resource_id
    rule.delete()
    bookings_recheck(organization_id=organization.pk, resource_ids=[resource_id])


# --- Overrides ----------------------------------------------------------------------------


@transaction.atomic
def override_create(
    *,
    organization: Organization,
    resource_id,
    date: date,
    kind: str,
    starts_at: time | None = None,
    ends_at: time | None = None,
    reason: str = "",
) -> AvailabilityOverride:
    resource = _get_resource(organization, resource_id, lock=True)
    if (starts_at is None) != (ends_at is None):
        raise ValidationFailed(fields={"ends_at": [_("Give both times, or neither.")]})
    if starts_at is None and kind == OverrideKind.AVAILABLE:
        raise ValidationFailed(fields={"starts_at": [_("Extra availability needs its hours.")]})
    if starts_at is not None and starts_at >= ends_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})
    override = AvailabilityOverride.objects.create(
        organization=organization,
        resource=resource,
        date=date,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
    )
    if kind == OverrideKind.UNAVAILABLE:
        bookings_recheck(organization_id=organization.pk, resource_ids=[resource.pk])
    return override


@transaction.atomic
def override_delete(*, organization: Organization, override_id) -> None:
    override = AvailabilityOverride.objects.filter(
        organization=organization, pk=override_id
    ).first()
    if override is None:
        raise NotFound(code=SchedulingError.OVERRIDE_NOT_FOUND)
    resource_id = override.resource_id
    override.delete()
    bookings_recheck(organization_id=organization.pk, resource_ids=[resource_id])
