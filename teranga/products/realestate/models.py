"""DIGIT-HAB's properties: the listing itself, its images and private documents, the
history of its price, status and agent, and its views.

A property belongs to an agency (an organisation of kind ``agency``) and is handled by
one of its agents. Later parts of the product (visits, client requests and matching,
reservations) point at :class:`Property` with their own foreign keys.

Features are one integer, a bit per :class:`Feature` (``features``): a search for
"parking and pool" is one ``features & mask = mask`` test on rows the indexed predicates
(bounding box, type, transaction, status, price) already narrowed, on SQLite and on
PostgreSQL alike, with no join and no JSON operator. The bit of a feature is its
position in :data:`FEATURE_BITS`: append new features, never reorder them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.core.models import AppendOnlyModel, BaseModel
from teranga.core.money import CURRENCY_CHOICES
from teranga.core.storage import public_media_storage
from teranga.core.validators import validate_image_content

from .choices import TransactionType

TITLE_MAX_LENGTH = 200
ADDRESS_MAX_LENGTH = 300
COMMUNE_MAX_LENGTH = 100
CAPTION_MAX_LENGTH = 200
#: An agency's own reference of a property or client (its previous software's id): what
#: an import matches rows on, so a file imported again updates instead of duplicating.
EXTERNAL_REF_MAX_LENGTH = 100
#: The description as sanitised HTML (markup counts).
RICH_TEXT_MAX_LENGTH = 4 * DESCRIPTION_MAX_LENGTH
#: What a history row keeps of an old or new value (an amount, a status, a user id).
CHANGE_VALUE_MAX_LENGTH = 64
#: Images and documents of one property.
MAX_IMAGES = 30
MAX_DOCUMENTS = 30


class PropertyType(models.TextChoices):
    APARTMENT = "apartment", _("Apartment")
    HOUSE = "house", _("House")
    VILLA = "villa", _("Villa")
    LAND = "land", _("Land")
    OFFICE = "office", _("Office")
    SHOP = "shop", _("Shop")
    BUILDING = "building", _("Building")


class PropertyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AVAILABLE = "available", _("Available")
    RESERVED = "reserved", _("Reserved")
    UNDER_OFFER = "under_offer", _("Under offer")
    SOLD = "sold", _("Sold")
    RENTED = "rented", _("Rented")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnergyRating(models.TextChoices):
    """The DPE classes (France): energy use and greenhouse-gas emissions."""

    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    E = "E", "E"
    F = "F", "F"
    G = "G", "G"


class Feature(models.TextChoices):
    PARKING = "parking", _("Parking")
    ELEVATOR = "elevator", _("Elevator")
    POOL = "pool", _("Swimming pool")
    AIR_CONDITIONING = "air_conditioning", _("Air conditioning")
    FURNISHED = "furnished", _("Furnished")
    SEA_VIEW = "sea_view", _("Sea view")
    GENERATOR = "generator", _("Generator")
    BOREHOLE = "borehole", _("Borehole")
    GARDEN = "garden", _("Garden")
    TERRACE = "terrace", _("Terrace")
    SECURITY = "security", _("Security guard")
    FITTED_KITCHEN = "fitted_kitchen", _("Fitted kitchen")


#: The bit of each feature in ``Property.features`` (append only: stored data uses it).
FEATURE_BITS: dict[str, int] = {feature.value: 1 << i for i, feature in enumerate(Feature)}


def features_mask(names) -> int:
    mask = 0
    for name in names:
        mask |= FEATURE_BITS[name]
    return mask


def features_list(mask: int) -> list[str]:
    return [name for name, bit in FEATURE_BITS.items() if mask & bit]


class DocumentKind(models.TextChoices):
    TITLE_DEED = "title_deed", _("Title deed")
    PLAN = "plan", _("Floor plan")
    DPE = "dpe", _("Energy performance certificate (DPE)")
    MANDATE = "mandate", _("Mandate")
    OTHER = "other", _("Other document")


class ChangeField(models.TextChoices):
    PRICE = "price", _("Price")
    STATUS = "status", _("Status")
    AGENT = "agent", _("Agent")


def image_path(instance: PropertyImage, filename: str) -> str:
    from teranga.core.images import stored_extension

    folder = f"realestate/{instance.organization_id}/properties/{instance.property_id}"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


def document_path(instance: PropertyDocument, filename: str) -> str:
    """Private documents live under ``realestate/<organisation id>/…``: the audit log
    knows whose a served file is from its name."""
    from teranga.core.images import stored_extension

    folder = f"realestate/{instance.organization_id}/documents/{instance.property_id}"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


class Property(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_properties",
        verbose_name=_("agency"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="realestate_properties",
        verbose_name=_("agent"),
    )
    property_type = models.CharField(_("type"), max_length=12, choices=PropertyType.choices)
    transaction = models.CharField(_("transaction"), max_length=12, choices=TransactionType.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=PropertyStatus.choices, default=PropertyStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    #: Sanitised HTML (nh3): only safe markup kept.
    description = models.TextField(_("description"), blank=True, max_length=RICH_TEXT_MAX_LENGTH)
    address = models.CharField(_("address"), max_length=ADDRESS_MAX_LENGTH, blank=True)
    region = models.ForeignKey(
        "geo.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="realestate_properties",
        verbose_name=_("region"),
    )
    commune = models.CharField(_("commune"), max_length=COMMUNE_MAX_LENGTH, blank=True)
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
    #: Minor units of ``currency`` (XOF has none: 45 000 000 F CFA is 45000000).
    price = models.PositiveBigIntegerField(_("price (minor units)"))
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="XOF"
    )
    #: Rentals: monthly charges and the deposit, in the same currency.
    charges = models.PositiveBigIntegerField(_("charges (minor units)"), null=True, blank=True)
    deposit = models.PositiveBigIntegerField(_("deposit (minor units)"), null=True, blank=True)
    surface = models.PositiveIntegerField(_("surface (m²)"), null=True, blank=True)
    land_surface = models.PositiveIntegerField(_("land surface (m²)"), null=True, blank=True)
    rooms = models.PositiveSmallIntegerField(_("rooms"), null=True, blank=True)
    bedrooms = models.PositiveSmallIntegerField(_("bedrooms"), null=True, blank=True)
    bathrooms = models.PositiveSmallIntegerField(_("bathrooms"), null=True, blank=True)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    year_built = models.PositiveSmallIntegerField(_("year built"), null=True, blank=True)
    #: One bit per feature (``FEATURE_BITS``).
    features = models.PositiveIntegerField(_("amenities"), default=0)
    energy_rating = models.CharField(
        _("energy rating"), max_length=1, choices=EnergyRating.choices, blank=True
    )
    climate_rating = models.CharField(
        _("climate rating"), max_length=1, choices=EnergyRating.choices, blank=True
    )
    views_count = models.PositiveIntegerField(_("views"), default=0)
    #: Lower-case, accent-free words of the title, description, address and commune:
    #: what ``q`` searches. Written by the services.
    search_text = models.TextField(_("search text"), blank=True, editable=False)
    #: When it first became available (the public "date" order).
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    #: The agency's own reference (unique in the agency when set): imports match on it.
    external_ref = models.CharField(
        _("external reference"), max_length=EXTERNAL_REF_MAX_LENGTH, blank=True, default=""
    )

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("property")
        verbose_name_plural = _("properties")
        indexes = [
            # A circle search (``selectors.search``): the status and transaction, then the
            # bounding box's latitude range; the longitude (and on SQLite the type, price
            # and features) are checked in the index, so few rows outside the box are
            # read. The type comes after the box: an IN list before it would make the
            # planners scan once per type (PostgreSQL then prefers the index below).
            models.Index(
                fields=[
                    "status",
                    "transaction",
                    "latitude",
                    "longitude",
                    "property_type",
                    "price",
                    "features",
                ],
                name="re_property_geo_search_idx",
            ),
            # A circle search without a transaction (and the matching's zones).
            models.Index(
                fields=["status", "latitude", "longitude"], name="re_property_status_geo_idx"
            ),
            models.Index(
                fields=["status", "transaction", "property_type", "price"],
                name="re_property_search_idx",
            ),
            models.Index(fields=["status", "price"], name="re_property_price_idx"),
            models.Index(fields=["status", "created_at"], name="re_property_date_idx"),
            models.Index(
                fields=["organization", "status", "created_at"], name="re_property_org_idx"
            ),
            models.Index(fields=["organization", "price"], name="re_property_org_price_idx"),
            models.Index(fields=["agent", "status"], name="re_property_agent_idx"),
            models.Index(fields=["region", "commune"], name="re_property_place_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="re_property_coordinates_together",
            ),
            models.UniqueConstraint(
                fields=["organization", "external_ref"],
                condition=~Q(external_ref=""),
                name="re_property_external_ref_once",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PropertyImage(BaseModel):
    """A photo, re-encoded without metadata (``teranga.core.images``), with a small
    thumbnail; ordered by ``position``; exactly one is primary once there is one."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, related_name="images", verbose_name=_("property")
    )
    image = models.ImageField(
        _("image"),
        upload_to=image_path,
        storage=public_media_storage,
        validators=[validate_image_content],
        max_length=255,
    )
    thumbnail = models.ImageField(
        _("thumbnail"),
        upload_to=image_path,
        storage=public_media_storage,
        blank=True,
        max_length=255,
    )
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_primary = models.BooleanField(_("primary"), default=False)
    caption = models.CharField(_("caption"), max_length=CAPTION_MAX_LENGTH, blank=True)

    class Meta:
        ordering = ["position", "created_at"]
        verbose_name = _("property image")
        verbose_name_plural = _("property images")
        indexes = [
            models.Index(fields=["property", "position"], name="re_image_position_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["property"],
                condition=Q(is_primary=True),
                name="re_image_one_primary",
            )
        ]

    def __str__(self) -> str:
        return f"{self.property} #{self.position}"


