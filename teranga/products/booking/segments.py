"""The Booking product's broadcast segments (see
``teranga.platform.notifications.broadcasts``).

* ``booking.upcoming_clients`` — the clients with a pending or confirmed reservation of
  the organisation starting within the next ``days`` days (7 by default, 1 to 90),
  optionally of one ``service`` only.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from teranga.core.serializers import Serializer
from teranga.platform.notifications.extensions import Segment
from teranga.platform.scheduling.models import BookingStatus

from .models import Reservation, Service

UPCOMING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class UpcomingClientsParams(Serializer):
    days = serializers.IntegerField(min_value=1, max_value=90, default=7)
    service = serializers.UUIDField(required=False)

    def validate_service(self, value):
        organization = self.context["organization"]
        if not Service.objects.filter(pk=value, organization=organization).exists():
            raise serializers.ValidationError(_("No such service."))
        return value


def upcoming_clients(organization, params):
    now = timezone.now()
    reservations = Reservation.objects.filter(
        organization=organization,
        booking__status__in=UPCOMING_STATUSES,
        booking__starts_at__gte=now,
        booking__starts_at__lt=now + timedelta(days=params.get("days", 7)),
        booking__client__isnull=False,
    )
    if params.get("service"):
        reservations = reservations.filter(service_id=params["service"])
    return get_user_model().objects.filter(pk__in=reservations.values("booking__client_id"))


SEGMENTS = {
    "booking.upcoming_clients": Segment(
        label=gettext_lazy("Clients with an upcoming booking"),
        description=gettext_lazy(
            "Clients with a pending or confirmed booking in the next `days` days (7 by "
            "default), optionally of one `service`."
        ),
        params=UpcomingClientsParams,
        recipients=upcoming_clients,
    ),
}
