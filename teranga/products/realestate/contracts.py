"""The PDFs of transactions (WeasyPrint, as the property sheet): a contract from its
kind's template (``templates/realestate/contracts/<kind>.html``) with the agency's
branding, the parties, the property and the amounts; and an agent's commission statement
(``templates/realestate/statement.html``). Rendered in the active language; the only
images are ``data:`` URLs (the logo): WeasyPrint fetches nothing."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from teranga.core.links import local_time_text
from teranga.core.money import Money

from .models import Contract, ContractKind
from .selectors.transactions import Statement, agent_name, statement_rows_text
from .sheet import _data_url

TEMPLATES = {kind.value: f"realestate/contracts/{kind.value}.html" for kind in ContractKind}


def _pdf(html: str) -> bytes:
    from weasyprint import HTML, URLFetcher

    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"])).write_pdf()


def _money(amount, currency: str) -> str:
    return Money(int(amount), currency).format() if amount else ""


def contract_context(contract: Contract) -> dict:
    prop = contract.property
    organization = contract.organization
    client = contract.client
    reservation = contract.reservation
    agent = prop.agent
    context = {
        "title": contract.get_kind_display(),
        "reference": contract.pk.hex[:8].upper(),
        "today": formats.date_format(timezone.localdate(), "DATE_FORMAT"),
        "organization": organization,
        "logo": _data_url(organization.logo),
        "phone": str(organization.contact_phone or ""),
        "agent": agent_name(agent) if agent else "",
        "client_name": contract.client_name,
        "client_email": client.email if client else "",
        "client_phone": str(client.phone or "") if client else "",
        "property": prop,
        "amount": _money(contract.amount, contract.currency),
        "charges": _money(prop.charges, prop.currency),
        "deposit": _money(prop.deposit, prop.currency),
        "terms": contract.terms,
        "deposit_paid": False,
        "hold_until": "",
        "commission": "",
    }
    if contract.kind == ContractKind.RESERVATION_AGREEMENT and reservation is not None:
        context["deposit"] = _money(reservation.deposit_amount, reservation.currency)
        context["deposit_paid"] = reservation.confirmed_at is not None
        if reservation.hold_expires_at:
            context["hold_until"] = local_time_text(
                reservation.hold_expires_at, organization.time_zone
            )
    if contract.kind == ContractKind.MANDATE:
        from .selectors.transactions import transaction_settings_of
        from .services.commissions import commission_split

        split = commission_split(transaction_settings_of(organization), int(contract.amount))
        context["commission"] = _money(split.total, contract.currency)
    return context


def contract_html(contract: Contract) -> str:
    return render_to_string(TEMPLATES[contract.kind], contract_context(contract))


def contract_pdf(contract: Contract) -> bytes:
    return _pdf(contract_html(contract))


def statement_html(statement: Statement) -> str:
    organization = statement.organization
    return render_to_string(
        "realestate/statement.html",
        {
            "title": _("Commission statement"),
            "organization": organization,
            "logo": _data_url(organization.logo),
            "agent": agent_name(statement.agent),
            "date_from": formats.date_format(statement.date_from, "DATE_FORMAT"),
            "date_to": formats.date_format(statement.date_to, "DATE_FORMAT"),
            "rows": statement_rows_text(statement),
            "totals": [
                Money(total, currency).format()
                for currency, total in sorted(statement.totals.items())
            ],
        },
    )


def statement_pdf(statement: Statement) -> bytes:
    return _pdf(statement_html(statement))
