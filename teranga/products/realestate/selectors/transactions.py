"""Reads of reservations, contracts and commissions, and who may see and act on them.

* The agency's agents and above (and platform staff) read its reservations, contracts and
  commissions (``realestate.transactions.view``); an agent acts on those of the
  properties assigned to them, managers and above on any
  (``realestate.transactions.manage``), and record commissions by hand.
* A client reads their own reservations, and the contracts whose client record is linked
  to their account (to read what they were sent).
* Commission statements: an agent reads their own, managers and above everyone's.

Another agency's objects (and anyone else's) answer 404; a member whose role is too low 403.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound
from teranga.core.money import Money
from teranga.core.validators import parse_uuid
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization

from ..errors import RealEstateError
from ..models import (
    Commission,
    CommissionShare,
    Contract,
    Reservation,
    TransactionSettings,
)

TRANSACTIONS_VIEW = "realestate.transactions.view"
TRANSACTIONS_MANAGE = "realestate.transactions.manage"


def transaction_settings_of(organization: Organization) -> TransactionSettings:
    """The agency's rules, or the defaults (unsaved) without a row."""
    found = TransactionSettings.objects.filter(organization=organization).first()
    return found or TransactionSettings(organization=organization)


def _verdict(user, organization: Organization, action: str) -> str:
    return access.decide(user, organization, action, access.membership_of(user, organization))


def may_manage_all(user, organization: Organization) -> bool:
    return access.can(user, organization, TRANSACTIONS_MANAGE)


def _acts_on(user, organization: Organization, agent_id) -> None:
    """403 unless ``user`` manages the agency or is the agent in question."""
    if may_manage_all(user, organization):
        return
    if agent_id is not None and agent_id == user.pk:
        return
    raise Forbidden()


# --- Reservations ------------------------------------------------------------------------


def _reservation_not_found() -> NotFound:
    return NotFound(code=RealEstateError.RESERVATION_NOT_FOUND)


def _reservations() -> QuerySet[Reservation]:
    return Reservation.objects.select_related("organization", "property", "user", "client", "agent")


def _reservation(reservation_id) -> Reservation:
    key = parse_uuid(reservation_id)
    found = _reservations().filter(pk=key).first() if key else None
    if found is None:
        raise _reservation_not_found()
    return found


def reservation_for_viewer(*, user, reservation_id) -> Reservation:
    """Its client, or the agency's agents and above (and staff). Sets ``viewer_is_staff``."""
    reservation = _reservation(reservation_id)
    verdict = _verdict(user, reservation.organization, TRANSACTIONS_VIEW)
    if verdict == "allow":
        reservation.viewer_is_staff = True
        return reservation
    if user.is_authenticated and reservation.user_id == user.pk:
        reservation.viewer_is_staff = False
        return reservation
    raise _reservation_not_found()


def reservation_for_agent(*, user, reservation_id) -> Reservation:
    """The reservation if ``user`` acts on it: the property's agent, managers and above."""
    reservation = _reservation(reservation_id)
    verdict = _verdict(user, reservation.organization, TRANSACTIONS_VIEW)
    if verdict == "hide":
        raise _reservation_not_found()
    if verdict == "forbid":
        raise Forbidden()
    _acts_on(user, reservation.organization, reservation.property.agent_id)
    reservation.viewer_is_staff = True
    return reservation


def reservation_of_payer(*, payer, reservation_id) -> Reservation:
    """The payer's own reservation (the payable's quote): others 404."""
    key = parse_uuid(str(reservation_id))
    found = _reservations().filter(pk=key, user=payer).first() if key else None
    if found is None:
        raise _reservation_not_found()
    return found


def reservations_list(
    *, user, organization: Organization | None, status: str | None = None, property_id=None
) -> QuerySet[Reservation]:
    """With ``organization`` (access-checked by the caller): its reservations; without,
    the user's own."""
    rows = _reservations()
    rows = rows.filter(organization=organization) if organization else rows.filter(user=user)
    if status:
        rows = rows.filter(status=status)
    if property_id:
        rows = rows.filter(property_id=property_id)
    return rows.order_by("-created_at", "-id")


def reservation_link_target(user, reservation_id) -> Reservation:
    return reservation_for_viewer(user=user, reservation_id=reservation_id)


def reservation_link_rows(reservation: Reservation) -> list[tuple]:
    return [
        (_("Property"), reservation.property.title),
        (_("Deposit"), Money(int(reservation.deposit_amount), reservation.currency).format()),
        (_("Status"), reservation.get_status_display()),
    ]


# --- Contracts ---------------------------------------------------------------------------


def _contract_not_found() -> NotFound:
    return NotFound(code=RealEstateError.CONTRACT_NOT_FOUND)


def _contracts() -> QuerySet[Contract]:
    return Contract.objects.select_related("organization", "property", "client", "reservation")


def _contract(contract_id) -> Contract:
    key = parse_uuid(contract_id)
    found = _contracts().filter(pk=key).first() if key else None
    if found is None:
        raise _contract_not_found()
    return found


def contract_for_staff(*, user, contract_id) -> Contract:
    """Read by the agency's agents and above (and staff)."""
    contract = _contract(contract_id)
    verdict = _verdict(user, contract.organization, TRANSACTIONS_VIEW)
    if verdict == "hide":
        raise _contract_not_found()
    if verdict == "forbid":
        raise Forbidden()
    return contract


