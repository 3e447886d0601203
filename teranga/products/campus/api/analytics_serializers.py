"""Serializers of the organiser analytics."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from teranga.core.money import CURRENCY_CHOICES
from teranga.core.serializers import Serializer

from ..models import EventStatus
from ..selectors.analytics import MAX_DAYS, PERIODS, TOP_BY

TOP_MAX = 50


class CampusMoneySerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (XOF has none, EUR has cents).")
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    display = serializers.CharField(help_text="Formatted for people.")


class CampusDateRangeQuerySerializer(Serializer):
    def get_fields(self):
        # "from" is a Python keyword: declared here.
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, help_text="First day (inclusive, local). Default: 29 days before `to`."
        )
        fields["to"] = serializers.DateField(
            required=False,
            help_text=f"Last day (inclusive, local); at most {MAX_DAYS} days after `from`.",
        )
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("to")
        if start and end:
            if start > end:
                raise serializers.ValidationError(
                    {"to": [_("The end date must not be before the start date.")]}
                )
            if (end - start).days >= MAX_DAYS:
                raise serializers.ValidationError(
                    {"to": [_("At most %(days)s days at once.") % {"days": MAX_DAYS}]}
                )
        return attrs


class CampusEventAnalyticsQuerySerializer(CampusDateRangeQuerySerializer):
    pass


class CampusDashboardQuerySerializer(CampusDateRangeQuerySerializer):
    organization = serializers.UUIDField(help_text="The organiser (organisation) id.")
    period = serializers.ChoiceField(
        choices=[(p, p) for p in PERIODS],
        required=False,
        default="day",
        help_text="`day` (default), `week` (ISO, from Monday) or `month`.",
    )
    top_by = serializers.ChoiceField(
        choices=[(t, t) for t in TOP_BY],
        required=False,
        default="tickets",
        help_text="Rank the top events by `tickets` sold (default) or net `revenue`.",
    )
    top = serializers.IntegerField(
        required=False, default=5, min_value=1, max_value=TOP_MAX, help_text="How many."
    )


# --- One event -----------------------------------------------------------------------------


class CampusAnalyticsEventSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=EventStatus.choices)


class CampusTicketTypeFiguresSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    quota = serializers.IntegerField()
    sold = serializers.IntegerField(help_text="Valid tickets of this type.")
    revenue = CampusMoneySerializer(help_text="Sum of their prices (at sale, before coupons).")


class CampusDailyFiguresSerializer(serializers.Serializer):
    date = serializers.DateField()
    views = serializers.IntegerField(help_text="Viewers that day (one view per viewer).")
    tickets = serializers.IntegerField(help_text="Tickets issued that day, still valid.")


class CampusRatingCountSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="Stars (1 to 5).")
    count = serializers.IntegerField(help_text="Shown reviews with this rating.")


class CampusRatingSerializer(serializers.Serializer):
    average = serializers.FloatField(
        allow_null=True, help_text="Mean rating of the shown reviews; null without any."
    )
    count = serializers.IntegerField(help_text="Shown reviews (hidden ones left out).")


class CampusEventReviewsSerializer(CampusRatingSerializer):
    distribution = CampusRatingCountSerializer(
        many=True, help_text="Shown reviews per rating, from 1 to 5 stars (every rating listed)."
    )
    reported = serializers.IntegerField(help_text="Reviews reported at least once (hidden or not).")
    hidden = serializers.IntegerField(
        help_text="Reviews hidden pending moderation (left out of the figures above)."
    )


class CampusEventAnalyticsSerializer(serializers.Serializer):
    event = CampusAnalyticsEventSerializer()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    views = serializers.IntegerField(help_text="Views, counted once per viewer per day.")
    unique_viewers = serializers.IntegerField(help_text="Distinct viewers.")
    favourites = serializers.IntegerField()
    tickets_sold = serializers.IntegerField(help_text="Valid tickets.")
    ticket_types = CampusTicketTypeFiguresSerializer(many=True)
    revenue = CampusMoneySerializer(
        help_text="Received by payments for the event's orders, net of succeeded refunds."
    )
    checked_in = serializers.IntegerField(
        help_text="Valid tickets with an accepted entry scan on any check-in list."
    )
    checkin_rate = serializers.FloatField(help_text="checked_in / tickets_sold (0 to 1).")
    reviews = CampusEventReviewsSerializer()
    buyers = serializers.IntegerField(help_text="Distinct buyers of paid orders.")
    conversion_rate = serializers.FloatField(
        help_text="buyers / unique_viewers (0 without viewers; may pass 1)."
    )
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    daily = CampusDailyFiguresSerializer(
        many=True, help_text="Every day from `date_from` to `date_to`."
    )


# --- Dashboard -----------------------------------------------------------------------------


class CampusDashboardOrganizationSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class CampusDashboardTotalsSerializer(serializers.Serializer):
    events = serializers.IntegerField(help_text="Events (drafts left out) starting in the range.")
    tickets_sold = serializers.IntegerField(help_text="Their valid tickets.")
    revenue = CampusMoneySerializer(help_text="Their orders' payments, net of succeeded refunds.")
    views = serializers.IntegerField()
    favourites = serializers.IntegerField()
    checked_in = serializers.IntegerField()
    checkin_rate = serializers.FloatField(help_text="checked_in / tickets_sold (0 to 1).")


class CampusDashboardPeriodSerializer(serializers.Serializer):
    period = serializers.DateField(help_text="First day of the period.")
    revenue = CampusMoneySerializer(
        help_text="Net received for orders paid in the period (any event of the organiser)."
    )
    tickets = serializers.IntegerField(help_text="Tickets issued in the period, still valid.")


class CampusDashboardEventSerializer(CampusAnalyticsEventSerializer):
    tickets_sold = serializers.IntegerField()
    revenue = CampusMoneySerializer()
    views = serializers.IntegerField()
    rating_average = serializers.FloatField(
        allow_null=True, help_text="Mean rating of its shown reviews; null without any."
    )
    reviews_count = serializers.IntegerField(help_text="Its shown reviews.")


class CampusDashboardSerializer(serializers.Serializer):
    organization = CampusDashboardOrganizationSerializer()
    currency = serializers.ChoiceField(choices=CURRENCY_CHOICES)
    time_zone = serializers.CharField(help_text="Days are local days of this time zone.")
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    period = serializers.ChoiceField(choices=[(p, p) for p in PERIODS])
    totals = CampusDashboardTotalsSerializer()
    revenue_by_period = CampusDashboardPeriodSerializer(many=True)
    rating = CampusRatingSerializer(
        help_text="The organiser's public rating: the shown reviews of all its events "
        "(not only the range's)."
    )
    top_by = serializers.ChoiceField(choices=[(t, t) for t in TOP_BY])
    top_events = CampusDashboardEventSerializer(many=True)
