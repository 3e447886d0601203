"""Client requests (saved searches) and the matching of properties against them.

A :class:`ClientRequest` is what a CRM client looks for: transaction, types, budget,
surface, rooms, zones (circles) and features. With an alert frequency it is a saved
search: new matches are sent instantly, or in a daily or weekly digest. Matching is
scored in both directions by ``matching.score`` with the agency's
:class:`MatchingWeights`; a :class:`MatchHit` records a match once, so that it is never
sent twice; a :class:`RequestExclusion` is a property the client marked "not suitable".

Features are bit masks (``models.FEATURE_BITS``), as on the property. The union of the
zones' bounding boxes is kept in four columns so that "requests whose zones may hold this
point" is an indexed range test.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel
from teranga.core.money import CURRENCY_CHOICES

from .choices import TransactionType

__all__ = [
    "AlertFrequency",
    "CLIENT_ALERT_FREQUENCIES",
    "ClientRequest",
    "MatchHit",
    "MatchingWeights",
    "RequestExclusion",
    "MAX_ZONES",
    "ZONE_LABEL_MAX_LENGTH",
]

#: Zones (circles) of one request.
MAX_ZONES = 5
ZONE_LABEL_MAX_LENGTH = 80


class AlertFrequency(models.TextChoices):
    INSTANT = "instant", _("Instantly")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    NONE = "none", _("No alert")


#: What a client chooses for their own saved search (``none`` is for the agencies' own).
CLIENT_ALERT_FREQUENCIES = [
    (AlertFrequency.INSTANT.value, AlertFrequency.INSTANT.label),
    (AlertFrequency.DAILY.value, AlertFrequency.DAILY.label),
    (AlertFrequency.WEEKLY.value, AlertFrequency.WEEKLY.label),
]


class ClientRequest(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_requests",
        verbose_name=_("agency"),
    )
    client = models.ForeignKey(
        "realestate.Client",
        on_delete=models.CASCADE,
        related_name="requests",
        verbose_name=_("client"),
    )
    lead = models.ForeignKey(
        "realestate.Lead",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("lead"),
    )
    transaction = models.CharField(_("transaction"), max_length=12, choices=TransactionType.choices)
    #: Property types wanted (``PropertyType`` values); empty: any.
    property_types = models.JSONField(_("types"), default=list, blank=True)
    budget_min = models.PositiveBigIntegerField(
        _("budget min (minor units)"), null=True, blank=True
    )
    budget_max = models.PositiveBigIntegerField(
        _("budget max (minor units)"), null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    surface_min = models.PositiveIntegerField(_("surface min (m²)"), null=True, blank=True)
    surface_max = models.PositiveIntegerField(_("surface max (m²)"), null=True, blank=True)
    rooms_min = models.PositiveSmallIntegerField(_("rooms min"), null=True, blank=True)
    bedrooms_min = models.PositiveSmallIntegerField(_("bedrooms min"), null=True, blank=True)
    #: ``[{"lat", "lng", "radius_km", "label"}]``, at most ``MAX_ZONES``; empty: anywhere.
    zones = models.JSONField(_("zones"), default=list, blank=True)
    #: The union of the zones' bounding boxes (null without zones), written by the services.
    zone_lat_min = models.FloatField(null=True, blank=True, editable=False)
    zone_lat_max = models.FloatField(null=True, blank=True, editable=False)
    zone_lng_min = models.FloatField(null=True, blank=True, editable=False)
    zone_lng_max = models.FloatField(null=True, blank=True, editable=False)
    #: Bit masks of features (``FEATURE_BITS``).
    required_features = models.PositiveIntegerField(_("required features"), default=0)
    nice_features = models.PositiveIntegerField(_("nice-to-have features"), default=0)
    active = models.BooleanField(_("active"), default=True)
    alert_frequency = models.CharField(
        _("alerts"), max_length=8, choices=AlertFrequency.choices, default=AlertFrequency.NONE
    )
    last_digest_at = models.DateTimeField(_("last digest"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("client request")
        verbose_name_plural = _("client requests")
        indexes = [
            models.Index(
                fields=["organization", "active", "transaction", "budget_max"],
                name="re_request_match_idx",
            ),
            models.Index(fields=["client", "created_at"], name="re_request_client_idx"),
            models.Index(fields=["alert_frequency", "active"], name="re_request_alert_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} ({self.transaction})"


class RequestExclusion(BaseModel):
    """A property the client marked "not suitable" for a request: never matched to it."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    request = models.ForeignKey(
        ClientRequest,
        on_delete=models.CASCADE,
        related_name="exclusions",
        verbose_name=_("request"),
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("property"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("excluded property")
        verbose_name_plural = _("excluded properties")
        constraints = [
            models.UniqueConstraint(fields=["request", "property"], name="re_exclusion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} ≠ {self.property_id}"


class MatchHit(BaseModel):
    """A property found for a request: recorded once (unique), sent once (``notified_at``)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    request = models.ForeignKey(
        ClientRequest, on_delete=models.CASCADE, related_name="hits", verbose_name=_("request")
    )
    property = models.ForeignKey(
        "realestate.Property",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("property"),
    )
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["request", "property"], name="re_match_once"),
        ]
        indexes = [
            models.Index(fields=["request", "notified_at"], name="re_match_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} ~ {self.property_id}: {self.score}"


class MatchingWeights(BaseModel):
    """How an agency weighs the parts of a match (the defaults without a row)."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_matching_weights",
        verbose_name=_("agency"),
    )
    price = models.PositiveSmallIntegerField(
        _("price"), default=40, validators=[MaxValueValidator(100)]
    )
    surface = models.PositiveSmallIntegerField(
        _("surface"), default=20, validators=[MaxValueValidator(100)]
    )
    rooms = models.PositiveSmallIntegerField(
        _("rooms"), default=15, validators=[MaxValueValidator(100)]
    )
    distance = models.PositiveSmallIntegerField(
        _("distance"), default=15, validators=[MaxValueValidator(100)]
    )
    features = models.PositiveSmallIntegerField(
        _("features"), default=10, validators=[MaxValueValidator(100)]
    )
    #: How far over the budget a price may go (percent), losing points linearly.
    price_tolerance_percent = models.PositiveSmallIntegerField(
        _("price tolerance (%)"), default=10, validators=[MaxValueValidator(50)]
    )
    #: Matches below this score are neither recorded nor sent.
    alert_min_score = models.PositiveSmallIntegerField(
        _("minimum score for alerts"), default=50, validators=[MaxValueValidator(100)]
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("matching weights")
        verbose_name_plural = _("matching weights")

    def __str__(self) -> str:
        return str(self.organization_id)
