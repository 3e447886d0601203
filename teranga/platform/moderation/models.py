"""The moderation queue (:class:`ModerationCase`), its append-only log
(:class:`ModerationLogEntry`) and the terms staff add to the built-in lists
(:class:`ModerationTerm`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from teranga.core.limits import NOTE_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel

#: What a case keeps of the text (and a log entry of a blocked one).
EXCERPT_MAX_LENGTH = 500
KIND_MAX_LENGTH = 60
OBJECT_ID_MAX_LENGTH = 64
SCOPE_MAX_LENGTH = 120
TERM_MAX_LENGTH = 200


class CaseAction(models.TextChoices):
    FLAG = "flag", pgettext_lazy("moderation", "Flagged")
    BLOCK = "block", pgettext_lazy("moderation", "Blocked")


class CaseStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("moderation", "Open")
    APPROVED = "approved", pgettext_lazy("moderation", "Approved")
    REMOVED = "removed", pgettext_lazy("moderation", "Removed")


class ModerationCase(BaseModel):
    """Content waiting for (or having had) a moderator's decision. One open case per
    object: new flags and reports join it."""

    kind = models.CharField(_("kind"), max_length=KIND_MAX_LENGTH)
    object_id = models.CharField(_("object"), max_length=OBJECT_ID_MAX_LENGTH)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    scope = models.CharField(_("scope"), max_length=SCOPE_MAX_LENGTH, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    excerpt = models.CharField(_("excerpt"), max_length=EXCERPT_MAX_LENGTH, blank=True)
    action = models.CharField(_("verdict"), max_length=8, choices=CaseAction.choices)
    #: ``[{"code": "keyword", "reason": "flagged word: arnaque"}, …]``
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    reports = models.PositiveIntegerField(_("reports"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=NOTE_MAX_LENGTH, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("moderation case")
        verbose_name_plural = _("moderation cases")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=Q(status="open"),
                name="moderation_one_open_case",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="moderation_case_queue_idx"),
            models.Index(fields=["status", "kind", "-created_at"], name="moderation_case_kind_idx"),
            models.Index(
                fields=["organization", "status", "-created_at"], name="moderation_case_org_idx"
            ),
            models.Index(fields=["kind", "scope", "status"], name="moderation_case_scope_idx"),
            models.Index(fields=["kind", "object_id"], name="moderation_case_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.status})"


class LogAction(models.TextChoices):
    FLAGGED = "flagged", pgettext_lazy("moderation", "Flagged")
    BLOCKED = "blocked", pgettext_lazy("moderation", "Blocked")
    REPORTED = "reported", pgettext_lazy("moderation", "Reported")
    APPROVED = "approved", pgettext_lazy("moderation", "Approved")
    REMOVED = "removed", pgettext_lazy("moderation", "Removed")


class ModerationLogEntry(AppendOnlyModel, BaseModel):
    """One step of moderation, never changed: a flag, a blocked attempt (its text is not
    stored anywhere else), a report, a decision."""

    append_only_message = "moderation log entries are append-only"

    case = models.ForeignKey(
        ModerationCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="log"
    )
    kind = models.CharField(_("kind"), max_length=KIND_MAX_LENGTH)
    object_id = models.CharField(_("object"), max_length=OBJECT_ID_MAX_LENGTH, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=10, choices=LogAction.choices)
    reason = models.CharField(_("reason"), max_length=NOTE_MAX_LENGTH, blank=True)
    excerpt = models.CharField(_("excerpt"), max_length=EXCERPT_MAX_LENGTH, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("moderation log entry")
        verbose_name_plural = _("moderation log")
        indexes = [
            models.Index(fields=["action", "-created_at"], name="moderation_log_action_idx"),
            models.Index(fields=["kind", "object_id"], name="moderation_log_object_idx"),
            models.Index(fields=["organization", "-created_at"], name="moderation_log_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.kind} {self.object_id}"


class TermKind(models.TextChoices):
    KEYWORD = "keyword", _("Word or phrase")
    REGEX = "regex", _("Regular expression")


class TermLanguage(models.TextChoices):
    ANY = "any", pgettext_lazy("moderation", "Any")
    FR = "fr", _("French")
    EN = "en", _("English")
    WO = "wo", _("Wolof")


class ModerationTerm(BaseModel):
    """A word, phrase or regular expression staff add to the built-in lists."""

    term = models.CharField(_("term"), max_length=TERM_MAX_LENGTH)
    kind = models.CharField(
        _("kind"), max_length=8, choices=TermKind.choices, default=TermKind.KEYWORD
    )
    language = models.CharField(
        _("language"), max_length=3, choices=TermLanguage.choices, default=TermLanguage.ANY
    )
    action = models.CharField(
        _("action"), max_length=8, choices=CaseAction.choices, default=CaseAction.FLAG
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("moderation term")
        verbose_name_plural = _("moderation terms")
        constraints = [
            models.UniqueConstraint(fields=["term", "kind"], name="moderation_term_unique")
        ]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        import re

        from django.core.exceptions import ValidationError

        if self.kind == TermKind.REGEX:
            try:
                re.compile(self.term)
            except re.error as error:
                raise ValidationError({"term": _("Not a valid regular expression.")}) from error
