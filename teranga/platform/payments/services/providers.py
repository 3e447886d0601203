"""Which providers an organisation can be paid through, and with which credentials.

A provider is offered to an organisation when its credentials are complete: the
organisation's own active ``ProviderAccount``, else the environment's. The sandbox is
offered while ``PAYMENTS_SANDBOX_ENABLED`` (not in production by default). Manual
payments (bank transfer, cash, with a transaction number) are always offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.core.links import public_base
from teranga.core.money import CURRENCY_EXPONENTS
from teranga.core.validators import parse_uuid
from teranga.platform.payments.errors import PaymentError

from ..models import MANUAL_METHODS, Payment, PaymentMethod, ProviderAccount
from ..providers.base import Credentials, PaymentRef, ProviderAdapter
from ..providers.credentials import (
    account_credentials,
    credentials_encrypt,
    environment_credentials,
)
from ..providers.registry import payment_providers

MANUAL = "manual"  # bank transfer or cash, reviewed by staff
FREE = "free"  # nothing left to pay (a 100 % coupon)
SANDBOX = "sandbox"


@dataclass(frozen=True)
class Offer:
    adapter: ProviderAdapter
    credentials: Credentials
    account: ProviderAccount | None


def adapter_for(name: str) -> ProviderAdapter:
    try:
        return payment_providers.get(name)
    except LookupError:
        raise NotFound(_("No such payment provider."), code=PaymentError.UNKNOWN_PROVIDER) from None


def _complete(adapter: ProviderAdapter, credentials: Credentials) -> bool:
    return all(name in credentials for name in adapter.credential_fields)


def offer_for(organization, provider: str) -> Offer | None:
    """The provider with the credentials to use for ``organization``, or None when the
    provider is not offered to it."""
    if provider not in payment_providers:
        return None
    adapter = payment_providers.get(provider)
    if provider == SANDBOX:
        if not getattr(settings, "PAYMENTS_SANDBOX_ENABLED", False):
            return None
        return Offer(adapter, Credentials({}), None)
    account = (
        ProviderAccount.objects.filter(organization=organization, provider=provider)
        .only("id", "is_active", "credentials_encrypted")
        .first()
    )
    if account is not None:
        if not account.is_active:
            return None
        credentials = account_credentials(account)
        return Offer(adapter, credentials, account) if _complete(adapter, credentials) else None
    credentials = environment_credentials(provider)
    return Offer(adapter, credentials, None) if _complete(adapter, credentials) else None


def offers_for(organization, currency: str | None = None) -> list[Offer]:
    offers = []
    for name in payment_providers.names():
        offer = offer_for(organization, name)
        if offer is not None and (currency is None or currency in offer.adapter.currencies):
            offers.append(offer)
    return offers


def payment_options(organization, currency: str | None = None) -> list[dict]:
    """How one can pay ``organization``: its online providers (optionally for one
    currency), then the manual methods, which are always offered."""
    rows = [
        {
            "name": offer.adapter.name,
            "label": offer.adapter.label,
            "currencies": sorted(offer.adapter.currencies),
            "supports_refunds": offer.adapter.supports_refunds,
            "methods": [PaymentMethod.ONLINE],
        }
        for offer in offers_for(organization, currency)
    ]
    rows.append(
        {
            "name": MANUAL,
            "label": _("Bank transfer or cash"),
            "currencies": sorted(CURRENCY_EXPONENTS) if currency is None else [currency],
            "supports_refunds": True,
            "methods": sorted(MANUAL_METHODS),
        }
    )
    return rows


def payment_credentials(payment: Payment) -> Credentials:
    if payment.provider_account_id is not None:
        return account_credentials(payment.provider_account)
    return environment_credentials(payment.provider)


def webhook_credentials(provider: str, account_id: str | None) -> Credentials:
    """``?account=<id>`` on the webhook URL names an organisation's own account (the URL
    we gave the provider at checkout, or that the organisation registered with it)."""
    if account_id:
        account = ProviderAccount.objects.filter(pk=parse_uuid(account_id), provider=provider)
        account = account.first()
        if account is None:
            raise ValidationFailed(
                _("Unknown provider account."), code=PaymentError.INVALID_SIGNATURE
            )
        return account_credentials(account)
    return environment_credentials(provider)


def webhook_url(provider: str, account: ProviderAccount | None) -> str:
    # For the provider's servers, not a person: the one API address we hand out.
    url = f"{public_base()}/api/v1/payments/webhooks/{provider}/"
    return f"{url}?{urlencode({'account': str(account.pk)})}" if account is not None else url


def payment_ref(payment: Payment) -> PaymentRef:
    return PaymentRef(
        payment_id=str(payment.pk),
        reference=payment.provider_reference,
        amount=int(payment.amount),
        currency=payment.currency,
        data=dict(payment.provider_data or {}),
    )


def is_manual(payment: Payment) -> bool:
    return payment.method != PaymentMethod.ONLINE


def provider_account_save(
    *, organization, provider: str, credentials: dict[str, str], is_active: bool = True
) -> ProviderAccount:
    """Store (encrypted) an organisation's own credentials for ``provider``."""
    adapter = adapter_for(provider)
    missing = [name for name in adapter.credential_fields if not credentials.get(name)]
    if missing:
        raise ValidationFailed(
            fields={"credentials": [_("Missing: %(names)s.") % {"names": ", ".join(missing)}]}
        )
    account, _created = ProviderAccount.objects.update_or_create(
        organization=organization,
        provider=provider,
        defaults={
            "is_active": is_active,
            "credentials_encrypted": credentials_encrypt(
                {k: str(v) for k, v in credentials.items()}
            ),
        },
    )
    return account


def provider_account_delete(*, organization, provider: str) -> None:
    deleted, _rows = ProviderAccount.objects.filter(
        organization=organization, provider=provider
    ).delete()
    if not deleted:
        raise NotFound(
            _("No credentials are stored for this provider."),
            code=PaymentError.PROVIDER_ACCOUNT_NOT_FOUND,
        )
