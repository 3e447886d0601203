"""Benchmark-only URL configuration: the whole site plus ``GET /bench/hello/``, the
baseline of ``benchmarks.api_overhead``.

The hello view is a bare DRF ``APIView`` returning a small JSON object: no
authentication, no permission, no throttle, no database. It is served by the same
server, middleware and settings as the API (``benchmarks.api_overhead_settings``), so
that what an endpoint costs beyond it is the endpoint's own work. Never part of the
product.
"""

from __future__ import annotations

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns


class HelloView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request):
        return Response({"hello": "world"})


urlpatterns = [
    path("bench/hello/", HelloView.as_view()),
    *product_urlpatterns,
]
