"""Readiness checks beyond the database and the cache: channel layer and task engine."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from channels.layers import get_channel_layer
from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from config import tasks_engine


@dataclasses.dataclass
class ChannelLayer(HealthCheck):
    """A message sent on a fresh channel comes back."""

    timeout = datetime.timedelta(seconds=5)

    async def run(self):
        layer = get_channel_layer()
        if layer is None:
            raise ServiceUnavailable("No channel layer configured")
        channel = await layer.new_channel("health.")
        token = uuid.uuid4().hex
        try:
            await layer.send(channel, {"type": "health.ping", "token": token})
            message = await layer.receive(channel)
        except Exception as exc:
            raise ServiceUnavailable("Channel layer unreachable") from exc
        if message.get("token") != token:
            raise ServiceUnavailable("Channel layer returned another message")


@dataclasses.dataclass
class TaskEngine(HealthCheck):
    """huey's storage answers, and in the embedded mode its consumer threads run."""

    timeout = datetime.timedelta(seconds=5)

    def run(self):
        from huey.contrib.djhuey import HUEY

        try:
            HUEY.storage.queue_size()
        except Exception as exc:
            raise ServiceUnavailable("Task storage unreachable") from exc
        embedded = settings.EMBEDDED_WORKER and not HUEY.immediate
        if embedded and not tasks_engine.embedded_consumer_running():
            raise ServiceUnavailable("Embedded task consumer is not running")


def health_live(request):
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


class ReadyView(HealthCheckView):
    """Readiness, as JSON unless the client asks otherwise."""

    checks = [
        "health_check.checks.Database",
        "health_check.checks.Cache",
        ChannelLayer,
        TaskEngine,
    ]

    async def get(self, request, *args, **kwargs):
        # ``request.headers`` may already be cached by a middleware: choose JSON through
        # the ``format`` parameter, not by rewriting the Accept header.
        accept = request.META.get("HTTP_ACCEPT", "").strip()
        if "format" not in request.GET and accept in ("", "*/*"):
            query = request.GET.copy()
            query["format"] = "json"
            request.GET = query
        return await super().get(request, *args, **kwargs)


health_ready = ReadyView.as_view()
