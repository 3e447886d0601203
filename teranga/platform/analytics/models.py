"""Privacy-first web analytics: sites, their page views and events, the visits they make,
goals and funnels, and the optional demographics a user gives.

No cookie and no raw address: a visitor is a 64-bit hash of the day's salt (:class:`Salt`,
rotated daily, old ones deleted), the user agent, the address and the site, so the same
browser is a new visitor the next day and nobody can go from a row back to an address.
Events are written in batches by the flush (``services.events_flush``), never one insert
per request; a visit (:class:`Visit`) is opened or extended by the same flush.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import AppendOnlyModel, BaseModel

NAME_MAX_LENGTH = 100
DOMAIN_MAX_LENGTH = 253
MAX_DOMAINS = 10
PUBLIC_ID_LENGTH = 16
EVENT_NAME_MAX_LENGTH = 60
PATH_MAX_LENGTH = 500
REFERRER_MAX_LENGTH = 500
SOURCE_MAX_LENGTH = 100
UTM_MAX_LENGTH = 100
FAMILY_MAX_LENGTH = 60
PLACE_MAX_LENGTH = 100
PAGEVIEW = "pageview"
#: A visit ends after this long without an event (Plausible's rule).
VISIT_TIMEOUT_MINUTES = 30


class Device(models.TextChoices):
    DESKTOP = "desktop", _("Desktop")
    MOBILE = "mobile", _("Mobile")
    TABLET = "tablet", _("Tablet")
    OTHER = "other", _("Other device")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other gender")


class AgeRange(models.TextChoices):
    FROM_18 = "18-24", _("18 to 24")
    FROM_25 = "25-34", _("25 to 34")
    FROM_35 = "35-44", _("35 to 44")
    FROM_45 = "45-54", _("45 to 54")
    FROM_55 = "55-64", _("55 to 64")
    FROM_65 = "65+", _("65 and over")


class GoalKind(models.TextChoices):
    PAGEVIEW = "pageview", _("Page visited")
    EVENT = "event", _("Custom event")


class Site(BaseModel):
    """A website (or a product's pages) of an organisation whose traffic is counted. The
    script names it by ``public_id``; events are accepted for pages on its ``domains``
    (a domain also covers its sub-domains) and on Teranga's own host."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="analytics_sites",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    domains = models.JSONField(_("domains"), default=list, blank=True)
    public_id = models.CharField(_("public id"), max_length=PUBLIC_ID_LENGTH, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("analytics site")
        verbose_name_plural = _("analytics sites")

    def __str__(self) -> str:
        return self.name


class Salt(models.Model):
    """The secret of one UTC day that visitor hashes are made with; deleted once the day
    is over (``services.salts_rotate``), after which no hash can be recomputed."""

    day = models.DateField(_("day"), primary_key=True)
    value = models.CharField(_("value"), max_length=64)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("visitor salt")
        verbose_name_plural = _("visitor salts")

    def __str__(self) -> str:
        return str(self.day)


class Visit(BaseModel):
    """A visitor's visit: its events until 30 minutes pass without one. Source, device,
    place and UTM tags are those of its first event."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="visits")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    visitor_id = models.BigIntegerField(_("visitor hash"))
    started_at = models.DateTimeField(_("started at"))
    last_seen_at = models.DateTimeField(_("last seen at"))
    pageviews = models.PositiveIntegerField(_("page views"), default=0)
    events = models.PositiveIntegerField(_("events"), default=0)
    entry_page = models.CharField(_("entry page"), max_length=PATH_MAX_LENGTH, blank=True)
    exit_page = models.CharField(_("exit page"), max_length=PATH_MAX_LENGTH, blank=True)
    source = models.CharField(_("source"), max_length=SOURCE_MAX_LENGTH, blank=True)
    referrer = models.CharField(_("referrer"), max_length=REFERRER_MAX_LENGTH, blank=True)
    utm_source = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_medium = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_campaign = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_term = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    utm_content = models.CharField(max_length=UTM_MAX_LENGTH, blank=True)
    device = models.CharField(_("device"), max_length=10, choices=Device.choices)
    browser = models.CharField(_("browser"), max_length=FAMILY_MAX_LENGTH, blank=True)
    os = models.CharField(_("operating system"), max_length=FAMILY_MAX_LENGTH, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    region = models.CharField(_("region"), max_length=PLACE_MAX_LENGTH, blank=True)
    city = models.CharField(_("city"), max_length=PLACE_MAX_LENGTH, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    age_range = models.CharField(
        _("age range"), max_length=10, choices=AgeRange.choices, blank=True
    )

    UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            models.Index(fields=["site", "started_at"], name="analytics_visit_site_start"),
            models.Index(
                fields=["site", "visitor_id", "last_seen_at"], name="analytics_visit_open"
            ),
        ]

    @property
    def duration_seconds(self) -> int:
        return int((self.last_seen_at - self.started_at).total_seconds())


class Event(AppendOnlyModel):
    """A page view (``name`` = ``pageview``) or a custom event, written by the flush."""

    id = models.BigAutoField(primary_key=True)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="events")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="event_rows")
    visitor_id = models.BigIntegerField(_("visitor hash"))
    occurred_at = models.DateTimeField(_("occurred at"))
    name = models.CharField(_("name"), max_length=EVENT_NAME_MAX_LENGTH)
    hostname = models.CharField(_("host"), max_length=DOMAIN_MAX_LENGTH, blank=True)
    pathname = models.CharField(_("page"), max_length=PATH_MAX_LENGTH)

    class Meta:
        ordering = ["-occurred_at"]
        verbose_name = _("analytics event")
        verbose_name_plural = _("analytics events")
        indexes = [
            models.Index(fields=["site", "occurred_at"], name="analytics_event_site_time"),
            models.Index(fields=["site", "name", "occurred_at"], name="analytics_event_site_name"),
        ]


class Goal(BaseModel):
    """A conversion an admin defines: a visit to a page (``path``; a trailing ``*``
    matches every page below) or a custom event (``event_name``)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="goals")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    kind = models.CharField(_("kind"), max_length=10, choices=GoalKind.choices)
    path = models.CharField(_("page"), max_length=PATH_MAX_LENGTH, blank=True)
    event_name = models.CharField(_("event name"), max_length=EVENT_NAME_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="analytics_goal_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Funnel(BaseModel):
    """An ordered path of goals (2 to 8 steps) whose completion is reported step by step."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="funnels")
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)

    class Meta:
        ordering = ["site", "name"]
        verbose_name = _("funnel")
        verbose_name_plural = _("funnels")
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="analytics_funnel_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class FunnelStep(models.Model):
    id = models.BigAutoField(primary_key=True)
    funnel = models.ForeignKey(Funnel, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["funnel", "position"]
        verbose_name = _("funnel step")
        verbose_name_plural = _("funnel steps")
        constraints = [
            models.UniqueConstraint(
                fields=["funnel", "position"], name="analytics_funnel_step_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.goal_id}"


class Demographics(BaseModel):
    """What a user chose to tell about themself: reported only in aggregate, and never
    for a group of fewer than ten visitors."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="analytics_demographics",
        verbose_name=_("user"),
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    age_range = models.CharField(
        _("age range"), max_length=10, choices=AgeRange.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("demographics")
        verbose_name_plural = _("demographics")
