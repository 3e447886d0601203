"""What SmartQueue registers into the platform when Django starts."""

from __future__ import annotations

from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.hooks import demo_loaders
from teranga.platform.organizations.models import Role

from .access import (
    COUNTER_OPERATE,
    QUEUE_MANAGE,
    QUEUE_VIEW,
    STATS_VIEW,
    TICKETS_VIEW,
)

# Services, queues, counters, kiosks and hours: managers and above (staff may look).
register_action(QUEUE_MANAGE, Role.MANAGER)
register_action(QUEUE_VIEW, Role.AGENT, staff=True)
# Agents call, serve and transfer tickets at counters; they see the branch's tickets.
register_action(COUNTER_OPERATE, Role.AGENT)
register_action(TICKETS_VIEW, Role.AGENT, staff=True)
register_action(STATS_VIEW, Role.MANAGER, staff=True)

# Each module registers its own part: payables, notification types, SMS keywords,
# sockets, demo data and broadcast segments.
from teranga.platform.realtime.routing import register_websocket_routes  # noqa: E402

from . import notices, payables, sms_intake  # noqa: E402, F401
from .routing import websocket_urlpatterns  # noqa: E402

register_websocket_routes(websocket_urlpatterns)


def _load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


demo_loaders.register("smartqueue", _load_demo)
