"""Serializers of the Booking catalogue. Writes subclass the strict bases (unknown fields
are refused); business rules (price limits, durations, overlaps) live in the services."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.limits import QUERY_MAX_LENGTH
from teranga.core.money import Money
from teranga.core.serializers import (
    BaseModelSerializer,
    BoundedSlugRelatedField,
    ModelSerializer,
    Serializer,
)
from teranga.platform.geo.api.serializers import RegionRefSerializer
from teranga.platform.organizations.models import Branch, Organization
from teranga.platform.scheduling.availability import zone
from teranga.platform.scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Resource,
)

from ..models import (
    DEPOSIT_PERCENT_MAX,
    DEPOSIT_PERCENT_MIN,
    MAX_IMAGES,
    PaymentMode,
    Service,
    ServiceCategory,
    ServiceImage,
    Tag,
)
from ..services.catalog import MAX_TAGS

# --- Read side ------------------------------------------------------------------------------


class CategorySerializer(BaseModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ["slug", "name", "position"]
        read_only_fields = fields


class TagSerializer(BaseModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]
        read_only_fields = fields


class PriceSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (XOF has none, EUR has cents).")
    currency = serializers.CharField()
    display = serializers.CharField(help_text="Formatted for people, e.g. `5 000 F CFA`.")

    def to_representation(self, instance):
        return instance.as_dict()


class OrganizationSummarySerializer(BaseModelSerializer):
    region = RegionRefSerializer(read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "city", "region", "time_zone"]
        read_only_fields = fields


class ServiceImageSerializer(BaseModelSerializer):
    image = serializers.ImageField(read_only=True, help_text="Absolute URL.")

    class Meta:
        model = ServiceImage
        fields = ["id", "image", "position", "created_at"]
        read_only_fields = fields


class ServiceSerializer(BaseModelSerializer):
    organization = OrganizationSummarySerializer(read_only=True)
    category = CategorySerializer(read_only=True, allow_null=True)
    tags = TagSerializer(many=True, read_only=True)
    price = PriceSerializer(read_only=True)
    images = ServiceImageSerializer(many=True, read_only=True)
    resource = serializers.UUIDField(source="resource_id", read_only=True)
    payment_mode = serializers.ChoiceField(
        choices=PaymentMode.choices,
        read_only=True,
        help_text="`online_full`: the whole price is paid online before the reservation is "
        "confirmed; `deposit`: a deposit is paid online before it, the rest on site; "
        "`on_site`: nothing is paid online (always so for a free service).",
    )
    deposit_amount = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The deposit in minor units, when it is set as an amount.",
    )
    deposit_percent = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The deposit as a percentage of the price, when it is set so.",
    )
    amount_due_online = serializers.SerializerMethodField(
        help_text="Paid online when booking, before the reservation is confirmed: the "
        "price, the deposit (a percentage rounded up to the minor unit), or 0."
    )
    amount_due_on_site = serializers.SerializerMethodField(
        help_text="Paid at the business: the price minus what is paid online."
    )

    class Meta:
        model = Service
        fields = [
            "id",
            "organization",
            "name",
            "description",
            "category",
            "tags",
            "price",
            "payment_mode",
            "deposit_amount",
            "deposit_percent",
            "amount_due_online",
            "amount_due_on_site",
            "duration_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "min_notice_minutes",
            "max_advance_days",
            "capacity",
            "requires_confirmation",
            "cancellation_notice_hours",
            "reschedule_notice_hours",
            "is_active",
            "resource",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PriceSerializer)
    def get_amount_due_online(self, service: Service) -> dict:
        return Money(service.amount_due_online, service.currency).as_dict()

    @extend_schema_field(PriceSerializer)
    def get_amount_due_on_site(self, service: Service) -> dict:
        return Money(service.amount_due_on_site, service.currency).as_dict()


# --- Services: writes ----------------------------------------------------------------------

SERVICE_WRITE_FIELDS = [
    "name",
    "description",
    "category",
    "tags",
    "resource",
    "price_amount",
    "payment_mode",
    "deposit_amount",
    "deposit_percent",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "max_advance_days",
    "capacity",
    "requires_confirmation",
    "cancellation_notice_hours",
    "reschedule_notice_hours",
    "is_active",
]


class ServiceUpdateSerializer(ModelSerializer):
    category = BoundedSlugRelatedField(
        slug_field="slug",
        queryset=ServiceCategory.objects.all(),
        required=False,
        allow_null=True,
        help_text="Category slug (see /booking/categories/).",
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=MAX_TAGS,
        help_text="Tag names; new ones are created. Replaces the service's tags.",
    )
    resource = serializers.UUIDField(
        required=False,
        help_text="A resource of the same organisation whose availability gives the slots.",
    )
    price_amount = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Minor units in the organisation's currency; 0 is free, otherwise within "
        "the currency's limits (400 `price_out_of_range`).",
    )
    payment_mode = serializers.ChoiceField(
        choices=PaymentMode.choices,
        required=False,
        help_text="`online_full` (default for a priced service), `deposit` or `on_site` "
        "(always so for a free service: 400 `payment_mode_requires_price` otherwise). "
        "Reservations of an online mode are held until their payment succeeds.",
    )
    deposit_amount = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="With `deposit`: the deposit in minor units, at least the currency's "
        "minimum price and less than the price (400 `invalid_deposit`). Replaces "
        "`deposit_percent`.",
    )
    deposit_percent = serializers.IntegerField(
        min_value=DEPOSIT_PERCENT_MIN,
        max_value=DEPOSIT_PERCENT_MAX,
        required=False,
        allow_null=True,
        help_text="With `deposit`: the deposit as a percentage of the price (1 to 99, "
        "rounded up to the minor unit; 400 `invalid_deposit` below the currency's minimum "
        "price). Replaces `deposit_amount`.",
    )
    duration_minutes = serializers.IntegerField(
        required=False,
        help_text="5 to 480 minutes, a multiple of 5 (400 `invalid_duration`).",
    )

    class Meta:
        model = Service
        fields = SERVICE_WRITE_FIELDS
        extra_kwargs = {name: {"required": False} for name in SERVICE_WRITE_FIELDS}


class ServiceCreateSerializer(ServiceUpdateSerializer):
    organization = serializers.UUIDField(help_text="The business offering the service.")
    duration_minutes = serializers.IntegerField(
        help_text="5 to 480 minutes, a multiple of 5 (400 `invalid_duration`)."
    )
    resource = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A resource of the same organisation whose availability gives the slots; "
        "without it a resource of kind `service` named after the service is created.",
    )

    class Meta(ServiceUpdateSerializer.Meta):
        fields = ["organization", *SERVICE_WRITE_FIELDS]
        extra_kwargs = {
            **{name: {"required": False} for name in SERVICE_WRITE_FIELDS},
            "name": {"required": True},
        }


class ServiceImageUploadSerializer(Serializer):
    image = serializers.FileField(
        help_text=f"A JPEG, PNG, WebP or GIF image, checked by content; at most {MAX_IMAGES} "
        "per service (400 `too_many_images`)."
    )


# --- Slots ----------------------------------------------------------------------------------


class DateOrDateTimeField(serializers.Field):
    """An ISO date (local midnight in the organisation's time zone) or an ISO datetime
    (naive: local time; with an offset or `Z`: that instant)."""

    default_error_messages = {"invalid": _("Give an ISO date or datetime.")}

    def to_internal_value(self, data) -> date | datetime:
        text = str(data).strip()
        if len(text) > QUERY_MAX_LENGTH:
            self.fail("invalid")
        if "T" in text:
            text = text.replace(" ", "+")  # a "+" of the offset, decoded from the query
        try:
            parsed = parse_datetime(text) or parse_date(text)
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        return parsed

    def to_representation(self, value):
        return value.isoformat()


class SlotRangeSerializer(Serializer):
    """The ``from``/``to`` query parameters (``from`` is a Python keyword)."""

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = DateOrDateTimeField(required=False)
        fields["to"] = DateOrDateTimeField(required=False)
        return fields


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(default_timezone=UTC, help_text="UTC.")
    ends_at = serializers.DateTimeField(default_timezone=UTC, help_text="UTC.")
    local_start = serializers.SerializerMethodField(
        help_text="The start in the organisation's time zone, with its offset."
    )
    remaining = serializers.IntegerField(help_text="Places left in the slot.")
    capacity = serializers.IntegerField()

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_local_start(self, slot) -> str:
        return slot.starts_at.astimezone(zone(self.context["time_zone"])).isoformat()


class ServiceSlotsSerializer(serializers.Serializer):
    service = serializers.UUIDField(source="service.id")
    time_zone = serializers.CharField(help_text="The organisation's time zone.")
    slots = serializers.SerializerMethodField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(source="range_from", default_timezone=UTC)
        fields["to"] = serializers.DateTimeField(source="range_to", default_timezone=UTC)
        return fields

    @extend_schema_field(SlotSerializer(many=True))
    def get_slots(self, result) -> list:
        return SlotSerializer(result.slots, many=True, context={"time_zone": result.time_zone}).data


# --- Resources ------------------------------------------------------------------------------


class ResourceSerializer(BaseModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    branch = serializers.UUIDField(source="branch_id", read_only=True, allow_null=True)
    user = serializers.UUIDField(source="user_id", read_only=True, allow_null=True)

    class Meta:
        model = Resource
        fields = [
            "id",
            "organization",
            "branch",
            "name",
            "kind",
            "user",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ResourceUpdateSerializer(ModelSerializer):
    branch = serializers.PrimaryKeyRelatedField(
        queryset=Branch.objects.all(),
        required=False,
        allow_null=True,
        help_text="A branch of the same organisation: its opening hours bound the resource.",
    )
    user = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.all(),
        required=False,
        allow_null=True,
        help_text="The member this resource is, if any.",
    )

    class Meta:
        model = Resource
        fields = ["name", "kind", "branch", "user", "is_active"]
        extra_kwargs = {name: {"required": False} for name in fields}


class ResourceCreateSerializer(ResourceUpdateSerializer):
    organization = serializers.UUIDField()

    class Meta(ResourceUpdateSerializer.Meta):
        fields = ["organization", "name", "kind", "branch", "user", "is_active"]
        extra_kwargs = {
            "kind": {"required": False},
            "is_active": {"required": False},
        }


# --- Availability rules ---------------------------------------------------------------------

RULE_FIELDS = [
    "weekday",
    "starts_at",
    "ends_at",
    "break_start",
    "break_end",
    "valid_from",
    "valid_until",
]


class AvailabilityRuleSerializer(BaseModelSerializer):
    resource = serializers.UUIDField(source="resource_id", read_only=True)

    class Meta:
        model = AvailabilityRule
        fields = ["id", "resource", *RULE_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class RuleFieldsSerializer(Serializer):
    """One weekly rule: weekday 0 (Monday) to 6, times, optional break and date range."""

    weekday = serializers.IntegerField(min_value=0, max_value=6)
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    break_start = serializers.TimeField(required=False, allow_null=True)
    break_end = serializers.TimeField(required=False, allow_null=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)


class RuleCreateSerializer(RuleFieldsSerializer):
    resource = serializers.UUIDField()


class RuleBulkSerializer(Serializer):
    resource = serializers.UUIDField()
    rules = RuleFieldsSerializer(many=True, allow_empty=False, max_length=200)


class RuleGenerateSerializer(Serializer):
    resource = serializers.UUIDField()
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        allow_empty=False,
        max_length=7,
        help_text="0 = Monday … 6 = Sunday.",
    )
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    break_start = serializers.TimeField(required=False, allow_null=True)
    break_end = serializers.TimeField(required=False, allow_null=True)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


# --- Availability overrides -----------------------------------------------------------------


class AvailabilityOverrideSerializer(BaseModelSerializer):
    resource = serializers.UUIDField(source="resource_id", read_only=True)

    class Meta:
        model = AvailabilityOverride
        fields = [
            "id",
            "resource",
            "date",
            "kind",
            "starts_at",
            "ends_at",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class OverrideCreateSerializer(ModelSerializer):
    resource = serializers.UUIDField()

    class Meta:
        model = AvailabilityOverride
        fields = ["resource", "date", "kind", "starts_at", "ends_at", "reason"]
        extra_kwargs = {
            "starts_at": {"required": False},
            "ends_at": {"required": False},
            "reason": {"required": False},
        }
