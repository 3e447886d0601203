"""Organisations, the tenants of Teranga, and everything a tenant owns directly:
members, invitations, branches with opening hours, closures and verification."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH, NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.phones import PhoneNumberField
from teranga.core.storage import public_media_storage
from teranga.core.validators import validate_image_content

from .validators import (
    validate_document_content,
    validate_ninea,
    validate_rccm,
    validate_siret,
    validate_time_zone,
    validate_tva_number,
)


class OrganizationKind(models.TextChoices):
    BUSINESS = "business", _("Business")
    AGENCY = "agency", _("Agency")
    BANK = "bank", _("Bank")
    HOSPITAL = "hospital", _("Hospital")
    ADMINISTRATION = "administration", _("Administration")
    TELECOM = "telecom", _("Telecom operator")
    UNIVERSITY = "university", _("University")
    CLUB = "club", _("Club")
    ACADEMY = "academy", _("Academy")
    OTHER = "other", _("Other")


class Country(models.TextChoices):
    SENEGAL = "SN", _("Senegal")
    FRANCE = "FR", _("France")


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


#: What staff may decide (an organisation never goes back to pending).
DECIDABLE_STATUS_CHOICES = [
    (VerificationStatus.VERIFIED.value, VerificationStatus.VERIFIED.label),
    (VerificationStatus.REJECTED.value, VerificationStatus.REJECTED.label),
    (VerificationStatus.SUSPENDED.value, VerificationStatus.SUSPENDED.label),
]


class Role(models.TextChoices):
    """Ordered from the most to the least powerful (see access.ROLE_RANK)."""

    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    MEMBER = "member", _("Member")


def logo_path(instance: Organization, filename: str) -> str:
    # The services name every file they store by its checked format (teranga.core.images).
    from teranga.core.images import stored_extension

    return f"organizations/{instance.pk}/logo/{uuid.uuid4().hex}{stored_extension(filename)}"


def document_path(instance: VerificationDocument, filename: str) -> str:
    from teranga.core.images import stored_extension

    folder = f"organizations/{instance.organization_id}/verification"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


class Organization(BaseModel):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    logo = models.ImageField(
        _("logo"),
        upload_to=logo_path,
        storage=public_media_storage,
        blank=True,
        validators=[validate_image_content],
    )
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = PhoneNumberField(_("contact phone"), blank=True)
    # France
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    tva_number = models.CharField(
        _("VAT number"), max_length=13, blank=True, validators=[validate_tva_number]
    )
    # Senegal
    ninea = models.CharField("NINEA", max_length=13, blank=True, validators=[validate_ninea])
    rccm = models.CharField("RCCM", max_length=30, blank=True, validators=[validate_rccm])
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Africa/Dakar", validators=[validate_time_zone]
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices, default="SN")
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("region"),
    )
    verification_status = models.CharField(
        _("verification status"),
        max_length=10,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    holidays_opt_out = models.BooleanField(
        _("open on public holidays"),
        default=False,
        help_text=_("When set, public holidays do not close this organisation."),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [
            models.Index(fields=["verification_status", "kind"], name="org_status_kind_idx"),
            models.Index(fields=["verification_status", "city"], name="org_status_city_idx"),
            models.Index(fields=["verification_status", "region"], name="org_status_region_idx"),
            models.Index(fields=["name"], name="org_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class Membership(BaseModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta(BaseModel.Meta):
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="org_membership_unique")
        ]
        indexes = [
            models.Index(fields=["user", "role"], name="org_membership_user_role_idx"),
            models.Index(fields=["organization", "role"], name="org_membership_org_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class Invitation(BaseModel):
    """The raw token is only ever sent by email; the row keeps its SHA-256 digest."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # At most one open invitation per address and organisation.
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="org_invitation_open_unique",
            )
        ]
        indexes = [models.Index(fields=["organization", "email"], name="org_invitation_email_idx")]

    def __str__(self) -> str:
        return f"{self.email} → {self.organization}"

    @property
    def state(self) -> str:
        from django.utils import timezone

        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Branch(BaseModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="branches"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    region = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="branches"
    )
    department = models.ForeignKey(
        "geo.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="branches"
    )
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    phone = PhoneNumberField(_("phone"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        indexes = [
            models.Index(fields=["organization", "is_active"], name="org_branch_active_idx"),
            models.Index(fields=["region"], name="org_branch_region_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.name}"

    def clean(self) -> None:
        if self.department_id and self.region_id and self.department.region_id != self.region_id:
            raise ValidationError({"department": _("This department is not in that region.")})


class OpeningHours(BaseModel):
    """One opening period of a branch on a weekday (0 = Monday). Several rows per day
    are allowed (morning and afternoon) as long as they do not overlap."""

    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    break_start = models.TimeField(_("break starts"), null=True, blank=True)
    break_end = models.TimeField(_("break ends"), null=True, blank=True)

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="org_hours_weekday_range"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="org_hours_order"
            ),
        ]
        indexes = [models.Index(fields=["branch", "weekday"], name="org_hours_branch_day_idx")]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens_at}–{self.closes_at}"

    def clean(self) -> None:
        errors = period_errors(self.opens_at, self.closes_at, self.break_start, self.break_end)
        if errors:
            raise ValidationError(errors)


def period_errors(opens_at, closes_at, break_start, break_end) -> dict[str, str]:
    """Field errors of one opening period (empty when it is consistent)."""
    errors: dict[str, str] = {}
    if opens_at and closes_at and opens_at >= closes_at:
        errors["closes_at"] = str(_("Closing time must be after opening time."))
    if (break_start is None) != (break_end is None):
        errors["break_end"] = str(_("Give both the start and the end of the break, or neither."))
    elif break_start is not None and break_end is not None:
        if break_start >= break_end:
            errors["break_end"] = str(_("The break must end after it starts."))
        elif opens_at and closes_at and not (opens_at < break_start and break_end < closes_at):
            errors["break_start"] = str(_("The break must fall inside the opening hours."))
    return errors


class ClosureKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    EXCEPTIONAL = "exceptional", _("Exceptional closure")


class Closure(BaseModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="closures"
    )
    branch = models.ForeignKey(
        Branch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text=_("Empty: the whole organisation is closed."),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=ClosureKind.choices, default=ClosureKind.EXCEPTIONAL
    )

    class Meta:
        ordering = ["starts_on"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="org_closure_order"
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "starts_on", "ends_on"], name="org_closure_dates_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.starts_on} → {self.ends_on}"


class DocumentKind(models.TextChoices):
    NINEA = "ninea", "NINEA"
    RCCM = "rccm", "RCCM"
    SIRET = "siret", "SIRET"
    KBIS = "kbis", "Kbis"
    ID_CARD = "id_card", _("Identity card")
    OTHER = "other", _("Other")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class VerificationDocument(BaseModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="verification_documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(
        _("file"), upload_to=document_path, validators=[validate_document_content]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("verification document")
        verbose_name_plural = _("verification documents")
        indexes = [models.Index(fields=["organization", "status"], name="org_document_status_idx")]

    def __str__(self) -> str:
        return f"{self.organization}: {self.get_kind_display()}"


class VerificationDecision(AppendOnlyModel, BaseModel):
    """Append-only log of every verification decision made by staff."""

    append_only_message = "Verification decisions are append-only."

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="verification_decisions"
    )
    status = models.CharField(_("status"), max_length=10, choices=VerificationStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True, max_length=NOTE_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("verification decision")
        verbose_name_plural = _("verification decisions")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="org_decision_recent_idx")
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.status}"
