"""Check-in: lists, scans and the scanner devices that work offline.

A check-in list is a door: the ticket types it admits (none named: all), whether a
ticket may enter again after leaving, whether exits are recorded. Every scan that is
accepted or refused is a :class:`Scan` row (append-only). Online, the staff's
``validate`` locks the ticket and decides; offline, a :class:`ScannerDevice` decides from
the lists it downloaded, then uploads its scans with the time each happened and a nonce
per scan (unique per device: a re-upload never counts twice). When two offline devices
admitted the same ticket, the earlier scan stands and the later one is recorded as a
conflict.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.models import AppendOnlyModel, BaseModel

from .events import Event
from .tickets import Ticket, TicketType

NAME_MAX_LENGTH = 100


class CheckinList(BaseModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkin_lists")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    #: The ticket types it admits; none: every type of the event.
    ticket_types = models.ManyToManyField(
        TicketType, blank=True, related_name="checkin_lists", verbose_name=_("ticket types")
    )
    allow_reentry = models.BooleanField(_("re-entry allowed"), default=False)
    record_exits = models.BooleanField(_("exits recorded"), default=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("check-in list")
        verbose_name_plural = _("check-in lists")
        indexes = [models.Index(fields=["event"], name="campus_list_event_idx")]

    def __str__(self) -> str:
        return self.name


class ScannerDevice(BaseModel):
    """A phone the organiser's staff registered for offline check-in. It signs in with a
    token shown once (the row keeps its SHA-256 digest) and may download the lists of
    the organiser's events and upload scans."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="campus_scanners"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("scanner device")
        verbose_name_plural = _("scanner devices")

    def __str__(self) -> str:
        return self.name


class ScanDirection(models.TextChoices):
    ENTRY = "entry", _("Entry")
    EXIT = "exit", _("Exit")


class ScanResult(models.TextChoices):
    #: Admitted (or an exit recorded).
    VALID = "valid", _("Valid")
    ALREADY_IN = "already_in", _("Already checked in")
    NOT_ON_LIST = "not_on_list", _("Not valid on this list")
    CANCELLED = "cancelled", _("Ticket cancelled")
    UNKNOWN = "unknown", _("Unknown ticket")
    #: An offline scan admitted a ticket that another scan had admitted first.
    CONFLICT = "conflict", _("Admitted twice offline")


class Scan(AppendOnlyModel, BaseModel):
    """One scan at one door: who, when it happened (``scanned_at``, the device's clock for
    an offline scan), the decision. ``ticket`` is empty for an unknown code."""

    checkin_list = models.ForeignKey(CheckinList, on_delete=models.CASCADE, related_name="scans")
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="scans"
    )
    code = models.CharField(max_length=64)
    direction = models.CharField(max_length=5, choices=ScanDirection.choices)
    result = models.CharField(max_length=12, choices=ScanResult.choices)
    scanned_at = models.DateTimeField(_("scanned at"))
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    device = models.ForeignKey(
        ScannerDevice, on_delete=models.SET_NULL, null=True, blank=True, related_name="scans"
    )
    #: The device's id for this scan: a re-upload of the same scan is recognised.
    nonce = models.CharField(max_length=64, blank=True)
    offline = models.BooleanField(default=False)

    class Meta:
        ordering = ["scanned_at", "id"]
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        indexes = [
            models.Index(
                fields=["checkin_list", "ticket", "scanned_at"], name="campus_scan_state_idx"
            ),
            models.Index(fields=["checkin_list", "created_at"], name="campus_scan_list_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "nonce"],
                condition=~Q(nonce=""),
                name="campus_scan_nonce_once",
            )
        ]


class TicketPresence(BaseModel):
    """Where a ticket stands at one door: the last accepted scan's direction. The online
    validate locks this row (created on the first scan) so that two simultaneous scans of
    one ticket give exactly one "valid"."""

    checkin_list = models.ForeignKey(CheckinList, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="presences")
    inside = models.BooleanField(default=False)
    first_entry_at = models.DateTimeField(null=True, blank=True)
    last_scan = models.ForeignKey(
        Scan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("ticket presence")
        verbose_name_plural = _("ticket presences")
        constraints = [
            models.UniqueConstraint(fields=["checkin_list", "ticket"], name="campus_presence_once")
        ]
