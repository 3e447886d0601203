"""Sellers, buyers, payments and refunds for invoicing tests.

Payments and refunds are written directly as rows (the payments flow has its own
tests); an invoice only needs what a succeeded payment carries."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from teranga.platform.accounts.models import ClientProfile
from teranga.platform.invoicing.models import InvoicingProfile
from teranga.platform.organizations.models import Country, OrganizationKind, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member, user
from teranga.platform.payments.models import Payment, PaymentStatus, Refund, RefundStatus

FR_SIRET = "73282932000074"
FR_TVA = "FR44732829320"
BUYER_SIRET = "44306184100047"
SN_NINEA = "005123456"
SN_RCCM = "SN-DKR-2015-B-12345"

_seq = itertools.count(1)


def fr_seller(**fields):
    """A French academy (Calmness Trading style): SIRET, VAT number, EUR, a full profile."""
    organization = OrganizationFactory(
        kind=fields.pop("kind", OrganizationKind.ACADEMY),
        name=fields.pop("name", "Calmness Trading"),
        country=Country.FRANCE,
        currency="EUR",
        city="Paris",
        time_zone="Europe/Paris",
        siret=FR_SIRET,
        tva_number=FR_TVA,
        contact_email="factures@calmness.example",
    )
    profile = InvoicingProfile.defaults_for(organization)
    profile.legal_name = "Calmness Trading SAS"
    profile.legal_form = "SAS"
    profile.share_capital = "10 000 €"
    profile.address_line1 = "12 rue de la Paix"
    profile.postal_code = "75002"
    profile.city = "Paris"
    profile.rcs_city = "Paris"
    profile.iban = "FR7630006000011234567890189"
    profile.bic = "AGRIFRPP"
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return organization


def sn_seller(**fields):
    """A Senegalese business: NINEA and RCCM, XOF, the default profile (VAT 18 %)."""
    organization = OrganizationFactory(
        kind=fields.pop("kind", OrganizationKind.BUSINESS),
        name=fields.pop("name", "Salon Teranga"),
        country=Country.SENEGAL,
        currency="XOF",
        city="Dakar",
        ninea=SN_NINEA,
        rccm=SN_RCCM,
        contact_email="contact@salon.example",
    )
    if fields:
        profile = InvoicingProfile.defaults_for(organization)
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
    return organization


def buyer_user(**extra):
    person = user(first_name=extra.pop("first_name", "Awa"), last_name="Diop", **extra)
    ClientProfile.objects.create(
        user=person, address="Rue 10, Point E", postal_code="10700", city="Dakar", country="SN"
    )
    return person


def manager_of(organization, role=Role.MANAGER):
    return member(organization, role)


def make_payment(
    organization,
    payer,
    *,
    lines: list[dict] | None = None,
    amount: int | None = None,
    status: str = PaymentStatus.SUCCEEDED,
    metadata: dict | None = None,
    provider: str = "sandbox",
    **fields,
) -> Payment:
    if lines is None:
        lines = [{"description": "Formation trading", "unit_amount": 10000, "quantity": 1}]
    if amount is None:
        amount = sum(int(line["unit_amount"]) * int(line.get("quantity", 1)) for line in lines)
    subtotal = fields.pop("subtotal_amount", amount)
    now = timezone.now()
    return Payment.objects.create(
        organization=organization,
        payer=payer,
        payer_email=fields.pop("payer_email", getattr(payer, "email", "") or ""),
        target_type="test.thing",
        target_id=str(next(_seq)),
        description=fields.pop("description", "Formation"),
        subtotal_amount=subtotal,
        discount_amount=fields.pop("discount_amount", 0),
        amount=amount,
        currency=fields.pop("currency", organization.currency),
        lines=lines,
        provider=provider,
        status=status,
        expires_at=now + timedelta(hours=1),
        succeeded_at=now if status == PaymentStatus.SUCCEEDED else None,
        metadata=metadata or {},
        **fields,
    )


def make_refund(payment, amount: int, *, reason: str = "") -> Refund:
    return Refund.objects.create(
        payment=payment,
        amount=amount,
        currency=payment.currency,
        status=RefundStatus.SUCCEEDED,
        reason=reason,
        succeeded_at=timezone.now(),
    )


def manual_lines(*rates: str) -> list[dict]:
    """One line of 100.00 (minor units 10000) HT per rate."""
    return [
        {
            "description": f"Prestation {rate} %",
            "quantity": Decimal(1),
            "unit_price": 10000,
            "vat_rate": Decimal(rate),
        }
        for rate in rates
    ]
