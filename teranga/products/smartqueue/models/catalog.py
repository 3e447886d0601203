"""What an organisation offers: services, queues, counters, agent sessions, kiosks."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES, Money


class ServiceCategory(models.TextChoices):
    BANKING = "banking", _("Banking")
    HEALTH = "health", _("Health")
    ADMINISTRATION = "administration", _("Administration")
    CIVIL_STATUS = "civil_status", _("Civil status")
    TELECOM = "telecom", _("Telecom")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    OTHER = "other", _("Other")


class QueueKind(models.TextChoices):
    NORMAL = "normal", _("Normal")
    PRIORITY = "priority", _("Priority")
    VIP = "vip", _("VIP")
    APPOINTMENT = "appointment", _("Appointment")
    EXPRESS = "express", _("Express")


class Strategy(models.TextChoices):
    FIFO = "fifo", _("First come, first served")
    PRIORITY = "priority", _("Strict priority")
    WEIGHTED = "weighted", _("Mixed (weighted)")


sms_keyword_validator = RegexValidator(r"^[A-Z0-9]{2,12}$", _("2 to 12 capital letters or digits."))
prefix_validator = RegexValidator(r"^[A-Z]{1,2}$", _("One or two capital letters."))


class QueueService(BaseModel):
    """A service an organisation offers (opening an account, a consultation, a passport
    renewal …). Its queues are at branches; its appointments come from the scheduling
    engine (the appointment queue's resource)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="queue_services"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    category = models.CharField(
        _("category"), max_length=20, choices=ServiceCategory.choices, default=ServiceCategory.OTHER
    )
    price_amount = models.PositiveIntegerField(
        _("price (minor units)"), default=0, help_text=_("0: free.")
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    average_service_minutes = models.PositiveSmallIntegerField(
        _("average service time (minutes)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text=_("Used for wait estimates until enough tickets have been served."),
    )
    sms_keyword = models.CharField(
        _("SMS keyword"),
        max_length=12,
        blank=True,
        validators=[sms_keyword_validator],
        help_text=_("Clients text this word to take a ticket (e.g. BANQUE)."),
    )
    appointment_minutes = models.PositiveSmallIntegerField(
        _("appointment length (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
    )
    appointment_capacity = models.PositiveSmallIntegerField(
        _("appointments per slot"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    appointment_min_notice_minutes = models.PositiveIntegerField(
        _("appointment minimum notice (minutes)"), default=60
    )
    appointment_max_advance_days = models.PositiveSmallIntegerField(
        _("appointment maximum advance (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    checkin_opens_minutes = models.PositiveSmallIntegerField(
        _("check-in opens (minutes before)"),
        default=30,
        validators=[MaxValueValidator(240)],
    )
    checkin_closes_minutes = models.PositiveSmallIntegerField(
        _("check-in closes (minutes after)"),
        default=15,
        validators=[MaxValueValidator(240)],
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue service")
        verbose_name_plural = _("queue services")
        constraints = [
            # One shared inbound number: a keyword names one service across Teranga.
            models.UniqueConstraint(
                fields=["sms_keyword"],
                condition=~models.Q(sms_keyword=""),
                name="sq_service_sms_keyword_unique",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "is_active"], name="sq_service_org_idx"),
            models.Index(fields=["category", "is_active"], name="sq_service_cat_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def is_paid(self) -> bool:
        return self.price_amount > 0


class ServiceHours(BaseModel):
    """When a service is offered on a weekday (0 = Monday). Queues that follow their
    hours open and close from these (else from their branch's opening hours)."""

    service = models.ForeignKey(QueueService, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        ordering = ["weekday", "opens_at"]
        verbose_name = _("service hours")
        verbose_name_plural = _("service hours")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")), name="sq_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="sq_hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.weekday} {self.opens_at}–{self.closes_at}"


def default_weights() -> dict[str, int]:
    return {"vip": 3, "priority": 2, "appointment": 2, "express": 1, "normal": 1}


class Queue(BaseModel):
    """One service at one branch: a type, a letter, a strategy, opening and a size."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="queues"
    )
    branch = models.ForeignKey(
        "organizations.Branch", on_delete=models.CASCADE, related_name="queues"
    )
    service = models.ForeignKey(QueueService, on_delete=models.PROTECT, related_name="queues")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("type"), max_length=12, choices=QueueKind.choices, default=QueueKind.NORMAL
    )
    prefix = models.CharField(_("letter"), max_length=2, validators=[prefix_validator])
    strategy = models.CharField(
        _("strategy"), max_length=10, choices=Strategy.choices, default=Strategy.FIFO
    )
    weights = models.JSONField(
        _("weights"),
        default=default_weights,
        blank=True,
        help_text=_(
            "Mixed strategy: tickets of each class called per round, e.g. priority 2, normal 1."
        ),
    )
    max_size = models.PositiveIntegerField(
        _("maximum waiting"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    is_open = models.BooleanField(_("open"), default=False)
    follows_hours = models.BooleanField(_("opens and closes from its hours"), default=True)
    keep_arrival_on_transfer = models.BooleanField(
        _("transferred tickets keep their arrival time"), default=True
    )
    no_show_timeout_seconds = models.PositiveIntegerField(
        _("no-show after (seconds)"),
        default=180,
        validators=[MinValueValidator(30), MaxValueValidator(3600)],
        help_text=_("A called ticket nobody starts serving is marked no-show after this."),
    )
    notify_ahead = models.PositiveSmallIntegerField(
        _("notify when this many are ahead"), default=3, validators=[MaxValueValidator(50)]
    )
    leave_now_margin_minutes = models.PositiveSmallIntegerField(
        _("leave-now margin (minutes)"), default=5, validators=[MaxValueValidator(120)]
    )
    appointment_resource = models.ForeignKey(
        "scheduling.Resource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="smartqueue_queues",
        help_text=_("Appointment queues: whose availability gives the appointment slots."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["branch", "prefix"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "prefix"],
                condition=models.Q(is_active=True),
                name="sq_queue_branch_prefix_unique",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "is_active"], name="sq_queue_org_idx"),
            models.Index(fields=["branch", "is_active", "is_open"], name="sq_queue_branch_idx"),
            models.Index(fields=["service", "kind"], name="sq_queue_service_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix} — {self.name}"


class QueueDay(models.Model):
    """The numbering of one queue on one local day: the row locked to give the next
    number, so numbers are gapless and unique under concurrency."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="days")
    day = models.DateField(_("day"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("queue day")
        verbose_name_plural = _("queue days")
        constraints = [models.UniqueConstraint(fields=["queue", "day"], name="sq_queue_day_unique")]

    def __str__(self) -> str:
        return f"{self.queue} {self.day}: {self.last_number}"


class Counter(BaseModel):
    """A desk (guichet) at a branch that serves a set of queues; agents open sessions
    on it. Across its queues it calls by its own strategy."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="counters"
    )
    branch = models.ForeignKey(
        "organizations.Branch", on_delete=models.CASCADE, related_name="counters"
    )
    name = models.CharField(
        _("name"), max_length=100, help_text=_("What the board shows, e.g. Guichet 3.")
    )
    queues = models.ManyToManyField(Queue, related_name="counters", blank=True)
    strategy = models.CharField(
        _("strategy"), max_length=10, choices=Strategy.choices, default=Strategy.PRIORITY
    )
    weights = models.JSONField(_("weights"), default=default_weights, blank=True)
    #: Smooth weighted round-robin state of the mixed strategy (class -> current weight).
    rotation = models.JSONField(default=dict, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["branch", "name"]
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        constraints = [
            models.UniqueConstraint(
                fields=["branch", "name"],
                condition=models.Q(is_active=True),
                name="sq_counter_branch_name_unique",
            )
        ]
        indexes = [models.Index(fields=["organization", "is_active"], name="sq_counter_org_idx")]

    def __str__(self) -> str:
        return self.name


class AgentSession(BaseModel):
    """An agent staffing a counter, from ``started_at`` until ``ended_at``."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="sessions")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="counter_sessions"
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("agent session")
        verbose_name_plural = _("agent sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["agent"],
                condition=models.Q(ended_at__isnull=True),
                name="sq_session_one_open_per_agent",
            ),
            models.UniqueConstraint(
                fields=["counter"],
                condition=models.Q(ended_at__isnull=True),
                name="sq_session_one_open_per_counter",
            ),
        ]
        indexes = [
            models.Index(fields=["counter", "ended_at"], name="sq_session_counter_idx"),
            models.Index(fields=["organization", "started_at"], name="sq_session_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agent} @ {self.counter}"


class Kiosk(BaseModel):
    """A ticket kiosk at a branch. It authenticates with an organisation API key
    (``Authorization: Api-Key <key>``); the row keeps the key's SHA-256 digest and its
    first characters, so a key is shown once, when it is created."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="kiosks"
    )
    branch = models.ForeignKey(
        "organizations.Branch", on_delete=models.CASCADE, related_name="kiosks"
    )
    name = models.CharField(_("name"), max_length=100)
    key_prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("kiosk")
        verbose_name_plural = _("kiosks")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
