"""Serializers of the real-estate API: properties (search results, detail, writes), their
images, documents and history."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import QUERY_MAX_LENGTH
from teranga.core.links import public_link
from teranga.core.money import CURRENCY_CHOICES, Money
from teranga.core.serializers import BoundedSlugRelatedField, Serializer
from teranga.platform.geo.models import Region

from ..models import (
    ADDRESS_MAX_LENGTH,
    CAPTION_MAX_LENGTH,
    COMMUNE_MAX_LENGTH,
    RICH_TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ChangeField,
    DocumentKind,
    EnergyRating,
    Feature,
    PropertyStatus,
    PropertyType,
    TransactionType,
    features_list,
)
from ..selectors.search import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, ORDERINGS
from ..services.media import LINK_DEFAULT_MINUTES, LINK_MAX_MINUTES

#: Largest amount in minor units (a building in euro cents fits; a typo does not).
AMOUNT_MAX = 10**13
PAGE_PATH = "/realestate/properties/{id}/"


def page_url(prop) -> str:
    return public_link(PAGE_PATH.format(id=prop.pk))


# --- Reads -----------------------------------------------------------------------------------


class RealEstateAgencySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    slug = serializers.CharField()
    logo = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_logo(self, organization):
        return organization.logo.url if organization.logo else None

    @extend_schema_field(OpenApiTypes.STR)
    def get_contact_phone(self, organization) -> str:
        return str(organization.contact_phone or "")


class RealEstateAgentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.email.split("@")[0]


class RealEstatePropertyImageSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    position = serializers.IntegerField()
    is_primary = serializers.BooleanField()
    caption = serializers.CharField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image) -> str:
        return image.image.url

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, image) -> str:
        return image.thumbnail.url if image.thumbnail else image.image.url


class RealEstatePropertySummarySerializer(serializers.Serializer):
    """A property in a search result."""

    id = serializers.UUIDField()
    agency = RealEstateAgencySerializer(source="organization")
    agent = RealEstateAgentSerializer(allow_null=True)
    property_type = serializers.ChoiceField(choices=PropertyType.choices)
    transaction = serializers.ChoiceField(choices=TransactionType.choices)
    status = serializers.ChoiceField(choices=PropertyStatus.choices)
    title = serializers.CharField()
    address = serializers.CharField()
    region = serializers.SerializerMethodField()
    commune = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    price = serializers.IntegerField(help_text="Minor units of `currency` (XOF has none).")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    price_display = serializers.SerializerMethodField()
    surface = serializers.IntegerField(allow_null=True)
    rooms = serializers.IntegerField(allow_null=True)
    bedrooms = serializers.IntegerField(allow_null=True)
    features = serializers.SerializerMethodField()
    primary_image = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()
    views_count = serializers.IntegerField()
    page_url = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "nullable": True, "description": "Region code."})
    def get_region(self, prop):
        return prop.region.code if prop.region_id else None

    def get_price_display(self, prop) -> str:
        return Money(int(prop.price), prop.currency).format()

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Feature.choices)))
    def get_features(self, prop) -> list[str]:
        return features_list(prop.features)

    @extend_schema_field(RealEstatePropertyImageSerializer(allow_null=True))
    def get_primary_image(self, prop):
        images = getattr(prop, "primary_images", None)
        if images is None:
            images = [image for image in prop.images.all() if image.is_primary]
        return RealEstatePropertyImageSerializer(images[0]).data if images else None

    @extend_schema_field({"type": "number", "format": "double", "nullable": True})
    def get_distance_km(self, prop):
        return getattr(prop, "distance_km", None)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, prop) -> str:
        return page_url(prop)


class RealEstatePropertySerializer(RealEstatePropertySummarySerializer):
    """A property in full."""

    description = serializers.CharField(help_text="Sanitised HTML.")
    charges = serializers.IntegerField(allow_null=True)
    deposit = serializers.IntegerField(allow_null=True)
    land_surface = serializers.IntegerField(allow_null=True)
    bathrooms = serializers.IntegerField(allow_null=True)
    floor = serializers.IntegerField(allow_null=True)
    year_built = serializers.IntegerField(allow_null=True)
    energy_rating = serializers.ChoiceField(choices=EnergyRating.choices, allow_null=True)
    climate_rating = serializers.ChoiceField(choices=EnergyRating.choices, allow_null=True)
    images = RealEstatePropertyImageSerializer(many=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("energy_rating", "climate_rating"):
            data[name] = data[name] or None
        return data


class RealEstatePropertyChangeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    field = serializers.ChoiceField(choices=ChangeField.choices)
    old_value = serializers.CharField(
        help_text="Empty when the property was created. A price in minor units, a status, "
        "or an agent's user id (empty: no agent)."
    )
    new_value = serializers.CharField()
    actor = RealEstateAgentSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class RealEstatePropertyDocumentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_by = RealEstateAgentSerializer(allow_null=True)
    created_at = serializers.DateTimeField()


class RealEstateDocumentLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()


# --- Writes ----------------------------------------------------------------------------------


class RealEstatePropertyWriteSerializer(Serializer):
    agent = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The agent's user id (an agent or above of the agency); default: the "
        "caller. Only managers choose another agent or none.",
    )
    property_type = serializers.ChoiceField(choices=PropertyType.choices)
    transaction = serializers.ChoiceField(choices=TransactionType.choices)
    status = serializers.ChoiceField(choices=PropertyStatus.choices, required=False)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(
        max_length=RICH_TEXT_MAX_LENGTH, required=False, allow_blank=True
    )
    address = serializers.CharField(max_length=ADDRESS_MAX_LENGTH, required=False, allow_blank=True)
    region = BoundedSlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="A region code (`DK` for Dakar).",
    )
    commune = serializers.CharField(max_length=COMMUNE_MAX_LENGTH, required=False, allow_blank=True)
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True
    )
    price = serializers.IntegerField(
        min_value=0, max_value=AMOUNT_MAX, help_text="Minor units of `currency`."
    )
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES, required=False)
    charges = serializers.IntegerField(
        min_value=0, max_value=AMOUNT_MAX, required=False, allow_null=True
    )
    deposit = serializers.IntegerField(
        min_value=0, max_value=AMOUNT_MAX, required=False, allow_null=True
    )
    surface = serializers.IntegerField(
        min_value=1, max_value=10_000_000, required=False, allow_null=True
    )
    land_surface = serializers.IntegerField(
        min_value=1, max_value=100_000_000, required=False, allow_null=True
    )
    rooms = serializers.IntegerField(min_value=0, max_value=500, required=False, allow_null=True)
    bedrooms = serializers.IntegerField(min_value=0, max_value=500, required=False, allow_null=True)
    bathrooms = serializers.IntegerField(
        min_value=0, max_value=500, required=False, allow_null=True
    )
    floor = serializers.IntegerField(min_value=-10, max_value=300, required=False, allow_null=True)
    year_built = serializers.IntegerField(
        min_value=1800, max_value=2100, required=False, allow_null=True
    )
    features = serializers.ListField(
        child=serializers.ChoiceField(choices=Feature.choices),
        required=False,
        max_length=len(Feature.choices),
    )
    energy_rating = serializers.ChoiceField(
        choices=EnergyRating.choices, required=False, allow_null=True
    )
    climate_rating = serializers.ChoiceField(
        choices=EnergyRating.choices, required=False, allow_null=True
    )

    def validate(self, attrs):
        latitude = attrs.get("latitude", self._current("latitude"))
        longitude = attrs.get("longitude", self._current("longitude"))
        if (latitude is None) != (longitude is None):
            message = _("Give both the latitude and the longitude, or neither.")
            raise serializers.ValidationError({"latitude": [message]})
        return attrs

    def _current(self, name):
        return getattr(self.instance, name, None) if self.instance is not None else None


class RealEstatePropertyCreateSerializer(RealEstatePropertyWriteSerializer):
    pass


class RealEstatePropertyUpdateSerializer(RealEstatePropertyWriteSerializer):
    """Every field optional (``PATCH``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class RealEstateImageUploadSerializer(Serializer):
    image = serializers.ImageField(help_text="JPEG, PNG, WebP or GIF; re-encoded.")
    caption = serializers.CharField(max_length=CAPTION_MAX_LENGTH, required=False, allow_blank=True)
    is_primary = serializers.BooleanField(required=False, default=False)


class RealEstateImageUpdateSerializer(Serializer):
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_primary = serializers.BooleanField(required=False)
    caption = serializers.CharField(max_length=CAPTION_MAX_LENGTH, required=False, allow_blank=True)


class RealEstateDocumentUploadSerializer(Serializer):
    file = serializers.FileField(help_text="A PDF or an image.")
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)


