"""Writes of commissions and of the agency's transaction settings.

The rule (``TransactionSettings``): the commission of a deal is a percentage of the deal
price (basis points) or a fixed amount; the listing agent's share and the selling agent's
share are each a percentage of the commission or a fixed amount; the agency keeps the
rest. Shares never exceed the commission: a fixed share larger than what is left is cut to
it (listing first, then selling). A share without an agent stays with the agency.
Rounding: half up, to the currency's minor unit (integer arithmetic only).

The amounts are computed once, when the commission is recorded, and kept with the rule's
values of that moment: changing the rule later does not rewrite past statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, ValidationFailed
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Membership, Organization, Role

from ..errors import RealEstateError
from ..models import (
    Commission,
    CommissionShare,
    Property,
    Reservation,
    ShareKind,
    ShareRole,
    TransactionSettings,
)
from ..models_transactions import FULL_BPS
from ..selectors.transactions import transaction_settings_of


def percent_of(amount: int, bps: int) -> int:
    """``bps`` basis points of ``amount``, rounded half up."""
    return (int(amount) * int(bps) + FULL_BPS // 2) // FULL_BPS


@dataclass(frozen=True)
class Split:
    total: int
    listing: int
    selling: int
    agency: int


def commission_split(
    rule: TransactionSettings, deal_price: int, *, listing: bool = True, selling: bool = True
) -> Split:
    """The commission of a deal at ``deal_price`` and its split under ``rule``;
    ``listing``/``selling``: whether there is such an agent (else the agency keeps it)."""
    if rule.commission_kind == ShareKind.PERCENT:
        total = percent_of(deal_price, rule.commission_value)
    else:
        total = int(rule.commission_value)

    def share(kind: str, value: int, room: int) -> int:
        wanted = percent_of(total, value) if kind == ShareKind.PERCENT else int(value)
        return max(0, min(wanted, room))

    listing_amount = (
        share(rule.listing_share_kind, rule.listing_share_value, total) if listing else 0
    )
    selling_amount = (
        share(rule.selling_share_kind, rule.selling_share_value, total - listing_amount)
        if selling
        else 0
    )
    return Split(total, listing_amount, selling_amount, total - listing_amount - selling_amount)


def _agent_check(organization: Organization, user_id, field: str):
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, user_id=user_id)
        .first()
    )
    if membership is None or not access.role_at_least(membership.role, Role.AGENT):
        message = _("Choose an agent of this agency.")
        raise ValidationFailed(
            message, code=RealEstateError.AGENT_NOT_MEMBER, fields={field: [message]}
        )
    return membership.user


def commission_create(
    *,
    organization: Organization,
    prop: Property,
    actor,
    deal_price: int,
    deal_date: date | None = None,
    listing_agent_id: Any = None,
    selling_agent_id: Any = None,
    reservation: Reservation | None = None,
) -> Commission:
    """Record the commission of a deal on ``prop`` with its agents' shares. The listing
    agent defaults to the property's agent, the selling agent to the reservation's agent
    (else the property's). One commission per reservation (409 ``commission_exists``)."""
    listing = (
        _agent_check(organization, listing_agent_id, "listing_agent")
        if listing_agent_id
        else prop.agent
    )
    if selling_agent_id:
        selling = _agent_check(organization, selling_agent_id, "selling_agent")
    else:
        selling = (reservation.agent if reservation is not None else None) or prop.agent
    rule = transaction_settings_of(organization)
    split = commission_split(
        rule, deal_price, listing=listing is not None, selling=selling is not None
    )
    try:
        with transaction.atomic():
            commission = Commission.objects.create(
                organization=organization,
                property=prop,
                reservation=reservation,
                deal_price=deal_price,
                currency=prop.currency,
                deal_date=deal_date or timezone.localdate(),
                total_amount=split.total,
                agency_amount=split.agency,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            rows = []
            if listing is not None:
                rows.append(
                    (
                        ShareRole.LISTING,
                        listing,
                        rule.listing_share_kind,
                        rule.listing_share_value,
                        split.listing,
                    )
                )
            if selling is not None:
                rows.append(
                    (
                        ShareRole.SELLING,
                        selling,
                        rule.selling_share_kind,
                        rule.selling_share_value,
                        split.selling,
                    )
                )
            CommissionShare.objects.bulk_create(
                [
                    CommissionShare(
                        organization=organization,
                        commission=commission,
                        agent=agent,
                        role=role,
                        kind=kind,
                        value=value,
                        amount=amount,
                    )
                    for role, agent, kind, value, amount in rows
                ]
            )
    except IntegrityError:
        raise Conflict(
            _("This reservation already has its commission."),
            code=RealEstateError.COMMISSION_EXISTS,
        ) from None
    return commission


SETTINGS_FIELDS = {
    "deposit_bps",
    "rent_deposit_months",
    "hold_hours",
    "commission_kind",
    "commission_value",
    "listing_share_kind",
    "listing_share_value",
    "selling_share_kind",
    "selling_share_value",
}


@transaction.atomic
def transaction_settings_update(
    *, organization: Organization, **fields: Any
) -> TransactionSettings:
    """Change the agency's rules. Percentages are at most 100 % (10 000 basis points);
    the two agents' percentage shares together too (400 ``invalid``)."""
    row, _created = TransactionSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    for name, value in fields.items():
        if name in SETTINGS_FIELDS:
            setattr(row, name, value)
    errors: dict[str, list[str]] = {}
    too_much = _("At most 100 % (10000 basis points).")
    for kind_field, value_field in (
        ("commission_kind", "commission_value"),
        ("listing_share_kind", "listing_share_value"),
        ("selling_share_kind", "selling_share_value"),
    ):
        if getattr(row, kind_field) == ShareKind.PERCENT and getattr(row, value_field) > FULL_BPS:
            errors[value_field] = [too_much]
    both_percent = (
        row.listing_share_kind == ShareKind.PERCENT and row.selling_share_kind == ShareKind.PERCENT
    )
    if both_percent and row.listing_share_value + row.selling_share_value > FULL_BPS:
        errors.setdefault("selling_share_value", []).append(
            _("The agents' shares together are at most 100 % of the commission.")
        )
    if errors:
        raise ValidationFailed(fields=errors)
    row.save()
    return row
