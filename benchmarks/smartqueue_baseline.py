"""Benchmark-only URL configuration: the whole API plus a *plain insert* endpoint, the
baseline of ``benchmarks.smartqueue_take_ticket``.

``POST /bench/plain-insert/`` authenticates like the API (JWT, throttles) and inserts
one row (a ``TicketEvent`` on a fixed ticket) in one transaction: the least a write
request costs. The server gets it through ``benchmarks.smartqueue_settings``; it is
never part of the product.
"""

from __future__ import annotations

import os

from django.db import transaction
from django.urls import path
from django.utils import timezone
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns


class PlainInsertView(APIView):
    def post(self, request):
        from teranga.products.smartqueue.models import TicketEvent

        with transaction.atomic():
            event = TicketEvent.objects.create(
                ticket_id=os.environ["SQ_BENCH_BASELINE_TICKET"],
                action="bench",
                from_status="",
                to_status="waiting",
                actor=request.user,
                at=timezone.now(),
            )
        return Response({"id": event.pk}, status=201)


urlpatterns = [
    path("bench/plain-insert/", PlainInsertView.as_view()),
    *product_urlpatterns,
]
