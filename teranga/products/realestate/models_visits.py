"""Visits of a property: booked through the platform's scheduling engine.

A visit is one engine :class:`~teranga.platform.scheduling.models.Booking` (same id) on
the agent's resource (a scheduling ``Resource`` of kind staff whose ``user`` is the
agent): the engine locks, checks the agent's availability and bookings, keeps the
history, announces the changes and reminds the registered visitor and the agent. The
property's own visiting hours, when it has any, are a scheduling resource of kind
property (:class:`PropertyVisitHours`); the slots offered are the intersection of both.

The visitor is a registered client (``visitor``, also the booking's client) or a guest
with a name and a phone (encrypted at rest, looked up by its keyed hash), who is told by
SMS.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedPhoneNumberField, PhoneHashField
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import BaseModel

__all__ = [
    "GUEST_EMAIL_MAX_LENGTH",
    "GUEST_NAME_MAX_LENGTH",
    "INTEREST_MAX",
    "INTEREST_MIN",
    "PropertyVisitHours",
    "VISIT_BLOCK_REASON_MAX_LENGTH",
    "Visit",
    "VisitBlock",
    "VisitGuestReminder",
    "VisitStatus",
]

GUEST_NAME_MAX_LENGTH = 120
GUEST_EMAIL_MAX_LENGTH = 254
VISIT_BLOCK_REASON_MAX_LENGTH = 200
INTEREST_MIN = 1
INTEREST_MAX = 5


class VisitStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class PropertyVisitHours(BaseModel):
    """The property's own visiting hours: a scheduling resource of kind property whose
    weekly rules and date overrides (blocked times) bound the visits of the property."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    property = models.OneToOneField(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="visit_hours",
        verbose_name=_("property"),
    )
    resource = models.OneToOneField(
        "scheduling.Resource",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("resource"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("property visiting hours")
        verbose_name_plural = _("property visiting hours")

    def __str__(self) -> str:
        return str(self.property_id)


class Visit(BaseModel):
    """One visit of a property. Its id is its booking's id."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_visits",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("property"),
    )
    booking = models.OneToOneField(
        "scheduling.Booking",
        on_delete=models.CASCADE,
        related_name="realestate_visit",
        verbose_name=_("booking"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_visits_led",
        verbose_name=_("agent"),
    )
    #: A registered client; empty for a guest.
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_visits",
        verbose_name=_("visitor"),
    )
    guest_name = models.CharField(_("guest's name"), max_length=GUEST_NAME_MAX_LENGTH, blank=True)
    guest_phone = EncryptedPhoneNumberField(_("guest's phone"), blank=True)
    guest_phone_hash = PhoneHashField(source="guest_phone")
    #: Optional: the address a guest who booked on the public page gave.
    guest_email = models.EmailField(
        _("guest's email"), max_length=GUEST_EMAIL_MAX_LENGTH, blank=True
    )
    #: The language the guest is told in (SMS).
    language = models.CharField(_("language"), max_length=5, default="fr")
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.REQUESTED
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    message = models.TextField(_("visitor's message"), blank=True, max_length=NOTE_MAX_LENGTH)
    #: The agency's own notes (never shown to the visitor).
    notes = models.TextField(_("staff notes"), blank=True, max_length=NOTE_MAX_LENGTH)
    cancellation_reason = models.TextField(
        _("cancellation reason"), blank=True, max_length=NOTE_MAX_LENGTH
    )
    interest_level = models.PositiveSmallIntegerField(
        _("interest level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(INTEREST_MIN), MaxValueValidator(INTEREST_MAX)],
    )
    feedback = models.TextField(_("feedback"), blank=True, max_length=NOTE_MAX_LENGTH)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["-starts_at", "id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="re_visit_org_idx"),
            models.Index(fields=["property", "starts_at"], name="re_visit_property_idx"),
            models.Index(fields=["agent", "starts_at"], name="re_visit_agent_idx"),
            models.Index(fields=["visitor", "starts_at"], name="re_visit_visitor_idx"),
            models.Index(fields=["status", "starts_at"], name="re_visit_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="re_visit_order"
            ),
            models.CheckConstraint(
                condition=Q(interest_level__isnull=True)
                | Q(interest_level__gte=INTEREST_MIN, interest_level__lte=INTEREST_MAX),
                name="re_visit_interest_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.property_id} @ {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    def visitor_name(self) -> str:
        """The registered visitor's name (or the start of their email), else the
        guest's; "" when the visitor's personal data was erased."""
        if self.visitor_id is not None and self.visitor is not None:
            if getattr(self.visitor, "erased_at", None):
                return ""
            return self.visitor.get_full_name() or self.visitor.email.split("@")[0]
        return self.guest_name


class VisitBlock(BaseModel):
    """Dates on which a property cannot be visited (the owner is away, works …): local
    dates of the agency, ``starts_on`` to ``ends_on`` inclusive. They offer no slot and
    refuse bookings and reschedules; visits already booked on them stay."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="visit_blocks",
        verbose_name=_("property"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=VISIT_BLOCK_REASON_MAX_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("blocked visit dates")
        verbose_name_plural = _("blocked visit dates")
        indexes = [
            models.Index(fields=["property", "ends_on"], name="re_visit_block_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")), name="re_visit_block_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.property_id} {self.starts_on}–{self.ends_on}"


class VisitGuestReminder(BaseModel):
    """The record that a guest was reminded of a visit by SMS: unique per visit, offset
    and start, which makes the reminders idempotent (the engine reminds registered
    visitors and agents itself)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="guest_reminders")
    offset_minutes = models.PositiveIntegerField(_("minutes before"))
    starts_at = models.DateTimeField(_("visit start"))

    class Meta(BaseModel.Meta):
        verbose_name = _("visit reminder")
        verbose_name_plural = _("visit reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "offset_minutes", "starts_at"], name="re_visit_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} −{self.offset_minutes} min"
