"""Ticket types and their quotas, orders held while they are paid, tickets, transfers and
the waiting list.

**Seats are counted, never oversold.** Every counter that limits a sale (the ticket
type's ``quota``, each shared quota's ``size``, the event's ``capacity``) has a ``taken``
beside it: seats held by a pending order, offered to the waiting list, or sold. A sale
takes seats with one conditional ``UPDATE … SET taken = taken + n WHERE taken + n <=
limit`` per counter, in a fixed order (event, shared quotas by id, ticket type), and a
check constraint backs each one, so the last seat can never be taken twice on either
database. Expiry, cancellation and refunds give seats back the same way.

An order is a held order (``teranga.core.holds``): pending until its hold runs out (10
minutes by default) or it is paid; the one job ``core.holds_expire`` expires it and gives
its seats back. Paid orders issue one :class:`Ticket` per seat.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from teranga.core.holds import HeldOrder
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES

from .events import Event

NAME_MAX_LENGTH = 100
#: At most this many tickets in one order.
MAX_PER_ORDER = 10
#: How long a cart holds its seats, and a waiting-list offer its seat (minutes).
HOLD_MINUTES = 10
OFFER_MINUTES = 60


class TicketKind(models.TextChoices):
    FREE = "free", _("Free")
    PAID = "paid", pgettext_lazy("ticket kind", "Paid")
    #: The price rises in steps as seats sell (``tiers``: early bird, then regular …).
    TIERED = "tiered", _("Tiered")


class TicketType(BaseModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    description = models.CharField(_("description"), max_length=NOTE_MAX_LENGTH, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=TicketKind.choices)
    #: Minor units (XOF has none); 0 for a free type. A tiered type's price once every
    #: tier is sold out.
    price = models.PositiveIntegerField(_("price"), default=0)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    #: ``[{"up_to": 100, "price": 2000}, …]``: seats 1–100 sold at 2 000, then the next
    #: tier; ordered by ``up_to``. Empty unless ``kind`` is tiered.
    tiers = models.JSONField(_("price tiers"), default=list, blank=True)
    quota = models.PositiveIntegerField(_("quota"))
    taken = models.PositiveIntegerField(_("seats taken"), default=0)
    sold = models.PositiveIntegerField(_("tickets sold"), default=0)
    max_per_order = models.PositiveSmallIntegerField(
        _("most per order"),
        default=MAX_PER_ORDER,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PER_ORDER)],
    )
    sales_start = models.DateTimeField(_("sales start"), null=True, blank=True)
    sales_end = models.DateTimeField(_("sales end"), null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "price", "id"]
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        indexes = [models.Index(fields=["event", "is_active"], name="campus_type_event_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("quota")), name="campus_type_taken_within_quota"
            ),
            models.CheckConstraint(
                condition=Q(sold__lte=F("taken")), name="campus_type_sold_taken"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SharedQuota(BaseModel):
    """Seats shared by several ticket types of one event (200 seats for "student" and
    "staff" together): a ticket of any of them takes a seat here too."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shared_quotas")
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    size = models.PositiveIntegerField(_("size"))
    taken = models.PositiveIntegerField(_("seats taken"), default=0)
    ticket_types = models.ManyToManyField(
        TicketType, related_name="shared_quotas", verbose_name=_("ticket types")
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("shared quota")
        verbose_name_plural = _("shared quotas")
        constraints = [
            models.CheckConstraint(
                condition=Q(taken__lte=F("size")), name="campus_quota_taken_within_size"
            )
        ]

    def __str__(self) -> str:
        return self.name


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Order(HeldOrder, BaseModel):
    """A cart: the seats it holds until it is paid (or free: confirmed at once). Paid
    through the payable ``campus.order``; coupons apply through the payment."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="campus_orders"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campus_orders"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    #: The price of its lines (before coupons; the payment records what was paid).
    total = models.PositiveIntegerField(_("total"), default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    #: The waiting-list offer this order takes up (its seat is already held).
    offer = models.OneToOneField(
        "campus.WaitingListEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="order",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["status", "hold_expires_at"], name="campus_order_hold_idx"),
            models.Index(fields=["buyer", "created_at"], name="campus_order_buyer_idx"),
            models.Index(fields=["event", "status"], name="campus_order_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.get_status_display()})"


class OrderLine(BaseModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PER_ORDER)]
    )
    #: The price of one seat when the order was made (tiers fixed at that moment).
    unit_price = models.PositiveIntegerField(_("unit price"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "ticket_type"], name="campus_line_type_once")
        ]


class TicketStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class Ticket(BaseModel):
    """One seat of a paid (or free) order. ``code`` is unguessable; the QR code encodes
    ``TERANGA-CAMPUS:<code>``. ``holder`` changes when the ticket is transferred."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="campus_tickets"
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="tickets")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="tickets")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campus_tickets"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.VALID
    )
    price = models.PositiveIntegerField(_("price"), default=0)

    class Meta(BaseModel.Meta):
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["holder", "created_at"], name="campus_ticket_holder_idx"),
            # Scanner delta sync: what changed on the event since a cursor.
            models.Index(fields=["event", "updated_at"], name="campus_ticket_sync_idx"),
            models.Index(fields=["event", "status"], name="campus_ticket_event_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} — {self.code[:6]}…"


class TicketTransfer(AppendOnlyModel, BaseModel):
    """A ticket handed from one holder to another (its history)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transfers")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    #: The code the ticket had before (a transfer gives it a new one: the old QR is void).
    previous_code = models.CharField(max_length=32)

    class Meta(BaseModel.Meta):
        verbose_name = _("ticket transfer")
        verbose_name_plural = _("ticket transfers")


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    #: A seat is held for them until ``hold_expires_at``.
    OFFERED = "offered", _("Offered a seat")
    #: They took the offer (an order was made with the held seat).
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Offer expired")
    LEFT = "left", _("Left the list")


class WaitingListEntry(HeldOrder, BaseModel):
    """A student waiting for a seat of a sold-out event (or ticket type). When a seat
    frees up, the first waiting entry gets it held for ``OFFER_MINUTES`` (a held order:
    the offer lapses like a cart, and the seat goes to the next one)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waiting_list")
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.CASCADE, related_name="waiting_list"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_waiting"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WaitingStatus.choices, default=WaitingStatus.WAITING
    )
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        indexes = [
            models.Index(fields=["status", "hold_expires_at"], name="campus_wait_hold_idx"),
            models.Index(
                fields=["ticket_type", "status", "created_at"], name="campus_wait_next_idx"
            ),
        ]
        constraints = [
            # One open entry per student and ticket type.
            models.UniqueConstraint(
                fields=["user", "ticket_type"],
                condition=Q(status__in=["waiting", "offered"]),
                name="campus_wait_open_once",
            )
        ]
