from __future__ import annotations

import django_filters

from teranga.platform.notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)"
    )
    kind = django_filters.CharFilter(field_name="kind", label="Kind, e.g. scheduling.confirmed")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
