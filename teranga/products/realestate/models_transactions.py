"""DIGIT-HAB's transactions: reservations of a property with a deposit, the contracts
(reservation agreement, lease, mandate) generated as PDF, and the commissions of a deal
split between the agency and its agents.

* :class:`Reservation` is a held order (``teranga.core.holds``): pending payment until
  ``hold_expires_at``, then expired by the one periodic job when its deposit is unpaid. A
  property has at most one active reservation (pending payment or confirmed): the unique
  partial index ``re_reservation_one_active`` holds it, whatever the services do.
* :class:`Contract` goes draft → sent → signed; its PDF is rendered once, when it is
  created (what the client receives is what was generated), and the signed scan is a
  private file.
* :class:`Commission` is one deal (a sale or a rental) with its total and the agency's
  part; :class:`CommissionShare` is one agent's part in it (listing or selling agent).
* :class:`TransactionSettings`: one agency's deposit and commission rules (defaults
  without a row).

Amounts are integer minor units of ``currency`` (XOF has none). Percentages are basis
points (1 % = 100) so that every computation is integer arithmetic.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.holds import HeldOrder
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES

__all__ = [
    "ACTIVE_RESERVATION_STATUSES",
    "Commission",
    "CommissionShare",
    "Contract",
    "ContractKind",
    "ContractStatus",
    "Reservation",
    "ReservationStatus",
    "ShareKind",
    "ShareRole",
    "TransactionSettings",
]

#: 100 % in basis points.
FULL_BPS = 10_000
CONTRACT_TITLE_MAX_LENGTH = 200
#: A signed scan: a PDF or an image, at most this many bytes.
SCAN_MAX_BYTES = 10 * 1024 * 1024


class ReservationStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting the deposit")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    CONVERTED = "converted", _("Converted into a deal")


#: Statuses that hold the property.
ACTIVE_RESERVATION_STATUSES = (ReservationStatus.PENDING_PAYMENT, ReservationStatus.CONFIRMED)


class ShareKind(models.TextChoices):
    PERCENT = "percentage", _("Percentage")
    FIXED = "fixed_amount", _("Fixed amount")


class ShareRole(models.TextChoices):
    LISTING = "listing", _("Listing agent")
    SELLING = "selling", _("Selling agent")


class ContractKind(models.TextChoices):
    RESERVATION_AGREEMENT = "reservation_agreement", _("Reservation agreement")
    LEASE = "lease", _("Lease")
    MANDATE = "mandate", _("Mandate")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    SIGNED = "signed", _("Signed")


def contract_path(instance: Contract, filename: str) -> str:
    """Private files under ``realestate/<organisation id>/contracts/``."""
    from teranga.core.images import stored_extension

    folder = f"realestate/{instance.organization_id}/contracts/{instance.pk}"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


class TransactionSettings(BaseModel):
    """One agency's rules for deposits and commissions. Without a row, the defaults."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_transaction_settings",
        verbose_name=_("agency"),
    )
    #: Sales: the deposit is this part of the price (basis points).
    deposit_bps = models.PositiveIntegerField(
        _("deposit (basis points of the price)"),
        default=1000,
        validators=[MinValueValidator(1), MaxValueValidator(FULL_BPS)],
    )
    #: Rentals: the property's own deposit, or this many months of rent.
    rent_deposit_months = models.PositiveSmallIntegerField(
        _("rental deposit (months of rent)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    hold_hours = models.PositiveSmallIntegerField(
        _("hold while the deposit is paid (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
    )
    commission_kind = models.CharField(
        _("commission"), max_length=12, choices=ShareKind.choices, default=ShareKind.PERCENT
    )
    #: Percent: basis points of the deal price; fixed: minor units of the deal's currency.
    commission_value = models.PositiveBigIntegerField(_("commission value"), default=500)
    listing_share_kind = models.CharField(
        _("listing agent's share"),
        max_length=12,
        choices=ShareKind.choices,
        default=ShareKind.PERCENT,
    )
    #: Percent: basis points of the commission; fixed: minor units.
    listing_share_value = models.PositiveBigIntegerField(_("listing share value"), default=2000)
    selling_share_kind = models.CharField(
        _("selling agent's share"),
        max_length=12,
        choices=ShareKind.choices,
        default=ShareKind.PERCENT,
    )
    selling_share_value = models.PositiveBigIntegerField(_("selling share value"), default=3000)

    class Meta(BaseModel.Meta):
        verbose_name = _("transaction settings")
        verbose_name_plural = _("transaction settings")

    def __str__(self) -> str:
        return str(self.organization_id)


class Reservation(HeldOrder, BaseModel):
    """A client's reservation of a property, held while its deposit is paid (the payable
    ``realestate.reservation``)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_reservations",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="reservations",
        verbose_name=_("property"),
    )
    #: The paying user (the client's own account).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_reservations",
        verbose_name=_("client account"),
    )
    #: The agency's CRM record of the client (found or made from the account).
    client = models.ForeignKey(
        "realestate.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name=_("client"),
    )
    #: The property's agent when it was reserved (told of every change).
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReservationStatus.choices,
        default=ReservationStatus.PENDING_PAYMENT,
    )
    #: The property's price when reserved, and the deposit asked.
    price = models.PositiveBigIntegerField(_("price (minor units)"))
    deposit_amount = models.PositiveBigIntegerField(_("deposit (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    language = models.CharField(_("language"), max_length=8, default="fr")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancellation_reason = models.CharField(
        _("cancellation reason"), max_length=NOTE_MAX_LENGTH, blank=True
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        indexes = [
            models.Index(fields=["status", "hold_expires_at"], name="re_reservation_hold_idx"),
            models.Index(
                fields=["organization", "status", "created_at"], name="re_reservation_org_idx"
            ),
            models.Index(fields=["user", "created_at"], name="re_reservation_user_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["property"],
                condition=Q(status__in=["pending_payment", "confirmed"]),
                name="re_reservation_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.property_id} ({self.status})"


class Contract(BaseModel):
    """A contract of the agency generated from its kind's template, as a PDF."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_contracts",
        verbose_name=_("agency"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=ContractKind.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="contracts",
        verbose_name=_("property"),
    )
    reservation = models.ForeignKey(
        Reservation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("reservation"),
    )
    client = models.ForeignKey(
        "realestate.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("client"),
    )
    #: The client's name as written in the contract.
    client_name = models.CharField(_("client name"), max_length=200)
    #: The price, the rent or the mandate's asking price, in minor units.
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    #: Special conditions printed in the contract.
    terms = models.TextField(_("special conditions"), blank=True, max_length=NOTE_MAX_LENGTH)
    language = models.CharField(_("language"), max_length=8, default="fr")
    file = models.FileField(_("PDF"), upload_to=contract_path, max_length=255, blank=True)
    signed_file = models.FileField(
        _("signed scan"), upload_to=contract_path, max_length=255, blank=True
    )
    signed_size = models.PositiveIntegerField(_("signed scan size (bytes)"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [
            models.Index(
                fields=["organization", "status", "created_at"], name="re_contract_org_idx"
            ),
            models.Index(fields=["property", "kind"], name="re_contract_property_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.client_name}"


class Commission(BaseModel):
    """The commission of one deal: ``total_amount`` = the agents' shares + the agency's
    part (``agency_amount``)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_commissions",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="commissions",
        verbose_name=_("property"),
    )
    reservation = models.OneToOneField(
        Reservation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commission",
        verbose_name=_("reservation"),
    )
    deal_price = models.PositiveBigIntegerField(_("deal price (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    deal_date = models.DateField(_("deal date"))
    total_amount = models.PositiveBigIntegerField(_("commission (minor units)"))
    agency_amount = models.PositiveBigIntegerField(_("agency's part (minor units)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-deal_date", "-created_at", "id"]
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        indexes = [
            models.Index(fields=["organization", "deal_date"], name="re_commission_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.property_id} {self.total_amount} {self.currency}"


class CommissionShare(BaseModel):
    """One agent's part of a commission, as the rule gave it when it was computed."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    commission = models.ForeignKey(
        Commission, on_delete=models.CASCADE, related_name="shares", verbose_name=_("commission")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_commission_shares",
        verbose_name=_("agent"),
    )
    role = models.CharField(_("role"), max_length=8, choices=ShareRole.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=ShareKind.choices)
    #: Basis points of the commission (percent) or minor units (fixed), as configured.
    value = models.PositiveBigIntegerField(_("value"))
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))

    class Meta:
        ordering = ["commission", "role"]
        verbose_name = _("commission share")
        verbose_name_plural = _("commission shares")
        indexes = [
            models.Index(fields=["organization", "agent"], name="re_share_agent_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["commission", "role"], name="re_share_one_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.commission_id} {self.role} {self.amount}"