class PropertyDocument(BaseModel):
    """A private document of the agency (never on a public storage): read through a
    signed link that expires (``services.documents``)."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, related_name="documents", verbose_name=_("property")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    file = models.FileField(_("file"), upload_to=document_path, max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("property document")
        verbose_name_plural = _("property documents")
        indexes = [
            models.Index(fields=["property", "kind"], name="re_document_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class PropertyChange(AppendOnlyModel, BaseModel):
    """One change of a property's price, status or agent: who, when, the old value and
    the new one. Written by the services in the transaction that makes the change."""

    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
    )
    property = models.ForeignKey(
        Property, on_delete=models.CASCADE, related_name="changes", verbose_name=_("property")
    )
    field = models.CharField(_("field"), max_length=10, choices=ChangeField.choices)
    old_value = models.CharField(_("old value"), max_length=CHANGE_VALUE_MAX_LENGTH, blank=True)
    new_value = models.CharField(_("new value"), max_length=CHANGE_VALUE_MAX_LENGTH, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("property change")
        verbose_name_plural = _("property changes")
        indexes = [
            models.Index(fields=["property", "created_at"], name="re_change_property_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.property_id} {self.field}: {self.old_value} → {self.new_value}"


class PropertyView(models.Model):
    """One viewer's view of a property on one day (counted once: the unique constraint).
    ``viewer`` is the user's id, or for an anonymous visitor a keyed digest of their
    address and browser (never the address itself)."""

    id = models.BigAutoField(primary_key=True)
    property = models.ForeignKey(Property, on_delete=models.CASCADE, related_name="views")
    viewer = models.CharField(max_length=64)
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("property view")
        verbose_name_plural = _("property views")
        constraints = [
            models.UniqueConstraint(fields=["property", "viewer", "day"], name="re_view_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.property_id} @ {self.day}"


from .models_branding import *  # noqa: E402,F401,F403
from .models_crm import *  # noqa: E402,F401,F403
from .models_matching import *  # noqa: E402,F401,F403
from .models_transactions import *  # noqa: E402,F401,F403
from .models_visits import *  # noqa: E402,F401,F403
