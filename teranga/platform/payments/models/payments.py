"""Payments: what was paid, to whom, for what, through which provider, and everything that
happened to it (an append-only log), plus the durable rows that make webhooks and
fulfilment exactly-once (``ProviderEvent``, ``Fulfilment``) and refunds."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedPhoneNumberField, EncryptedTokenField
from teranga.core.limits import ERROR_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES, Money


class PaymentStatus(models.TextChoices):
    CREATED = "created", _("Created")
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


S = PaymentStatus
#: Allowed transitions. A confirmed success may follow a failure, a cancellation or an
#: expiry (the money moved after all: a late mobile-money confirmation, a second card
#: attempt on the same PaymentIntent), and may skip ``pending`` when the provider's
#: webhook beats our own record of the checkout; nothing ever moves a payment back from
#: success.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.CREATED: frozenset({S.PENDING, S.SUCCEEDED, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PENDING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.FAILED: frozenset({S.SUCCEEDED}),
    S.CANCELLED: frozenset({S.SUCCEEDED}),
    S.EXPIRED: frozenset({S.SUCCEEDED}),
    S.SUCCEEDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
}
OPEN_STATUSES = frozenset({S.CREATED, S.PENDING})
PAID_STATUSES = frozenset({S.SUCCEEDED, S.PARTIALLY_REFUNDED, S.REFUNDED})
UNPAID_FINAL_STATUSES = frozenset({S.FAILED, S.CANCELLED, S.EXPIRED})


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Online (provider)")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")


MANUAL_METHODS = frozenset({PaymentMethod.BANK_TRANSFER, PaymentMethod.CASH})


class Payment(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("payee organisation"),
    )
    # Kept when the payer erases their account: accounting records outlive it.
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("payer"),
    )
    payer_email = models.EmailField(_("payer email"), blank=True)
    payer_phone = EncryptedPhoneNumberField(_("payer phone"), blank=True)  # encrypted at rest
    # What is paid for: a payable registered by the owning product (payables.payables)
    # and that product's object id. The platform never resolves it itself.
    target_type = models.CharField(_("paid for (type)"), max_length=64)
    target_id = models.CharField(_("paid for (id)"), max_length=64)
    description = models.CharField(_("description"), max_length=200)
    subtotal_amount = models.PositiveBigIntegerField(_("price before discounts (minor units)"))
    discount_amount = models.PositiveBigIntegerField(_("discounts (minor units)"), default=0)
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    refunded_amount = models.PositiveBigIntegerField(_("refunded (minor units)"), default=0)
    lines = models.JSONField(_("lines"), default=list, blank=True)  # the quote's lines
    method = models.CharField(
        _("method"), max_length=16, choices=PaymentMethod.choices, default=PaymentMethod.ONLINE
    )
    provider = models.CharField(_("provider"), max_length=32)
    provider_account = models.ForeignKey(
        "payments.ProviderAccount",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("provider account"),
    )
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    # What the provider returned that later calls need (Orange Money's pay/notif tokens …).
    # Never secrets of ours.
    provider_data = models.JSONField(_("provider data"), default=dict, blank=True)
    checkout_url = models.URLField(_("checkout URL"), max_length=2000, blank=True)
    client_secret = models.CharField(max_length=300, blank=True, editable=False)
    return_url = models.URLField(_("return URL"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.CREATED
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, blank=True)
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Manual payments (bank transfer, cash): the payer's transaction number, then a
    # staff member's decision.
    transaction_number = models.CharField(_("transaction number"), max_length=100, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=500, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["payer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="pay_payment_idempotency_unique",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="pay_payment_provider_ref_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "method", "transaction_number"],
                condition=~Q(transaction_number=""),
                name="pay_payment_transaction_number_unique",
            ),
            # One open payment per target at a time: two checkouts for one reservation
            # could both be paid (see services.payments.payment_initiate).
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="pay_payment_one_open_per_target",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")),
                name="pay_payment_refund_within_amount",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "provider", "created_at"], name="pay_status_provider_idx"
            ),
            models.Index(fields=["organization", "created_at"], name="pay_org_created_idx"),
            models.Index(fields=["organization", "status"], name="pay_org_status_idx"),
            models.Index(fields=["payer", "created_at"], name="pay_payer_created_idx"),
            models.Index(fields=["target_type", "target_id"], name="pay_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.description} — {self.money.format()} ({self.status})"

    @property
    def money(self) -> Money:
        return Money(int(self.amount), self.currency)

    @property
    def refundable_amount(self) -> int:
        return int(self.amount) - int(self.refunded_amount)


class EventSource(models.TextChoices):
    API = "api", _("API")
    WEBHOOK = "webhook", _("Provider webhook")
    RECONCILIATION = "reconciliation", _("Reconciliation")
    STAFF = "staff", _("Staff")
    SYSTEM = "system", _("System")


class PaymentEvent(AppendOnlyModel, BaseModel):
    """Append-only: one row per transition or notable action (refund, review …)."""

    append_only_message = "payment events are append-only"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=EventSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    refund = models.ForeignKey(
        "payments.Refund", on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["payment", "created_at"], name="pay_event_payment_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class ProviderEventOutcome(models.TextChoices):
    APPLIED = "applied", _("Applied")
    UNCHANGED = "unchanged", _("Already in that state")
    STALE = "stale", _("Older than the current state (ignored)")
    UNKNOWN_PAYMENT = "unknown_payment", _("No such payment")
    IGNORED = "ignored", _("Not relevant")


class ProviderEvent(BaseModel):
    """Each provider event id, stored under a unique constraint in the transaction that
    applies its effect: a replay or a duplicate finds the row and changes nothing."""

    provider = models.CharField(_("provider"), max_length=32)
    event_id = models.CharField(_("event id"), max_length=200)
    event_type = models.CharField(_("event type"), max_length=100, blank=True)
    payment = models.ForeignKey(
        Payment, on_delete=models.SET_NULL, null=True, blank=True, related_name="provider_events"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ProviderEventOutcome.choices)
    claimed_status = models.CharField(_("claimed status"), max_length=20, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="pay_provider_event_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} ({self.outcome})"


class FulfilmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused (refunded)")


class Fulfilment(BaseModel):
    """Written in the transaction where the payment succeeds, then executed: the product's
    handler runs exactly once (the row is locked and marked done in the handler's own
    transaction). A pending row left by a crash is picked up by a periodic job."""

    payment = models.OneToOneField(Payment, on_delete=models.CASCADE, related_name="fulfilment")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FulfilmentStatus.choices,
        default=FulfilmentStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True, max_length=ERROR_MAX_LENGTH)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="pay_fulfil_status_idx")]

    def __str__(self) -> str:
        return f"{self.payment_id} ({self.status})"


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Refund(BaseModel):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    status = models.CharField(
        _("status"), max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    automatic = models.BooleanField(_("automatic"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    failure_reason = models.CharField(_("failure reason"), max_length=300, blank=True)
    succeeded_at = models.DateTimeField(_("succeeded at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["status", "created_at"], name="pay_refund_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="pay_refund_positive")
        ]

    def __str__(self) -> str:
        return f"{Money(int(self.amount), self.currency).format()} ({self.status})"


class ProviderAccount(BaseModel):
    """An organisation's own credentials for a provider (encrypted at rest; see
    ``providers.credentials``). Without one, the environment's credentials are used."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="payment_accounts",
        verbose_name=_("organisation"),
    )
    provider = models.CharField(_("provider"), max_length=32)
    is_active = models.BooleanField(_("active"), default=True)
    # The Fernet token of at most 20 credentials of at most 600 characters, name and
    # value (the API's bounds), base64-encoded: well under this.
    # A token of teranga.core.encryption (providers.credentials opens it).
    credentials_encrypted = EncryptedTokenField(editable=False, max_length=32_768)

    class Meta(BaseModel.Meta):
        verbose_name = _("provider account")
        verbose_name_plural = _("provider accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "provider"], name="pay_provider_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.provider}"


class SandboxCharge(BaseModel):
    """The sandbox provider's own side: what its hosted page decided. Our ``Payment`` only
    learns of it through the webhook (or a status query), as with a real provider."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Open")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    payment_id = models.UUIDField(_("payment id"), unique=True)
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    description = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    refunded_amount = models.PositiveBigIntegerField(default=0)
    refund_ids = models.JSONField(default=list, blank=True)  # idempotency of refunds

    class Meta(BaseModel.Meta):
        verbose_name = _("sandbox charge")
        verbose_name_plural = _("sandbox charges")

    def __str__(self) -> str:
        return f"sandbox {self.pk} ({self.outcome})"
