"""The Academy (seed 004, Calmness Trading): formations (trainings) with recurring live
sessions, members' enrolments, attendance and session reminders.

* :class:`Formation` — a training of an academy: title, level, price (integer minor
  units and a currency), a sanitised description, and where it takes place (Zoom,
  Google Meet or Teams, with the link). Only its published formations are public.
* :class:`SessionSchedule` — the weekly rule a series of sessions was planned from
  ("every Tuesday and Thursday at 19:00 Paris time for 8 weeks"), kept for the record;
  the dates come from the scheduling engine's recurrence (``scheduling.services.
  recurrence``) and each is a :class:`Session` of its own.
* :class:`Session` — one live date. Moving or cancelling it notifies the enrolled members.
* :class:`Enrolment` — a member in a formation: pending until its payment succeeds
  (online, or a manual payment validated by staff), then active.
* :class:`Attendance` — a member at a session: checked in through their signed link,
  or marked by the instructor's roll call.
* :class:`SessionReminder` — the reminders already sent (unique per session, offset and
  start), so a run, a retry or a restart sends each once.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES

TITLE_MAX_LENGTH = 200
URL_MAX_LENGTH = 500


class Level(models.TextChoices):
    BEGINNER = "beginner", _("Beginner")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ADVANCED = "advanced", _("Advanced")


class Platform(models.TextChoices):
    ZOOM = "zoom", _("Zoom")
    GOOGLE_MEET = "google_meet", _("Google Meet")
    TEAMS = "teams", _("Microsoft Teams")


class Formation(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="academy_formations",
        verbose_name=_("academy"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    #: Sanitised HTML (nh3).
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    price_amount = models.PositiveBigIntegerField(_("price (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    meeting_url = models.URLField(_("meeting link"), max_length=URL_MAX_LENGTH)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="academy_formations_taught",
        verbose_name=_("instructor"),
    )
    is_published = models.BooleanField(_("published"), default=False)

    class Meta(BaseModel.Meta):
        ordering = ["title"]
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        indexes = [
            models.Index(fields=["organization", "title"], name="acad_formation_org_idx"),
            models.Index(fields=["is_published", "title"], name="acad_formation_pub_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class SessionSchedule(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    formation = models.ForeignKey(
        Formation, on_delete=models.CASCADE, related_name="schedules", verbose_name=_("formation")
    )
    weekdays = models.JSONField(_("weekdays"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(600)]
    )
    time_zone = models.CharField(_("time zone"), max_length=64)
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))

    class Meta(BaseModel.Meta):
        verbose_name = _("session schedule")
        verbose_name_plural = _("session schedules")

    def __str__(self) -> str:
        return f"{self.formation} {self.first_date}–{self.last_date}"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class Session(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    formation = models.ForeignKey(
        Formation, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("formation")
    )
    schedule = models.ForeignKey(
        SessionSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("schedule"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )

    class Meta(BaseModel.Meta):
        ordering = ["starts_at"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="acad_session_times"
            )
        ]
        indexes = [
            models.Index(fields=["formation", "starts_at"], name="acad_session_formation_idx"),
            models.Index(fields=["status", "starts_at"], name="acad_session_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.formation} {self.starts_at:%Y-%m-%d %H:%M}"


class EnrolmentStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")


class Enrolment(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    formation = models.ForeignKey(
        Formation, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("formation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="academy_enrolments",
        verbose_name=_("member"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PENDING
    )
    #: The price quoted when the member enrolled (minor units of the formation's currency).
    amount = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payment"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["formation", "user"], name="acad_enrolment_formation_user_unique"
            )
        ]
        indexes = [
            models.Index(fields=["formation", "status"], name="acad_enrolment_status_idx"),
            models.Index(fields=["user", "status"], name="acad_enrolment_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.formation}"


class AttendanceMethod(models.TextChoices):
    LINK = "link", _("Check-in link")
    ROLL_CALL = "roll_call", _("Roll call")


class Attendance(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("session")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="academy_attendances",
        verbose_name=_("member"),
    )
    present = models.BooleanField(_("present"))
    method = models.CharField(_("method"), max_length=10, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], name="acad_attendance_session_user_unique"
            )
        ]
        indexes = [models.Index(fields=["user", "present"], name="acad_attendance_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.session}"


class SessionReminder(BaseModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField(_("minutes before"))
    starts_at = models.DateTimeField(_("session start"))

    class Meta(BaseModel.Meta):
        verbose_name = _("session reminder")
        verbose_name_plural = _("session reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "offset_minutes", "starts_at"],
                name="acad_reminder_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} −{self.offset_minutes} min"


from .models_mt import *  # noqa: E402,F401,F403
from .models_plans import *  # noqa: E402,F401,F403
from .models_signals import *  # noqa: E402,F401,F403
from .models_space import *  # noqa: E402,F401,F403
