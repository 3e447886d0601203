"""What an issued document shows, copied when it is issued: the seller's identity, the
buyer's, the payment terms and the mandatory mentions.

Everything is plain JSON so that the document renders from itself alone, the same way
years later, whatever happened to the organisation, its profile or the buyer's account.

The invoice is a legal document of French law (and of Senegal, where French is the
official language): its mentions are French texts, not translated with the interface.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from teranga.platform.accounts.models import ClientProfile
from teranga.platform.organizations.models import Country, Organization
from teranga.platform.organizations.validators import validate_ninea, validate_siret

from .models import InvoicingProfile

BUYER_FIELDS = (
    "name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "email",
    "is_business",
    "siret",
    "vat_number",
    "ninea",
)
BUYER_TEXT_LIMITS = {
    "name": 200,
    "address_line1": 200,
    "address_line2": 200,
    "postal_code": 20,
    "city": 100,
    "email": 254,
    "siret": 14,
    "vat_number": 20,
    "ninea": 13,
}
VAT_ID = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
RECOVERY_INDEMNITY = (
    "Indemnité forfaitaire pour frais de recouvrement de 40 € en cas de retard de paiement "
    "(art. L. 441-10 et D. 441-5 du Code de commerce)"
)
PAYMENT_METHOD_LABELS = {
    "sandbox": "paiement en ligne (bac à sable)",
    "stripe": "carte bancaire (Stripe)",
    "paypal": "PayPal",
    "wave": "Wave",
    "orange_money": "Orange Money",
    "free_money": "Free Money",
    "bank_transfer": "virement bancaire",
    "cash": "espèces",
    "online": "paiement en ligne",
}


def french_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def profile_for(organization: Organization) -> InvoicingProfile:
    """The organisation's saved profile, or its defaults (unsaved)."""
    profile = InvoicingProfile.objects.filter(organization=organization).first()
    if profile is None:
        profile = InvoicingProfile.defaults_for(organization)
    profile.organization = organization
    return profile


def seller_snapshot(profile: InvoicingProfile, organization: Organization) -> dict[str, Any]:
    """The seller as the document shows it; blank profile fields fall back to the
    organisation's."""
    legal_name = profile.legal_name or organization.name
    phone = profile.phone or organization.contact_phone
    return {
        "organization_id": str(organization.pk),
        "name": legal_name,
        "trade_name": organization.name if organization.name != legal_name else "",
        "legal_form": profile.legal_form,
        "share_capital": profile.share_capital,
        "address_line1": profile.address_line1,
        "address_line2": profile.address_line2,
        "postal_code": profile.postal_code,
        "city": profile.city or organization.city,
        "country": profile.country or organization.country,
        "rcs_city": profile.rcs_city,
        "siret": profile.siret or organization.siret,
        "tva_number": profile.tva_number or organization.tva_number,
        "ninea": profile.ninea or organization.ninea,
        "rccm": profile.rccm or organization.rccm,
        "email": profile.email or organization.contact_email,
        "phone": str(phone) if phone else "",
        "bank_name": profile.bank_name,
        "iban": profile.iban,
        "bic": profile.bic,
        "vat_exempt": bool(profile.vat_exempt),
        "vat_exemption_mention": profile.vat_exemption_mention,
        "logo": organization.logo.name if organization.logo else "",
        "colors": {
            "primary": profile.primary_color,
            "text": profile.text_color,
            "background": profile.background_color,
        },
        "footer": profile.footer_text,
        "time_zone": organization.time_zone,
    }


def _text(value: Any, limit: int) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return " ".join(str(value).split())[:limit]


