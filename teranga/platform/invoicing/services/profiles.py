"""The invoicing profile of an organisation: its legal identity on invoices, mentions,
numbering and brand colours. Admins and above (``invoicing.settings.manage``) change it;
documents already issued keep what they were issued with."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed, refuse_unknown_fields
from teranga.core.phones import phone_e164_or_blank, phone_region
from teranga.platform.organizations.access import ensure
from teranga.platform.organizations.models import Organization

from ..models import InvoicingProfile
from ..selectors import INVOICING_SETTINGS

#: What the API and this service may change.
PROFILE_FIELDS = (
    "legal_name",
    "legal_form",
    "share_capital",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "rcs_city",
    "siret",
    "tva_number",
    "ninea",
    "rccm",
    "email",
    "phone",
    "bank_name",
    "iban",
    "bic",
    "payment_terms_days",
    "default_vat_rate",
    "vat_exempt",
    "vat_exemption_mention",
    "late_penalty_text",
    "early_payment_discount_text",
    "footer_text",
    "invoice_prefix",
    "credit_note_prefix",
    "number_pattern",
    "primary_color",
    "text_color",
    "background_color",
)


def _apply(profile: InvoicingProfile, organization, fields: dict[str, Any], replace: bool):
    if "phone" in fields:  # as typed: read in the seller's country (400 invalid_phone)
        region = phone_region(fields.get("country"), profile.country, organization.country)
        fields = {**fields, "phone": phone_e164_or_blank(fields["phone"], region=region)}
    if replace:
        defaults = InvoicingProfile.defaults_for(organization)
        for name in PROFILE_FIELDS:
            if name not in fields:
                setattr(profile, name, getattr(defaults, name))
    for name, value in fields.items():
        setattr(profile, name, value)
    try:
        profile.full_clean(exclude=["organization"], validate_unique=False)
    except DjangoValidationError as error:
        raise ValidationFailed(
            _("Some fields are invalid."),
            fields={name: list(messages) for name, messages in error.message_dict.items()},
        )


def invoicing_profile_update(
    *, actor, organization: Organization, replace: bool = False, **fields: Any
) -> InvoicingProfile:
    """Change the profile (created with the organisation's defaults on first write).
    ``replace`` (PUT): the fields left out go back to their defaults. 400 with field
    errors; 403/404 from the access rules."""
    refuse_unknown_fields(fields, PROFILE_FIELDS)
    ensure(actor, organization, INVOICING_SETTINGS)
    for attempt in range(2):
        try:
            with transaction.atomic():
                profile = (
                    InvoicingProfile.objects.select_for_update()
                    .filter(organization=organization)
                    .first()
                )
                if profile is None:
                    profile = InvoicingProfile.defaults_for(organization)
                _apply(profile, organization, fields, replace)
                profile.save()
            return profile
        except IntegrityError:  # created meanwhile by a concurrent first write
            if attempt:
                raise
    raise AssertionError("unreachable")
