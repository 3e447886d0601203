"""Tickets, their event log, paid ticket orders, appointments and SMS usage."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedTextField, PhoneHashField
from teranga.core.holds import HeldOrder
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES

from .catalog import Counter, Queue, QueueService


class TicketStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")
    TRANSFERRED = "transferred", _("Transferred")
    EXPIRED = "expired", _("Expired")


S = TicketStatus
#: Still in the queue or at a counter.
ACTIVE_STATUSES = (S.WAITING, S.CALLED, S.SERVING)
#: At a counter (at most one such ticket per counter).
AT_COUNTER_STATUSES = (S.CALLED, S.SERVING)
FINAL_STATUSES = (S.SERVED, S.NO_SHOW, S.CANCELLED, S.TRANSFERRED, S.EXPIRED)


class Channel(models.TextChoices):
    MOBILE = "mobile", _("Mobile app")
    WEB = "web", _("Web")
    SMS = "sms", _("SMS")
    KIOSK = "kiosk", _("Kiosk")
    AGENT = "agent", _("Agent")
    API = "api", _("API")


class TicketClass(models.TextChoices):
    """Who the ticket is for; strategies order by it (the queue's type by default)."""

    NORMAL = "normal", _("Normal")
    PRIORITY = "priority", _("Priority")
    VIP = "vip", _("VIP")
    APPOINTMENT = "appointment", _("Appointment")
    EXPRESS = "express", _("Express")


#: Strict priority: lower is called first (ties by arrival).
CLASS_RANK: dict[str, int] = {
    TicketClass.VIP: 0,
    TicketClass.APPOINTMENT: 1,
    TicketClass.PRIORITY: 1,
    TicketClass.EXPRESS: 2,
    TicketClass.NORMAL: 2,
}


class Ticket(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="queue_tickets"
    )
    branch = models.ForeignKey(
        "organizations.Branch", on_delete=models.CASCADE, related_name="queue_tickets"
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets")
    service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("day"))
    number = models.PositiveIntegerField(_("number"))
    display_number = models.CharField(_("ticket"), max_length=8)
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.WAITING
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    ticket_class = models.CharField(
        _("class"), max_length=12, choices=TicketClass.choices, default=TicketClass.NORMAL
    )
    class_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="queue_tickets",
    )
    # Encrypted at rest; looked up (inbound SMS, one live ticket per number) by its hash.
    phone = EncryptedTextField(_("phone (E.164)"), max_length=20, blank=True)
    phone_hash = PhoneHashField(source="phone", db_index=False)
    language = models.CharField(_("language"), max_length=5, default="fr")
    #: A short random code: the QR code's content, and what SMS and kiosk clients quote.
    code = models.CharField(_("code"), max_length=12, unique=True)
    #: What orders the ticket in its class: arrival, or the appointment time.
    sort_at = models.DateTimeField(_("order time"))
    position_at_issue = models.PositiveIntegerField(_("position when issued"), default=0)
    #: None: unknown (no counter was open on the queue, ``selectors.estimates``).
    estimated_wait_at_issue = models.PositiveIntegerField(
        _("estimated wait when issued (seconds)"), default=0, null=True, blank=True
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    serving_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    served_at = models.DateTimeField(_("served at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("no-show at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    parked_at = models.DateTimeField(_("parked at"), null=True, blank=True)
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="served_queue_tickets",
    )
    recall_count = models.PositiveSmallIntegerField(_("recalls"), default=0)
    transferred_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transferred_to",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("comment"), blank=True, max_length=1000)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    origin_region = models.ForeignKey(
        "geo.Region", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    origin_commune = models.CharField(_("commune of origin"), max_length=100, blank=True)
    travel_mode = models.CharField(_("travel mode"), max_length=10, blank=True)
    leave_now_at = models.DateTimeField(_("leave-now notice sent"), null=True, blank=True)
    ahead_notified_at = models.DateTimeField(_("'almost your turn' sent"), null=True, blank=True)
    #: Counted as waiting in what the queue's watchers were last told: set and cleared one
    #: ticket at a time by ``live.publish_queue_change``, under the queue's lock, in the
    #: order its events are numbered (``selectors.positions``).
    listed = models.BooleanField(
        _("listed for the queue's watchers"), default=False, editable=False
    )
    note = models.CharField(_("agent note"), max_length=300, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "day", "number"], name="sq_ticket_number_unique"
            ),
            models.UniqueConstraint(
                fields=["counter"],
                condition=models.Q(status__in=["called", "serving"]),
                name="sq_ticket_one_per_counter",
            ),
            # One live ticket per client and queue (SMS clients: per phone, in services).
            models.UniqueConstraint(
                fields=["user", "queue"],
                condition=models.Q(status__in=["waiting", "called", "serving"]),
                name="sq_ticket_one_active_per_user",
            ),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="sq_ticket_rating_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["queue", "status", "class_rank", "sort_at"], name="sq_ticket_waiting_idx"
            ),
            models.Index(
                fields=["listed", "queue", "class_rank", "sort_at"], name="sq_ticket_listed_idx"
            ),
            # An organisation's tickets, newest first (the staff list): read in index order.
            models.Index(
                fields=["organization", "-day", "-created_at", "-id"],
                name="sq_ticket_org_recent_idx",
            ),
            models.Index(fields=["branch", "status", "called_at"], name="sq_ticket_board_idx"),
            models.Index(fields=["user", "status"], name="sq_ticket_user_idx"),
            models.Index(fields=["phone_hash", "status"], name="sq_ticket_phone_idx"),
            models.Index(fields=["service", "served_at"], name="sq_ticket_service_idx"),
            models.Index(fields=["counter", "served_at"], name="sq_ticket_counter_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class TicketEvent(AppendOnlyModel):
    """Append-only log of what happened to a ticket, with who did it and where."""

    append_only_message = "Ticket events are append-only."

    id = models.BigAutoField(primary_key=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    counter = models.ForeignKey(
        Counter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "at"], name="sq_event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    FULFILLED = "fulfilled", _("Ticket issued")
    RELEASED = "released", _("Not paid")
    REFUSED = "refused", _("Refused (refunded)")
    EXPIRED = "expired", _("Not paid in time")


class TicketOrder(BaseModel, HeldOrder):
    """A paid ticket before its payment: the ticket is issued when the payment
    succeeds (payable ``smartqueue.ticket_order``). A held order (``teranga.core.holds``):
    pending until ``hold_expires_at``, then expired by the platform's job."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="orders")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_ticket_orders"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    travel_mode = models.CharField(_("travel mode"), max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    price_amount = models.PositiveIntegerField(_("price (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="order"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("ticket order")
        verbose_name_plural = _("ticket orders")
        indexes = [
            models.Index(fields=["user", "status"], name="sq_order_user_idx"),
            models.Index(fields=["status", "hold_expires_at"], name="sq_order_hold_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.queue} — {self.status}"


class AppointmentStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    CANCELLED = "cancelled", _("Cancelled")
    MISSED = "missed", _("Missed")
    EXPIRED = "expired", _("Not paid in time")


class Appointment(BaseModel):
    """An appointment for a service at a branch: the product's side of a scheduling
    booking on the appointment queue's resource. At check-in it becomes a ticket in
    that queue, ordered by its appointment time."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="queue_appointments"
    )
    branch = models.ForeignKey(
        "organizations.Branch", on_delete=models.CASCADE, related_name="queue_appointments"
    )
    service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="appointments")
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="appointments")
    booking = models.OneToOneField(
        "scheduling.Booking", on_delete=models.CASCADE, related_name="queue_appointment"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_appointments"
    )
    starts_at = models.DateTimeField(_("starts at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.BOOKED,
    )
    price_amount = models.PositiveIntegerField(_("price (minor units)"), default=0)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    ticket = models.OneToOneField(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="appointment"
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        indexes = [
            models.Index(fields=["user", "starts_at"], name="sq_appt_user_idx"),
            models.Index(fields=["organization", "starts_at"], name="sq_appt_org_idx"),
            models.Index(fields=["status", "starts_at"], name="sq_appt_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.starts_at:%Y-%m-%d %H:%M}"


class SmsUsage(models.Model):
    """SMS sent for an organisation in a month (the plan's ``sms_per_month``)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    count = models.PositiveIntegerField(_("SMS sent"), default=0)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("SMS usage")
        verbose_name_plural = _("SMS usage")
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="sq_sms_usage_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.month:%Y-%m}: {self.count}"