def clean_buyer(data: dict[str, Any], *, default_country: str) -> dict[str, Any]:
    """A buyer snapshot from loose data (a payment's ``metadata["buyer"]``, an API body):
    known fields only, trimmed; identifiers that do not look valid are dropped (the
    API validates them before, with errors; payment metadata is taken as it comes)."""
    data = data if isinstance(data, dict) else {}
    buyer: dict[str, Any] = {
        name: _text(data.get(name), limit) for name, limit in BUYER_TEXT_LIMITS.items()
    }
    if not buyer["address_line1"]:
        buyer["address_line1"] = _text(data.get("address"), 200)
    country = _text(data.get("country"), 2).upper()
    buyer["country"] = country if COUNTRY_CODE.fullmatch(country) else default_country
    buyer["vat_number"] = buyer["vat_number"].replace(" ", "").upper()
    buyer["siret"] = buyer["siret"].replace(" ", "")
    for field, validator in (("siret", validate_siret), ("ninea", validate_ninea)):
        if buyer[field]:
            try:
                validator(buyer[field])
            except ValidationError:
                buyer[field] = ""
    if buyer["vat_number"] and not VAT_ID.fullmatch(buyer["vat_number"]):
        buyer["vat_number"] = ""
    buyer["is_business"] = bool(data.get("is_business")) or bool(
        buyer["siret"] or buyer["vat_number"] or buyer["ninea"]
    )
    return buyer


def buyer_from_user(user, *, email: str = "", default_country: str) -> dict[str, Any]:
    """A private buyer: the account's name and email, and its client profile's address."""
    data: dict[str, Any] = {"email": email}
    if user is not None:
        data["name"] = user.get_full_name()
        data["email"] = user.email or email
        profile = ClientProfile.objects.filter(user=user).first()
        if profile is not None:
            data.update(
                address_line1=profile.address,
                address_line2=profile.address_complement,
                postal_code=profile.postal_code,
                city=profile.city,
                country=profile.country,
            )
    buyer = clean_buyer(data, default_country=default_country)
    buyer["is_business"] = False
    if not buyer["name"]:
        buyer["name"] = buyer["email"] or "Client"
    return buyer


def mentions_for(
    *,
    seller: dict[str, Any],
    buyer: dict[str, Any],
    profile: InvoicingProfile,
    vat_exempt: bool,
) -> list[dict[str, str]]:
    """The mandatory mentions, in the order the document shows them."""
    mentions = []
    if vat_exempt:
        mentions.append({"code": "vat_exemption", "text": profile.vat_exemption_mention})
    mentions.append(
        {
            "code": "late_penalty",
            "text": f"Pénalités de retard : {profile.late_penalty_text}",
        }
    )
    # French law (Code de commerce) between professionals: a French seller, a business buyer.
    if buyer.get("is_business") and seller.get("country") == Country.FRANCE:
        mentions.append({"code": "recovery_indemnity", "text": RECOVERY_INDEMNITY})
    mentions.append({"code": "early_payment", "text": profile.early_payment_discount_text})
    return mentions


def payment_method_key(method: str, provider: str) -> str:
    """What an invoice records of how it was paid: the manual method (``bank_transfer``,
    ``cash``) or the online provider (``stripe``, ``wave`` …)."""
    if method and method != "online":
        return method
    return provider or "online"


def payment_method_label(key: str) -> str:
    return PAYMENT_METHOD_LABELS.get(key, key or "paiement en ligne")


def payment_terms_text(
    *, paid_on: date | None, method_key: str, due_date: date, days: int, iban: str
) -> str:
    if paid_on is not None:
        return f"Facture acquittée le {french_date(paid_on)} ({payment_method_label(method_key)})."
    if days <= 0:
        text = f"Paiement à réception, au plus tard le {french_date(due_date)}"
    else:
        text = f"Paiement à {days} jours, au plus tard le {french_date(due_date)}"
    return text + (", par virement bancaire." if iban else ".")


def rate_label(rate: Decimal | str) -> str:
    """``20 %``, ``5,5 %`` (French decimal comma)."""
    text = format(Decimal(rate).normalize(), "f")
    return f"{text.replace('.', ',')} %"
