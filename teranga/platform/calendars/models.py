"""Calendar sync's data: a person's connection to an external calendar account (Google,
Microsoft 365), the calendars of that account they chose, what we pushed there (the
mapping of our entries' uids to the provider's event ids), the busy times read from
there, and the sync requests that carry every change to the background.

Tokens are stored encrypted (``teranga.core.encryption``); a watch channel's or
subscription's secret is stored as a keyed hash only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.encryption import EncryptedTextField
from teranga.core.limits import ERROR_MAX_LENGTH
from teranga.core.models import BaseModel


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ERROR = "error", _("Failing, retrying")
    REVOKED = "revoked", _("Access revoked")


class CalendarConnection(BaseModel):
    """One user's grant on one external calendar account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_connections"
    )
    provider = models.CharField(_("provider"), max_length=20)
    account = models.CharField(_("account"), max_length=254, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ConnectionStatus.choices,
        default=ConnectionStatus.ACTIVE,
    )
    access_token = EncryptedTextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token = EncryptedTextField(blank=True)
    #: Consecutive failures of the sync and when to try again (exponential backoff).
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=ERROR_MAX_LENGTH, blank=True)
    last_synced_at = models.DateTimeField(_("last synced at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("calendar connection")
        verbose_name_plural = _("calendar connections")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider", "account"], name="cal_connection_account_once"
            )
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="cal_connection_user_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="cal_connection_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}: {self.account or self.pk}"


class ExternalCalendar(BaseModel):
    """A calendar of a connected account. ``blocks_slots``: its busy times block the
    user's slots; ``receives_events``: our entries are pushed to it (one per connection)."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="calendars"
    )
    external_id = models.CharField(_("calendar id"), max_length=255)
    name = models.CharField(_("name"), max_length=255, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    can_write = models.BooleanField(_("writable"), default=False)
    blocks_slots = models.BooleanField(_("blocks my slots"), default=False)
    receives_events = models.BooleanField(_("receives my events"), default=False)
    #: The provider's incremental cursor (Google's nextSyncToken, Graph's deltaLink).
    sync_cursor = models.TextField(blank=True, max_length=4000)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    #: The push channel (Google watch channel, Graph subscription) and its secret's hash.
    watch_id = models.CharField(max_length=255, blank=True)
    watch_resource_id = models.CharField(max_length=255, blank=True)
    watch_secret_hash = models.CharField(max_length=64, blank=True)
    watch_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("external calendar")
        verbose_name_plural = _("external calendars")
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="cal_calendar_once"),
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(receives_events=True),
                name="cal_calendar_one_target",
            ),
        ]
        indexes = [
            models.Index(fields=["watch_id"], name="cal_calendar_watch_idx"),
            models.Index(fields=["watch_expires_at"], name="cal_calendar_watch_exp_idx"),
        ]

    def __str__(self) -> str:
        return self.name or self.external_id


class PushedEvent(BaseModel):
    """What we pushed: one of our entries (``uid``) as one provider event, with a hash of
    what it said, so a reconcile only calls the provider for what changed."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="pushed_events"
    )
    calendar_id = models.CharField(_("calendar id"), max_length=255)
    uid = models.CharField(_("entry uid"), max_length=200)
    external_id = models.CharField(_("event id"), max_length=1024)
    content_hash = models.CharField(_("content hash"), max_length=64)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta(BaseModel.Meta):
        verbose_name = _("pushed event")
        verbose_name_plural = _("pushed events")
        constraints = [
            models.UniqueConstraint(fields=["connection", "uid"], name="cal_pushed_once")
        ]
        indexes = [
            models.Index(fields=["connection", "ends_at"], name="cal_pushed_range_idx"),
            models.Index(fields=["connection", "external_id"], name="cal_pushed_ext_idx"),
        ]

    def __str__(self) -> str:
        return self.uid


class BusyInterval(BaseModel):
    """A busy time of a user read from one of their calendars that block slots."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_busy"
    )
    calendar = models.ForeignKey(
        ExternalCalendar, on_delete=models.CASCADE, related_name="busy_intervals"
    )
    external_event_id = models.CharField(_("event id"), max_length=1024)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("busy time")
        verbose_name_plural = _("busy times")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "external_event_id"], name="cal_busy_event_once"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="cal_busy_order"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "starts_at", "ends_at"], name="cal_busy_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_at:%Y-%m-%d %H:%M}"


class SyncKind(models.TextChoices):
    PUSH = "push", _("Push my entries")
    PULL = "pull", _("Read busy times")


class SyncStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SyncRequest(BaseModel):
    """Work to do for a connection, recorded in the transaction of what caused it (a
    booking changed, a push notification came) and processed after commit, idempotently:
    a retry does what is still to do. Failures back off (``next_attempt_at``)."""

    connection = models.ForeignKey(
        CalendarConnection, on_delete=models.CASCADE, related_name="sync_requests"
    )
    kind = models.CharField(_("kind"), max_length=4, choices=SyncKind.choices)
    #: For a pull: the calendar (empty: every calendar that blocks slots).
    calendar = models.ForeignKey(
        ExternalCalendar, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=SyncStatus.choices, default=SyncStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=ERROR_MAX_LENGTH, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("sync request")
        verbose_name_plural = _("sync requests")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="cal_request_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.connection_id} ({self.status})"
