"""Events, their series, tags and what students do with them (favourites, follows, views).

An event belongs to its organiser (an organisation of kind university or club) and, for
the "university only" visibility and the university filter, to a university: the
organiser itself, or the university a club belongs to (:class:`CampusOrganizer`). A
series (weekly club meetings) is a rule; each of its dates is an :class:`Event` of its
own, with its own ticket types, quotas and check-in.

Counters kept on the event (``views_count``, ``favourites_count``, ``sold_count``) are
written by the services in the transaction that changes what they count, so the public
list sorts by popularity without a join.
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
from teranga.core.storage import public_media_storage
from teranga.core.validators import validate_image_content

#: Longest title, tag and address (characters).
TITLE_MAX_LENGTH = 200
TAG_MAX_LENGTH = 50
ADDRESS_MAX_LENGTH = 300
#: A rich-text description, as sanitised HTML (markup counts).
RICH_TEXT_MAX_LENGTH = 4 * DESCRIPTION_MAX_LENGTH
#: At most this many tags on one event.
MAX_TAGS = 15


class EventCategory(models.TextChoices):
    """The reference list of event categories."""

    CONFERENCE = "conference", _("Conference")
    WORKSHOP = "workshop", _("Workshop")
    PARTY = "party", _("Party")
    CONCERT = "concert", _("Concert")
    SPORT = "sport", _("Sport")
    CULTURE = "culture", _("Culture")
    CAREER = "career", _("Career and jobs")
    MEETING = "meeting", _("Club meeting")
    RELIGION = "religion", _("Religion")
    OTHER = "other", _("Other")


class EventVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    UNIVERSITY = "university", _("University only")
    INVITE = "invite", _("Invite only")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CANCELLED = "cancelled", _("Cancelled")
    FINISHED = "finished", _("Finished")


def cover_path(instance: Event, filename: str) -> str:
    import uuid

    from teranga.core.images import stored_extension

    folder = f"campus/{instance.organization_id}/events"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


class CampusOrganizer(BaseModel):
    """Campus settings of an organiser: the university a club belongs to (a university
    organises under its own name: ``university`` is empty)."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="campus_organizer",
        verbose_name=_("organisation"),
    )
    university = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campus_clubs",
        verbose_name=_("university"),
        limit_choices_to={"kind": "university"},
    )
    #: A university's matricule format (a regular expression the whole matricule must
    #: match); empty: any matricule. Set through ``campus-settings`` (community).
    matricule_pattern = models.CharField(_("matricule pattern"), max_length=200, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("campus organiser")
        verbose_name_plural = _("campus organisers")

    def __str__(self) -> str:
        return str(self.organization)


class StudentProfile(BaseModel):
    """A student's campus side: their university (which "university only" events they
    see) and their interests (tags, used by recommendations)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_profile"
    )
    university = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campus_students",
        verbose_name=_("university"),
        limit_choices_to={"kind": "university"},
    )
    interests = models.ManyToManyField(
        "campus.Tag", blank=True, related_name="interested", verbose_name=_("interests")
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("student profile")
        verbose_name_plural = _("student profiles")
        indexes = [models.Index(fields=["university"], name="campus_student_univ_idx")]

    def __str__(self) -> str:
        return str(self.user)


class Tag(BaseModel):
    """A tag or hashtag: ``#tech`` in a description is the tag ``tech``. Its slug is
    lower case, letters, digits, ``_`` and ``-``."""

    slug = models.SlugField(_("slug"), max_length=TAG_MAX_LENGTH, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return f"#{self.slug}"


class EventSeries(BaseModel):
    """A recurring event (weekly club meetings): on ``weekdays`` (0 = Monday) at
    ``start_time`` in ``time_zone`` for ``duration_minutes``, from ``first_date`` to
    ``last_date``. Each date is an :class:`Event` made from the series' template (the
    first event), with its own ticket types and check-in."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="campus_series"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    weekdays = models.JSONField(_("weekdays"), default=list)
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Africa/Dakar")
    first_date = models.DateField(_("first date"))
    last_date = models.DateField(_("last date"))

    class Meta(BaseModel.Meta):
        verbose_name = _("event series")
        verbose_name_plural = _("event series")
        indexes = [
            models.Index(fields=["organization", "first_date"], name="campus_series_org_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_date__gte=F("first_date")), name="campus_series_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Event(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="campus_events",
        verbose_name=_("organiser"),
    )
    #: The organiser's university (itself, or the one its club belongs to): the
    #: "university only" audience and the university filter.
    university = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campus_university_events",
        verbose_name=_("university"),
    )
    series = models.ForeignKey(
        EventSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("series"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    #: Sanitised HTML (nh3): what the organiser wrote, with only safe markup kept.
    description = models.TextField(_("description"), blank=True, max_length=RICH_TEXT_MAX_LENGTH)
    category = models.CharField(
        _("category"), max_length=20, choices=EventCategory.choices, default=EventCategory.OTHER
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="events", verbose_name=_("tags"))
    cover = models.ImageField(
        _("cover image"),
        upload_to=cover_path,
        storage=public_media_storage,
        blank=True,
        validators=[validate_image_content],
    )
    branch = models.ForeignKey(
        "organizations.Branch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campus_events",
        verbose_name=_("venue"),
    )
    address = models.CharField(_("address"), max_length=ADDRESS_MAX_LENGTH, blank=True)
    #: The venue's coordinates (copied from the branch, or given with a free address);
    #: indexed together for the nearby search's bounding box.
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    online_url = models.URLField(_("online link"), blank=True, max_length=500)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    time_zone = models.CharField(_("time zone"), max_length=64, default="Africa/Dakar")
    #: Seats in all (every ticket type together); ``None``: only the types' quotas.
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    visibility = models.CharField(
        _("visibility"),
        max_length=12,
        choices=EventVisibility.choices,
        default=EventVisibility.PUBLIC,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    transfers_allowed = models.BooleanField(_("tickets may be transferred"), default=False)
    requires_verified_student = models.BooleanField(_("verified students only"), default=False)
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    #: The lowest price of its active ticket types (``None``: no ticket type yet); 0 is
    #: free. Kept by the ticket-type services; the "free or paid" filter reads it.
    price_from = models.PositiveIntegerField(_("price from"), null=True, blank=True)
    #: Seats taken (held in a pending order, or sold) against ``capacity``.
    taken = models.PositiveIntegerField(_("seats taken"), default=0)
    sold_count = models.PositiveIntegerField(_("tickets sold"), default=0)
    views_count = models.PositiveIntegerField(_("views"), default=0)
    favourites_count = models.PositiveIntegerField(_("favourites"), default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(
                fields=["status", "visibility", "starts_at"], name="campus_event_list_idx"
            ),
            models.Index(
                fields=["organization", "status", "starts_at"], name="campus_event_org_idx"
            ),
            models.Index(
                fields=["university", "status", "starts_at"], name="campus_event_univ_idx"
            ),
            models.Index(fields=["category", "starts_at"], name="campus_event_category_idx"),
            models.Index(fields=["latitude", "longitude"], name="campus_event_geo_idx"),
            models.Index(fields=["status", "sold_count"], name="campus_event_popular_idx"),
            models.Index(fields=["series", "starts_at"], name="campus_event_series_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="campus_event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(taken__lte=F("capacity")),
                name="campus_event_taken_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class EventFavourite(BaseModel):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="favourites")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_favourites"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="campus_favourite_unique")
        ]
        indexes = [models.Index(fields=["event", "created_at"], name="campus_favourite_event_idx")]


class OrganizerFollow(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="campus_followers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_follows"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("followed organiser")
        verbose_name_plural = _("followed organisers")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="campus_follow_organizer_unique"
            )
        ]


class TagFollow(BaseModel):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_tag_follows"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("followed tag")
        verbose_name_plural = _("followed tags")
        constraints = [
            models.UniqueConstraint(fields=["user", "tag"], name="campus_follow_tag_unique")
        ]


class EventView(models.Model):
    """One viewer's view of an event on one day (counted once: the unique constraint).
    ``viewer`` is the user's id, or for an anonymous visitor a keyed digest of their
    address and browser (never the address itself)."""

    id = models.BigAutoField(primary_key=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="views")
    viewer = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("event view")
        verbose_name_plural = _("event views")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "viewer", "day"], name="campus_view_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["event", "day"], name="campus_view_event_day_idx")]

    def __str__(self) -> str:
        return f"{self.event_id} @ {self.day}"
