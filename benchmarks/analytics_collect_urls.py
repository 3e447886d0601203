"""Benchmark-only URL configuration of ``benchmarks.analytics_collect``: the whole site,
``GET /bench/hello/`` (the baseline of ``benchmarks.api_overhead``) and
``POST /bench/analytics-naive/``: the collection endpoint's own work, but the event
written at once, one transaction per request (``services.event_write_now``), instead of
being buffered. Never part of the product."""

from __future__ import annotations

from django.urls import path
from rest_framework import status
from rest_framework.response import Response

from benchmarks.api_overhead_urls import urlpatterns as hello_urlpatterns
from teranga.core.client_address import client_address
from teranga.platform.analytics import services
from teranga.platform.analytics.api import serializers as s
from teranga.platform.analytics.api.views import CollectView, _own_hosts


class NaiveCollectView(CollectView):
    throttle_classes: list = []

    def post(self, request):
        serializer = s.CollectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.event_write_now(
            site_public_id=data["site"],
            name=data["name"],
            url=data["url"],
            referrer=data["referrer"],
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            address=client_address(request),
            own_hosts=_own_hosts(request),
        )
        return Response(status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("bench/analytics-naive/", NaiveCollectView.as_view()),
    *hello_urlpatterns,
]