def contract_for_agent(*, user, contract_id) -> Contract:
    """Changed by the property's agent, managers and above."""
    contract = contract_for_staff(user=user, contract_id=contract_id)
    _acts_on(user, contract.organization, contract.property.agent_id)
    return contract


def contract_for_reader(*, user, contract_id) -> Contract:
    """The agency's staff, or the client the contract was sent to (its PDF)."""
    contract = _contract(contract_id)
    if _verdict(user, contract.organization, TRANSACTIONS_VIEW) == "allow":
        return contract
    client_user = contract.client.user_id if contract.client_id else None
    if user.is_authenticated and client_user == user.pk and contract.status != "draft":
        return contract
    raise _contract_not_found()


def contract_writer_check(*, user, prop) -> None:
    """Contracts of a property are written by its agent, managers and above (403)."""
    _acts_on(user, prop.organization, prop.agent_id)


def contracts_list(
    *, organization: Organization, status: str | None = None, kind: str | None = None
) -> QuerySet[Contract]:
    rows = _contracts().filter(organization=organization)
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-id")


def contract_link_target(user, contract_id) -> Contract:
    return contract_for_reader(user=user, contract_id=contract_id)


def contract_link_rows(contract: Contract) -> list[tuple]:
    return [
        (_("Contract"), contract.get_kind_display()),
        (_("Property"), contract.property.title),
        (_("Agency"), contract.organization.name),
        (_("Status"), contract.get_status_display()),
    ]


# --- Commissions -------------------------------------------------------------------------


def commissions_list(
    *, organization: Organization, agent_id=None, date_from=None, date_to=None
) -> QuerySet[Commission]:
    rows = (
        Commission.objects.filter(organization=organization)
        .select_related("property")
        .prefetch_related("shares__agent")
    )
    if agent_id:
        rows = rows.filter(shares__agent_id=agent_id).distinct()
    if date_from:
        rows = rows.filter(deal_date__gte=date_from)
    if date_to:
        rows = rows.filter(deal_date__lte=date_to)
    return rows.order_by("-deal_date", "-created_at", "id")


def agency_agent(*, organization: Organization, agent_id):
    """A member of the agency (404 ``not_found`` for anyone else)."""
    from teranga.platform.organizations.models import Membership

    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, user_id=agent_id)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership.user


def statement_agent_check(*, user, organization: Organization, agent_id) -> None:
    """An agent reads their own statement; managers and above anyone's (403)."""
    if agent_id != user.pk and not may_manage_all(user, organization):
        raise Forbidden(_("Only managers read another agent's statement."))


@dataclass(frozen=True)
class StatementLine:
    deal_date: date
    property_title: str
    role: str
    role_label: str
    deal_price: int
    commission: int
    amount: int
    currency: str


@dataclass(frozen=True)
class Statement:
    organization: Organization
    agent: object
    date_from: date
    date_to: date
    lines: list[StatementLine]
    #: Totals per currency (a deal's currency is the property's).
    totals: dict[str, int]


def commission_statement(
    *, organization: Organization, agent, date_from: date, date_to: date
) -> Statement:
    """The agent's shares of the deals dated in ``[date_from, date_to]``, oldest first."""
    shares = (
        CommissionShare.objects.filter(
            organization=organization,
            agent=agent,
            commission__deal_date__gte=date_from,
            commission__deal_date__lte=date_to,
        )
        .select_related("commission__property")
        .order_by("commission__deal_date", "commission__created_at", "role")
    )
    lines: list[StatementLine] = []
    totals: dict[str, int] = {}
    for share in shares:
        commission = share.commission
        lines.append(
            StatementLine(
                deal_date=commission.deal_date,
                property_title=commission.property.title,
                role=share.role,
                role_label=str(share.get_role_display()),
                deal_price=int(commission.deal_price),
                commission=int(commission.total_amount),
                amount=int(share.amount),
                currency=commission.currency,
            )
        )
        totals[commission.currency] = totals.get(commission.currency, 0) + int(share.amount)
    return Statement(organization, agent, date_from, date_to, lines, totals)


def statement_csv(statement: Statement) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets), amounts in minor units."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        ["deal_date", "property", "role", "deal_price", "commission", "share", "currency"]
    )
    for line in statement.lines:
        writer.writerow(
            [
                line.deal_date.isoformat(),
                _csv_safe(line.property_title),
                line.role,
                line.deal_price,
                line.commission,
                line.amount,
                line.currency,
            ]
        )
    for currency, total in sorted(statement.totals.items()):
        writer.writerow(["total", "", "", "", "", total, currency])
    return ("\ufeff" + output.getvalue()).encode()


def _csv_safe(value: str) -> str:
    """No formula injection in spreadsheets."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def agent_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email.split("@")[0]


def statement_rows_text(statement: Statement) -> list[dict]:
    """Lines with their amounts written out, for the PDF."""
    return [
        {
            "line": line,
            "deal_price": Money(line.deal_price, line.currency).format(),
            "commission": Money(line.commission, line.currency).format(),
            "amount": Money(line.amount, line.currency).format(),
        }
        for line in statement.lines
    ]
