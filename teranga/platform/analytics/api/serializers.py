from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, Serializer

from ..models import (
    DOMAIN_MAX_LENGTH,
    EVENT_NAME_MAX_LENGTH,
    MAX_DOMAINS,
    NAME_MAX_LENGTH,
    PAGEVIEW,
    PATH_MAX_LENGTH,
    PUBLIC_ID_LENGTH,
    AgeRange,
    Demographics,
    Device,
    Funnel,
    Gender,
    Goal,
    GoalKind,
    Site,
)
from ..selectors import PERIODS

URL_MAX_LENGTH = 2000
MAX_FUNNEL_STEPS = 8


class CollectSerializer(Serializer):
    site = serializers.CharField(max_length=PUBLIC_ID_LENGTH, help_text="The site's public id.")
    name = serializers.RegexField(
        r"^[\w .:/-]+$",
        max_length=EVENT_NAME_MAX_LENGTH,
        default=PAGEVIEW,
        help_text="`pageview` (the default) or a custom event's name (letters, digits, "
        "space, `_ . : / -`).",
    )
    url = serializers.CharField(
        max_length=URL_MAX_LENGTH, help_text="The page's address (http or https)."
    )
    referrer = serializers.CharField(
        max_length=URL_MAX_LENGTH, required=False, allow_blank=True, default=""
    )

    def validate_url(self, value: str) -> str:
        try:
            parts = urlsplit(value)
            scheme, host = parts.scheme, parts.hostname
        except ValueError:
            scheme = host = None
        if scheme not in ("http", "https") or not host:
            raise serializers.ValidationError(_("Enter a valid URL."))
        return value


_EVENT_NAME = re.compile(r"^[\w .:/-]+$")
_COLLECT_FIELDS = frozenset({"site", "name", "url", "referrer"})


def collect_data(data) -> dict:
    """The collection body, validated: the fast path for a well-formed body (the
    collection endpoint takes every page view of every site), with the serializer's
    rules; anything else goes through :class:`CollectSerializer`, whose 400 says what is
    wrong in the standard shape."""
    if isinstance(data, dict) and data.keys() <= _COLLECT_FIELDS:
        site, url = data.get("site"), data.get("url")
        name, referrer = data.get("name", PAGEVIEW), data.get("referrer", "")
        if (
            isinstance(site, str)
            and 0 < len(site.strip()) <= PUBLIC_ID_LENGTH
            and isinstance(name, str)
            and len(name) <= EVENT_NAME_MAX_LENGTH
            and _EVENT_NAME.match(name)
            and isinstance(referrer, str)
            and len(referrer) <= URL_MAX_LENGTH
            and isinstance(url, str)
            and len(url) <= URL_MAX_LENGTH
            and url.startswith(("http://", "https://"))
        ):
            try:
                valid_url = bool(urlsplit(url).hostname)
            except ValueError:
                valid_url = False
            if valid_url:
                return {"site": site.strip(), "name": name, "url": url, "referrer": referrer}
    serializer = CollectSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SiteSerializer(BaseModelSerializer):
    domains = serializers.ListField(
        child=serializers.CharField(max_length=DOMAIN_MAX_LENGTH), max_length=MAX_DOMAINS
    )

    class Meta:
        model = Site
        fields = ["id", "organization", "name", "domains", "public_id", "is_active", "created_at"]
        read_only_fields = fields


def domains_field(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.RegexField(
            r"^(?=.{1,253}$)([a-zA-Z0-9-]{1,63}\.)*[a-zA-Z0-9-]{1,63}\.?$",
            max_length=DOMAIN_MAX_LENGTH,
        ),
        max_length=MAX_DOMAINS,
        help_text="Host names of the site's pages (a domain covers its sub-domains).",
        **kwargs,
    )


class SiteCreateSerializer(Serializer):
    organization = serializers.UUIDField()
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    domains = domains_field(default=list)


class SiteUpdateSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    domains = domains_field(required=False)
    is_active = serializers.BooleanField(required=False)


class SiteQuerySerializer(Serializer):
    organization = serializers.UUIDField()


class GoalSerializer(BaseModelSerializer):
    class Meta:
        model = Goal
        fields = ["id", "site", "name", "kind", "path", "event_name", "created_at"]
        read_only_fields = fields


class GoalCreateSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    kind = serializers.ChoiceField(choices=GoalKind.choices)
    path = serializers.CharField(
        max_length=PATH_MAX_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a page goal: the page's path (`/pricing/`); a trailing `*` matches "
        "every page below (`/blog/*`).",
    )
    event_name = serializers.CharField(
        max_length=EVENT_NAME_MAX_LENGTH, required=False, allow_blank=True, default=""
    )


class FunnelStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    goal = serializers.UUIDField(source="goal_id")
    name = serializers.CharField(source="goal.name")


class FunnelSerializer(BaseModelSerializer):
    steps = FunnelStepSerializer(many=True, read_only=True)

    class Meta:
        model = Funnel
        fields = ["id", "site", "name", "steps", "created_at"]
        read_only_fields = fields


class FunnelCreateSerializer(Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    steps = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=2,
        max_length=MAX_FUNNEL_STEPS,
        help_text="The goals of the steps, in order (2 to 8).",
    )

    def validate_steps(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError(_("A goal may be a step only once."))
        return value


class ReportQuerySerializer(Serializer):
    period = serializers.ChoiceField(choices=PERIODS, default="30d")


class DemographicsSerializer(BaseModelSerializer):
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Demographics
        fields = ["gender", "age_range", "updated_at"]
        read_only_fields = ["updated_at"]


class DemographicsUpdateSerializer(Serializer):
    gender = serializers.ChoiceField(choices=Gender.choices, allow_blank=True)
    age_range = serializers.ChoiceField(choices=AgeRange.choices, allow_blank=True)


# --- The report ---------------------------------------------------------------------------


class CardSerializer(serializers.Serializer):
    value = serializers.FloatField()
    previous = serializers.FloatField()
    growth = serializers.FloatField(
        allow_null=True, help_text="Change against the previous period, in %; null when it was 0."
    )


class CardsSerializer(serializers.Serializer):
    visitors = CardSerializer(help_text="Unique visitors (a visitor is new each day).")
    pageviews = CardSerializer()
    visits = CardSerializer()
    views_per_visit = CardSerializer()
    bounce_rate = CardSerializer(help_text="Visits of one page and no event, in %.")
    visit_duration = CardSerializer(help_text="Average visit length, in seconds.")
    conversions = CardSerializer(help_text="Visitors who reached any goal.")
    conversion_rate = CardSerializer(help_text="Conversions per 100 visitors.")


class PointSerializer(serializers.Serializer):
    bucket = serializers.DateTimeField(help_text="Start of the hour, day or month (local).")
    visitors = serializers.IntegerField()
    visits = serializers.IntegerField()
    pageviews = serializers.IntegerField()


class BreakdownRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    visitors = serializers.IntegerField()
    visits = serializers.IntegerField()


class PageRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    visitors = serializers.IntegerField()
    pageviews = serializers.IntegerField()


class GoalRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=GoalKind.choices)
    visitors = serializers.IntegerField()
    events = serializers.IntegerField()
    conversion_rate = serializers.FloatField()


class FunnelStepRowSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    goal = serializers.UUIDField()
    name = serializers.CharField()
    visitors = serializers.IntegerField()
    drop_off = serializers.IntegerField()
    conversion_rate = serializers.FloatField(help_text="% of the first step's visitors.")


class FunnelRowSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    steps = FunnelStepRowSerializer(many=True)


class DemographicRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    visitors = serializers.IntegerField()


class DemographicsReportSerializer(serializers.Serializer):
    minimum_group = serializers.IntegerField(
        help_text="Groups with fewer visitors are never reported."
    )
    genders = DemographicRowSerializer(many=True)
    age_ranges = DemographicRowSerializer(many=True)


class SiteRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    site = SiteRefSerializer()
    period = serializers.ChoiceField(choices=PERIODS)
    time_zone = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    interval = serializers.ChoiceField(choices=["hour", "day", "month"])
    cards = CardsSerializer()
    timeseries = PointSerializer(many=True)
    pages = PageRowSerializer(many=True)
    sources = BreakdownRowSerializer(many=True)
    utm_mediums = BreakdownRowSerializer(many=True)
    utm_sources = BreakdownRowSerializer(many=True)
    utm_campaigns = BreakdownRowSerializer(many=True)
    entry_pages = BreakdownRowSerializer(many=True)
    exit_pages = BreakdownRowSerializer(many=True)
    devices = BreakdownRowSerializer(many=True, help_text=f"Names: {', '.join(Device.values)}.")
    browsers = BreakdownRowSerializer(many=True)
    operating_systems = BreakdownRowSerializer(many=True)
    countries = BreakdownRowSerializer(many=True, help_text="ISO 3166-1 alpha-2 codes.")
    regions = BreakdownRowSerializer(many=True)
    cities = BreakdownRowSerializer(many=True)
    goals = GoalRowSerializer(many=True)
    funnels = FunnelRowSerializer(many=True)
    demographics = DemographicsReportSerializer()
