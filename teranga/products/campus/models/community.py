"""Community: reviews of events and their reports, badges, and student-ID (matricule)
verification.

**Reviews.** A student who checked in at an event reviews it once (unique per event and
author): a rating of 1 to 5 and a comment. The organiser's staff reply once (the reply
may be edited). Any signed-in user reports a review once, which opens or joins its case
in the platform's moderation queue; at :data:`REVIEW_HIDE_AFTER_REPORTS` reports it is
hidden (``hidden_at``) until a moderator approves it in the queue (or clears it in the
admin); a moderator who removes it keeps it hidden for good. ``organization`` is the
event's organiser, copied so that the organiser's average is one aggregate over an index.

**Badges.** The rules live in code (``services.badges.BADGES``); a :class:`BadgeAward`
is unique per user and badge, so awarding twice (a retried task, two workers) awards
once. :class:`BadgeSweep` keeps how far the periodic job has looked for activity.

**Matricule verification.** A :class:`StudentVerification` is one submission: the
university, the matricule, the student card (an image re-encoded on upload), its status
(pending, then approved or rejected by a manager of the university). A matricule is
claimed by one student per university while pending or approved (unique constraint); a
student has one open submission at a time.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedTextField, KeyedHashField
from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import BaseModel
from teranga.core.validators import validate_image_content

from .events import Event

#: A review is hidden pending moderation once this many users reported it.
REVIEW_HIDE_AFTER_REPORTS = 3
#: Longest matricule and badge code.
MATRICULE_MAX_LENGTH = 40
#: The keyed hash's purpose for matricules (``teranga.core.encryption.keyed_hash``).
MATRICULE_HASH = "campus.matricule"
BADGE_CODE_MAX_LENGTH = 40


class Review(BaseModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reviews")
    #: The event's organiser (copied: the organiser's average reads one index).
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="campus_reviews"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_reviews"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=NOTE_MAX_LENGTH)
    reply = models.TextField(_("organiser's reply"), blank=True, max_length=NOTE_MAX_LENGTH)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reports_count = models.PositiveIntegerField(_("reports"), default=0)
    #: Hidden: reported too often (pending moderation; approving the case clears it) or
    #: removed by a moderator.
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["event", "author"], name="campus_review_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="campus_review_rating_range"
            ),
        ]
        indexes = [
            models.Index(
                fields=["event", "hidden_at", "created_at"], name="campus_review_event_idx"
            ),
            models.Index(fields=["organization", "hidden_at"], name="campus_review_org_idx"),
            models.Index(fields=["author", "created_at"], name="campus_review_author_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} — {self.rating}/5"


class ReviewReport(BaseModel):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=NOTE_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="campus_review_report_once")
        ]


class BadgeAward(BaseModel):
    """A badge (a rule of ``services.badges.BADGES``, by code) a user earned."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_badges"
    )
    badge = models.CharField(_("badge"), max_length=BADGE_CODE_MAX_LENGTH)

    class Meta(BaseModel.Meta):
        verbose_name = _("badge awarded")
        verbose_name_plural = _("badges awarded")
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="campus_badge_once")]
        indexes = [models.Index(fields=["badge", "created_at"], name="campus_badge_code_idx")]

    def __str__(self) -> str:
        return f"{self.user} — {self.badge}"


class BadgeSweep(models.Model):
    """How far the periodic job ``campus.badges_award`` has looked for activity: one row
    per name (``"activity"``), locked while a run moves it on."""

    name = models.CharField(max_length=40, primary_key=True)
    checked_until = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        verbose_name = _("badge sweep")
        verbose_name_plural = _("badge sweeps")

    def __str__(self) -> str:
        return self.name


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def student_card_path(instance: StudentVerification, filename: str) -> str:
    from teranga.core.images import stored_extension

    folder = f"campus/{instance.university_id}/student-cards"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


class StudentVerification(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_verifications"
    )
    university = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="campus_student_verifications",
        verbose_name=_("university"),
        limit_choices_to={"kind": "university"},
    )
    # Encrypted at rest; looked up (one claim per university) by its keyed hash.
    matricule = EncryptedTextField(_("matricule"), max_length=MATRICULE_MAX_LENGTH)
    matricule_hash = KeyedHashField(source="matricule", purpose=MATRICULE_HASH, db_index=False)
    student_card = models.ImageField(
        _("student card"), upload_to=student_card_path, validators=[validate_image_content]
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VerificationStatus.choices,
        default=VerificationStatus.PENDING,
    )
    reason = models.TextField(_("reason"), blank=True, max_length=NOTE_MAX_LENGTH)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("student verification")
        verbose_name_plural = _("student verifications")
        constraints = [
            # A matricule belongs to one student of a university (while claimed).
            models.UniqueConstraint(
                fields=["university", "matricule_hash"],
                condition=Q(status__in=["pending", "approved"]),
                name="campus_matricule_unique",
            ),
            # One open (pending or approved) verification per student.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["pending", "approved"]),
                name="campus_verification_open_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["university", "status", "created_at"], name="campus_verif_queue_idx"
            ),
            models.Index(fields=["user", "status"], name="campus_verif_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.matricule} ({self.get_status_display()})"
