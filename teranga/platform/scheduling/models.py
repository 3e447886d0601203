"""The scheduling engine's data: what can be booked (resources), when (weekly rules and
date overrides), the bookings themselves with their history, and calendar feeds.

The engine knows nothing of products. A booking names its ``source`` (the product that
made it, e.g. ``"booking"``) and its ``offering`` (an opaque key of what was booked, e.g.
a service id); slots of one offering at the same start share the slot's capacity.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.holds import HeldOrder
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel


class ResourceKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    COUNTER = "counter", _("Counter")
    ROOM = "room", _("Room")
    PROPERTY = "property", _("Property")
    SERVICE = "service", _("Service")
    OTHER = "other", _("Other")


class Resource(BaseModel):
    """Anything that can be booked. It belongs to an organisation, maybe to a branch
    (whose opening hours and closures then bound its availability)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="resources"
    )
    branch = models.ForeignKey(
        "organizations.Branch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resources",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=10, choices=ResourceKind.choices, default=ResourceKind.STAFF
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scheduling_resources",
        help_text=_("The staff member this resource is, if any."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [
            models.Index(fields=["organization", "is_active"], name="sched_resource_active_idx")
        ]

    def __str__(self) -> str:
        return self.name


class AvailabilityRule(BaseModel):
    """A weekly recurring window of a resource (0 = Monday), with an optional break and
    an optional date range in which it applies. Rules of a resource never overlap."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="rules")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))
    break_start = models.TimeField(_("break starts"), null=True, blank=True)
    break_end = models.TimeField(_("break ends"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["weekday", "starts_at"]
        verbose_name = _("availability rule")
        verbose_name_plural = _("availability rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="sched_rule_weekday"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="sched_rule_order"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="sched_rule_dates",
            ),
        ]
        indexes = [models.Index(fields=["resource", "weekday"], name="sched_rule_resource_idx")]

    def __str__(self) -> str:
        return f"{self.resource} {self.weekday} {self.starts_at}–{self.ends_at}"


class OverrideKind(models.TextChoices):
    AVAILABLE = "available", _("Extra availability")
    UNAVAILABLE = "unavailable", _("Unavailable")


class AvailabilityOverride(BaseModel):
    """A change on one date: extra hours, or hours (or the whole day, without times)
    taken away."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=OverrideKind.choices)
    starts_at = models.TimeField(_("starts at"), null=True, blank=True)
    ends_at = models.TimeField(_("ends at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("availability override")
        verbose_name_plural = _("availability overrides")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(starts_at__isnull=True, ends_at__isnull=True)
                    | models.Q(starts_at__lt=models.F("ends_at"))
                ),
                name="sched_override_times",
            ),
        ]
        indexes = [models.Index(fields=["resource", "date"], name="sched_override_date_idx")]

    def __str__(self) -> str:
        return f"{self.resource} {self.date} {self.kind}"

    @property
    def whole_day(self) -> bool:
        return self.starts_at is None


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED_BY_CLIENT = "cancelled_by_client", _("Cancelled by the client")
    CANCELLED_BY_BUSINESS = "cancelled_by_business", _("Cancelled by the business")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    EXPIRED = "expired", _("Hold expired")


#: Statuses that occupy time (a pending booking only while its hold lasts).
OCCUPYING_STATUSES = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)
CANCELLED_STATUSES = (BookingStatus.CANCELLED_BY_CLIENT, BookingStatus.CANCELLED_BY_BUSINESS)


class Booking(BaseModel, HeldOrder):
    """A time taken on a resource. A pending booking with ``hold_expires_at`` is a held
    order (``teranga.core.holds``): it keeps the slot until then, and expires after."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="bookings"
    )
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    source = models.CharField(_("product"), max_length=30)
    offering = models.CharField(_("offering"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    #: The span the resource is taken, buffers included.
    occupied_from = models.DateTimeField(_("occupied from"))
    occupied_until = models.DateTimeField(_("occupied until"))
    capacity = models.PositiveIntegerField(_("slot capacity"), default=1)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Africa/Dakar")
    status = models.CharField(
        _("status"), max_length=24, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancellation_reason = models.TextField(
        _("cancellation reason"), blank=True, max_length=NOTE_MAX_LENGTH
    )
    #: Set when a change of availability left this booking outside it: staff decide.
    needs_attention = models.BooleanField(_("needs attention"), default=False)
    attention_reason = models.CharField(_("attention reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="sched_booking_order"
            ),
            models.CheckConstraint(
                condition=models.Q(occupied_from__lte=models.F("starts_at"))
                & models.Q(occupied_until__gte=models.F("ends_at")),
                name="sched_booking_occupied",
            ),
        ]
        indexes = [
            models.Index(
                fields=["resource", "occupied_from", "occupied_until"],
                name="sched_booking_resource_idx",
            ),
            models.Index(fields=["client", "starts_at"], name="sched_booking_client_idx"),
            models.Index(
                fields=["organization", "source", "starts_at"], name="sched_booking_org_idx"
            ),
            models.Index(fields=["status", "starts_at"], name="sched_booking_status_idx"),
            models.Index(fields=["status", "hold_expires_at"], name="sched_booking_hold_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} @ {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    def hold_over(self, now) -> bool:
        """Its hold has ended unpaid: expired, or pending past ``hold_expires_at`` (the
        periodic sweep may not have run yet). Writes that need the hold check this."""
        return self.status == BookingStatus.EXPIRED or self.hold_lapsed(now)


class BookingEvent(AppendOnlyModel, BaseModel):
    """Append-only history of a booking: every transition, who made it and why."""

    append_only_message = "Booking events are append-only."

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True, max_length=NOTE_MAX_LENGTH)
    previous_starts_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")
        indexes = [models.Index(fields=["booking", "created_at"], name="sched_event_booking_idx")]

    def __str__(self) -> str:
        return f"{self.booking_id}: {self.action}"


class BookingReminder(BaseModel):
    """The record that a reminder was issued: one row per booking, offset and start
    time (a rescheduled booking is reminded again). The unique constraint is what makes
    reminders idempotent across retries and restarts."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField(_("minutes before"))
    starts_at = models.DateTimeField(_("booking start"))

    class Meta(BaseModel.Meta):
        verbose_name = _("booking reminder")
        verbose_name_plural = _("booking reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "offset_minutes", "starts_at"], name="sched_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booking_id} −{self.offset_minutes} min"


class CalendarFeed(BaseModel):
    """A secret iCal subscription URL: a user's own agenda, or an organisation's. Only the
    SHA-256 digest of the token is stored; revoking sets ``revoked_at``."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feeds",
        help_text=_("Empty: the owner's own agenda."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        indexes = [models.Index(fields=["owner", "revoked_at"], name="sched_feed_owner_idx")]

    def __str__(self) -> str:
        return self.name or str(self.pk)