class RealEstateDocumentLinkRequestSerializer(Serializer):
    expires_in_minutes = serializers.IntegerField(
        min_value=5, max_value=LINK_MAX_MINUTES, default=LINK_DEFAULT_MINUTES, required=False
    )


# --- Query strings ---------------------------------------------------------------------------


class CommaListField(serializers.ListField):
    """A list given as ``a,b`` or as repeated parameters."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [part for part in data.split(",") if part]
        elif isinstance(data, list) and len(data) == 1 and isinstance(data[0], str):
            data = [part for part in data[0].split(",") if part]
        return super().to_internal_value(data)


class RealEstatePropertySearchQuerySerializer(Serializer):
    property_type = CommaListField(
        child=serializers.ChoiceField(choices=PropertyType.choices), required=False, max_length=7
    )
    transaction = CommaListField(
        child=serializers.ChoiceField(choices=TransactionType.choices), required=False, max_length=3
    )
    status = CommaListField(
        child=serializers.ChoiceField(choices=PropertyStatus.choices),
        required=False,
        max_length=7,
        help_text="The agency's staff only (with `organization`); everyone else sees "
        "available properties.",
    )
    price_min = serializers.IntegerField(min_value=0, max_value=AMOUNT_MAX, required=False)
    price_max = serializers.IntegerField(min_value=0, max_value=AMOUNT_MAX, required=False)
    surface_min = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False)
    surface_max = serializers.IntegerField(min_value=0, max_value=100_000_000, required=False)
    rooms_min = serializers.IntegerField(min_value=0, max_value=500, required=False)
    bedrooms_min = serializers.IntegerField(min_value=0, max_value=500, required=False)
    features = CommaListField(
        child=serializers.ChoiceField(choices=Feature.choices), required=False, max_length=12
    )
    region = serializers.CharField(max_length=4, required=False)
    commune = serializers.CharField(max_length=COMMUNE_MAX_LENGTH, required=False)
    q = serializers.CharField(max_length=QUERY_MAX_LENGTH, required=False)
    organization = serializers.UUIDField(required=False)
    agent = serializers.UUIDField(required=False, help_text="The agency's staff only.")
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False)
    radius_km = serializers.FloatField(
        min_value=0.1,
        max_value=MAX_RADIUS_KM,
        required=False,
        help_text=f"With `lat` and `lng`; default {DEFAULT_RADIUS_KM:g}.",
    )
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), required=False)

    def validate(self, attrs):
        if ("lat" in attrs) != ("lng" in attrs):
            raise serializers.ValidationError({"lat": [_("Give both lat and lng, or neither.")]})
        if "radius_km" in attrs and "lat" not in attrs:
            raise serializers.ValidationError({"radius_km": [_("A radius needs lat and lng.")]})
        if attrs.get("ordering") == "distance" and "lat" not in attrs:
            raise serializers.ValidationError(
                {"ordering": [_("Sorting by distance needs lat and lng.")]}
            )
        for low, high in (("price_min", "price_max"), ("surface_min", "surface_max")):
            if low in attrs and high in attrs and attrs[low] > attrs[high]:
                raise serializers.ValidationError({low: [_("The minimum is above the maximum.")]})
        return attrs
