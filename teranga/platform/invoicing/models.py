"""Invoices and credit notes (avoirs), French law and Senegal.

* :class:`InvoicingProfile` — one per organisation: the seller's legal identity as it
  appears on invoices, the mandatory mentions, the numbering and the brand colours.
  Identity fields left blank are taken from the organisation when a document is issued.
* :class:`InvoiceSequence` — the gapless counter of one series (``invoice``,
  ``credit_note``) of one organisation (see ``numbering``).
* :class:`Invoice` and :class:`InvoiceLine` — a document and its lines. A document is
  *issued* when it is created (there are no drafts): everything it shows (seller, buyer,
  mentions, totals) is a snapshot taken then, so it never changes when the organisation
  or the buyer changes later. Issued documents are immutable: ``save()`` on an existing
  row, ``delete()`` and queryset ``update()``/``delete()`` raise
  :class:`ImmutableInvoice`. The one write after issue is attaching the rendered PDF,
  once (:meth:`Invoice.attach_pdf_once`). Corrections are credit notes, which reference
  the invoice they correct.

Amounts are integer minor units in the document's currency. Credit notes carry
**positive** amounts, like the invoices they correct (EN 16931 type code 381); their
kind says that they reduce what is owed.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES, Money
from teranga.core.phones import PhoneNumberField
from teranga.platform.organizations.models import Country, OrganizationKind
from teranga.platform.organizations.validators import (
    validate_ninea,
    validate_rccm,
    validate_siret,
    validate_tva_number,
)

from .numbering import DEFAULT_PATTERN, validate_number_pattern, validate_prefix

DEFAULT_VAT_RATES = {Country.SENEGAL: Decimal("18"), Country.FRANCE: Decimal("20")}
DEFAULT_EXEMPTION_MENTION = "TVA non applicable, art. 293 B du CGI"
DEFAULT_LATE_PENALTY = "trois fois le taux d'intérêt légal"
DEFAULT_EARLY_PAYMENT = "Pas d'escompte pour paiement anticipé"
ACADEMY_PREFIX = "CT"
DEFAULT_PREFIX = "FAC"
CREDIT_NOTE_PREFIX_SUFFIX = "-AV"

validate_colour = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", _("A colour looks like #D4AF37."), code="invalid_colour"
)
validate_bic = RegexValidator(
    r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$",
    _("A BIC has 8 or 11 characters, e.g. BNPAFRPPXXX."),
    code="invalid_bic",
)


def validate_iban(value: str) -> None:
    from stdnum import iban
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        iban.validate(value)
    except StdnumError:
        raise ValidationError(_("This IBAN is not valid."), code="invalid_iban")


def pdf_path(instance: Invoice, filename: str) -> str:
    return f"invoices/{instance.organization_id}/{instance.pk.hex}-{uuid.uuid4().hex}.pdf"


class InvoicingProfile(BaseModel):
    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="invoicing_profile",
        verbose_name=_("organisation"),
    )
    # Identity (blank: the organisation's value is used)
    legal_name = models.CharField(_("legal name"), max_length=200, blank=True)
    legal_form = models.CharField(_("legal form"), max_length=60, blank=True)
    share_capital = models.CharField(_("share capital"), max_length=60, blank=True)
    address_line1 = models.CharField(_("address"), max_length=200, blank=True)
    address_line2 = models.CharField(_("address (continued)"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, blank=True)
    rcs_city = models.CharField(_("RCS registry city"), max_length=100, blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    tva_number = models.CharField(
        _("VAT number"), max_length=13, blank=True, validators=[validate_tva_number]
    )
    ninea = models.CharField("NINEA", max_length=13, blank=True, validators=[validate_ninea])
    rccm = models.CharField("RCCM", max_length=30, blank=True, validators=[validate_rccm])
    email = models.EmailField(_("billing email"), blank=True)
    phone = PhoneNumberField(_("billing phone"), blank=True)
    # Payment
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    payment_terms_days = models.PositiveSmallIntegerField(
        _("payment terms (days)"),
        default=0,
        validators=[MaxValueValidator(365)],
        help_text=_("0: due on receipt. Only manual invoices can be due later."),
    )
    # VAT and mentions
    default_vat_rate = models.DecimalField(
        _("default VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    vat_exempt = models.BooleanField(_("not liable for VAT"), default=False)
    vat_exemption_mention = models.CharField(
        _("VAT exemption mention"), max_length=200, default=DEFAULT_EXEMPTION_MENTION
    )
    late_penalty_text = models.CharField(
        _("late-payment penalty rate"), max_length=200, default=DEFAULT_LATE_PENALTY
    )
    early_payment_discount_text = models.CharField(
        _("early-payment discount"), max_length=200, default=DEFAULT_EARLY_PAYMENT
    )
    footer_text = models.CharField(_("footer"), max_length=300, blank=True)
    # Numbering
    invoice_prefix = models.CharField(
        _("invoice prefix"), max_length=12, validators=[validate_prefix]
    )
    credit_note_prefix = models.CharField(
        _("credit note prefix"), max_length=12, validators=[validate_prefix]
    )
    number_pattern = models.CharField(
        _("number pattern"),
        max_length=60,
        default=DEFAULT_PATTERN,
        validators=[validate_number_pattern],
    )
    # Brand
    primary_color = models.CharField(
        _("primary colour"), max_length=7, default="#D4AF37", validators=[validate_colour]
    )
    text_color = models.CharField(
        _("text colour"), max_length=7, default="#000000", validators=[validate_colour]
    )
    background_color = models.CharField(
        _("background colour"), max_length=7, default="#FFFFFF", validators=[validate_colour]
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("invoicing profile")
        verbose_name_plural = _("invoicing profiles")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.invoice_prefix}"

    @classmethod
    def defaults_for(cls, organization) -> InvoicingProfile:
        """An unsaved profile with the organisation's defaults: prefix ``CT`` for an
        academy (seed 004) and ``FAC`` otherwise, VAT 18 % in Senegal and 20 % in France."""
        prefix = ACADEMY_PREFIX if organization.kind == OrganizationKind.ACADEMY else DEFAULT_PREFIX
        profile = cls(
            organization=organization,
            default_vat_rate=DEFAULT_VAT_RATES.get(organization.country, Decimal("18")),
            invoice_prefix=prefix,
            credit_note_prefix=f"{prefix}{CREDIT_NOTE_PREFIX_SUFFIX}",
        )
        return profile

    def clean(self) -> None:
        if self.invoice_prefix and self.invoice_prefix == self.credit_note_prefix:
            raise ValidationError(
                {"credit_note_prefix": _("Credit notes need a prefix of their own.")}
            )


class Series(models.TextChoices):
    INVOICE = "invoice", _("Invoices")
    CREDIT_NOTE = "credit_note", _("Credit notes")


class InvoiceSequence(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    series = models.CharField(_("series"), max_length=20, choices=Series.choices)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta(BaseModel.Meta):
        verbose_name = _("invoice sequence")
        verbose_name_plural = _("invoice sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "series"], name="inv_sequence_org_series_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.series}: {self.last_number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class ImmutableInvoice(Exception):
    """An issued invoice, credit note or line was about to be changed or deleted."""


PDF_FIELDS = ("pdf", "pdf_sha256", "pdf_rendered_at")


#: Links to accounts that Django's deletion collector may clear (``SET_NULL`` when an
#: account is deleted): the only updates an issued document accepts through a queryset.
DETACHABLE_ACCOUNT_FIELDS = frozenset({"buyer_user", "issued_by"})


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if kwargs and set(kwargs) <= DETACHABLE_ACCOUNT_FIELDS and not any(kwargs.values()):
            return super().update(**kwargs)
        raise ImmutableInvoice("issued invoices cannot be updated; issue a credit note")

    def delete(self):
        raise ImmutableInvoice("issued invoices cannot be deleted; issue a credit note")


class Invoice(AppendOnlyModel, BaseModel):
    append_only_error = ImmutableInvoice
    append_only_message = "issued invoices cannot be updated; issue a credit note"
    append_only_delete_message = "issued invoices cannot be deleted; issue a credit note"

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="invoices",
        verbose_name=_("seller"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices)
    series = models.CharField(_("series"), max_length=20, choices=Series.choices)
    sequence = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("number"), max_length=50)
    credit_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credit note of"),
    )
    issued_at = models.DateTimeField(_("issued at"))
    issue_date = models.DateField(_("issue date"))  # in the seller's time zone
    sale_date = models.DateField(_("date of sale or service"))
    due_date = models.DateField(_("due date"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    seller = models.JSONField(_("seller"))
    buyer = models.JSONField(_("buyer"))
    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_is_business = models.BooleanField(_("business buyer"), default=False)
    # Accounting records outlive accounts: the buyer's snapshot stays when they go.
    buyer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("buyer account"),
    )
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("payment"),
    )
    refund = models.ForeignKey(
        "payments.Refund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("refund"),
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    prices_include_tax = models.BooleanField(_("lines entered with taxes"))
    paid = models.BooleanField(_("paid on issue"), default=False)
    payment_method = models.CharField(_("payment method"), max_length=40, blank=True)
    payment_terms = models.TextField(_("payment terms"), blank=True, max_length=NOTE_MAX_LENGTH)
    mentions = models.JSONField(_("mentions"), default=list)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTE_MAX_LENGTH)
    total_ht = models.BigIntegerField(_("total excl. VAT (minor units)"))
    total_tva = models.BigIntegerField(_("total VAT (minor units)"))
    total_ttc = models.BigIntegerField(_("total incl. VAT (minor units)"))
    vat_breakdown = models.JSONField(_("VAT breakdown"), default=list)
    pdf = models.FileField(_("PDF"), upload_to=pdf_path, max_length=255, blank=True, editable=False)
    pdf_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-sequence"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="inv_invoice_org_number_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "series", "sequence"], name="inv_invoice_sequence_unique"
            ),
            # One invoice per payment, one credit note per refund.
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind="invoice", payment__isnull=False),
                name="inv_invoice_payment_unique",
            ),
            models.UniqueConstraint(
                fields=["refund"], condition=Q(refund__isnull=False), name="inv_refund_unique"
            ),
            models.CheckConstraint(
                condition=Q(total_ttc=F("total_ht") + F("total_tva")), name="inv_totals_add_up"
            ),
            models.CheckConstraint(condition=Q(total_ttc__gte=0), name="inv_total_not_negative"),
            models.CheckConstraint(
                condition=(Q(kind="invoice", credit_of__isnull=True))
                | Q(kind="credit_note", credit_of__isnull=False),
                name="inv_credit_note_references_invoice",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-issued_at"], name="inv_org_issued_idx"),
            models.Index(
                fields=["organization", "kind", "-issued_at"], name="inv_org_kind_issued_idx"
            ),
            models.Index(fields=["buyer_user", "-issued_at"], name="inv_buyer_issued_idx"),
            models.Index(fields=["credit_of", "kind"], name="inv_credit_of_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def total(self) -> Money:
        return Money(int(self.total_ttc), self.currency)

    @classmethod
    def attach_pdf_once(cls, *, invoice_id, name: str, sha256: str, rendered_at) -> bool:
        """Record the stored PDF of an invoice that has none yet — the only write an
        issued invoice ever gets. A conditional UPDATE, so of two concurrent renderings
        exactly one is kept. Returns whether this one was."""
        rows = models.QuerySet(cls).filter(pk=invoice_id, pdf="")
        updated = models.QuerySet.update(
            rows, pdf=name, pdf_sha256=sha256, pdf_rendered_at=rendered_at
        )
        return updated == 1


class InvoiceLine(AppendOnlyModel, BaseModel):
    append_only_error = ImmutableInvoice
    append_only_message = "lines of issued invoices cannot be updated"
    append_only_delete_message = "lines of issued invoices cannot be deleted"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=500)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    #: Minor units per unit: TTC when the invoice's lines include taxes, HT otherwise.
    unit_amount = models.BigIntegerField(_("unit amount (minor units)"))
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    vat_category = models.CharField(_("VAT category"), max_length=2)
    total_ht = models.BigIntegerField(_("total excl. VAT (minor units)"))
    total_tva = models.BigIntegerField(_("VAT (minor units)"))
    total_ttc = models.BigIntegerField(_("total incl. VAT (minor units)"))

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        ordering = ["invoice", "position"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="inv_line_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(total_ttc=F("total_ht") + F("total_tva")),
                name="inv_line_totals_add_up",
            ),
        ]

    def __str__(self) -> str:
        return self.description
