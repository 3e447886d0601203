from __future__ import annotations

import django_filters

from teranga.core.filters import TextFilter
from teranga.platform.notifications.models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)"
    )
    kind = TextFilter(
        field_name="kind",
        max_length=Notification._meta.get_field("kind").max_length,
        label="Kind, e.g. scheduling.confirmed",
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
