"""What a payment provider does, as one small typed protocol.

Adapters know nothing of our models: they get plain dataclasses and return plain
dataclasses, so each can be tested against the provider's documented request and
response shapes alone (mocked at the HTTP transport). The payments services own every
decision: which state a payment moves to, whether an event was seen before, what is
fulfilled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# The provider refused the call or could not be reached: one class for every provider we
# call over HTTP, defined with the shared HTTP client (which raises it) and named here too.
from teranga.core.http import ProviderError as ProviderError


class WebhookRejected(Exception):
    """A webhook that must not be acted on: bad or missing signature, stale timestamp,
    malformed body. ``reason`` is one of ``invalid_signature``, ``stale_timestamp``,
    ``malformed``. Nothing is stored for it."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class Credentials(Mapping[str, str]):
    """A provider's credentials: from the environment or an organisation's
    ``ProviderAccount``. ``account_id`` is that account's id (``None``: environment).
    Never log or serialise it."""

    def __init__(self, values: Mapping[str, str], *, account_id: str | None = None) -> None:
        self._values = {k: str(v) for k, v in values.items() if v not in (None, "")}
        self.account_id = account_id

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:  # never print the values
        return f"Credentials(keys={sorted(self._values)}, account_id={self.account_id!r})"

    def require(self, *keys: str) -> None:
        missing = [key for key in keys if key not in self._values]
        if missing:
            raise ProviderError(f"missing credentials: {', '.join(missing)}", code="not_configured")


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: str  # our Payment id (UUID string): echo it back wherever the API allows
    amount: int  # minor units (XOF: francs; EUR: cents)
    currency: str
    description: str
    return_url: str  # where the payer's browser/app goes when done
    cancel_url: str
    webhook_url: str  # our /api/v1/payments/webhooks/<provider>/ (with ?account= if any)
    payer_email: str = ""
    payer_phone: str = ""  # E.164
    locale: str = "fr"
    idempotency_key: str = ""  # pass to the provider when it accepts one


@dataclass(frozen=True)
class Checkout:
    reference: str  # the provider's id for this payment (PaymentIntent id, order id …)
    redirect_url: str = ""  # hosted page / wave_launch_url / payment_url / approve link
    client_secret: str = ""  # Stripe's PaymentIntent client secret (for the mobile SDK)
    data: dict[str, Any] = field(default_factory=dict)  # kept in Payment.provider_data


@dataclass(frozen=True)
class PaymentRef:
    """What an adapter needs to ask about, or refund, an existing payment."""

    payment_id: str
    reference: str
    amount: int
    currency: str
    data: Mapping[str, Any] = field(default_factory=dict)  # Payment.provider_data


@dataclass(frozen=True)
class ProviderStatus:
    """The provider's answer to "what became of this payment?". ``status`` is one of our
    PaymentStatus values: pending, succeeded, failed, cancelled, expired."""

    status: str
    reference: str = ""
    amount: int | None = None
    currency: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class RefundRequest:
    refund_id: str  # our Refund id: also the idempotency key
    payment: PaymentRef
    amount: int
    reason: str = ""


@dataclass(frozen=True)
class RefundOutcome:
    """``status``: pending (the provider will confirm later), succeeded or failed."""

    status: str
    reference: str = ""
    detail: str = ""


@dataclass(frozen=True)
class WebhookNotice:
    """One verified event out of a webhook body.

    ``event_id`` is the provider's unique event id (or, for providers without one, a
    stable digest of what makes the notification unique). The payment is found by our
    ``payment_id`` when the provider echoes it, else by ``reference``.

    ``status`` is the state the event claims for the payment (a PaymentStatus value) or
    ``None`` for an event that carries no payment state. When ``authoritative`` is False
    (Orange Money's token-only notification, an aggregator IPN) the services confirm the
    state with ``ProviderAdapter.fetch_status`` before acting. ``shared_token``: a
    secret the provider gave us at checkout (kept in ``Payment.provider_data`` under
    ``token_key``) that the notification must carry; the services compare it.

    Refund events set ``refund_reference`` (the provider's refund id) and/or
    ``refund_id`` (ours), and ``refund_status`` (pending, succeeded, failed).
    """

    event_id: str
    event_type: str = ""
    payment_id: str | None = None
    reference: str | None = None
    status: str | None = None
    authoritative: bool = True
    shared_token: str | None = None
    token_key: str = ""
    amount: int | None = None
    currency: str | None = None
    refund_id: str | None = None
    refund_reference: str | None = None
    refund_status: str | None = None


class ProviderAdapter(Protocol):
    name: str  # registry key and URL segment: "stripe", "wave" …
    label: str  # shown to payers
    currencies: frozenset[str]  # of XOF, EUR
    supports_refunds: bool
    #: Credential names this adapter needs (checked before use; also lists what an
    #: organisation's ProviderAccount must hold).
    credential_fields: tuple[str, ...]
    #: Credential names needed to verify webhooks (a subset of the above).
    webhook_credential_fields: tuple[str, ...]

    def create_checkout(self, *, request: CheckoutRequest, credentials: Credentials) -> Checkout:
        """Start the payment at the provider. Raises ProviderError."""
        ...

    def fetch_status(self, *, payment: PaymentRef, credentials: Credentials) -> ProviderStatus:
        """Ask the provider what became of the payment (reconciliation, and confirmation
        of non-authoritative notifications). Raises ProviderError."""
        ...

    def parse_webhook(
        self,
        *,
        body: bytes,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        credentials: Credentials,
    ) -> list[WebhookNotice]:
        """Verify the signature on the raw ``body`` first, then parse. ``headers`` keys are
        lower-case. Raises WebhookRejected (nothing is stored then) or ProviderError (a
        verification call to the provider failed: the provider will retry)."""
        ...

    def refund(self, *, request: RefundRequest, credentials: Credentials) -> RefundOutcome:
        """Refund ``request.amount`` of the payment. Raises ProviderError."""
        ...
