"""SmartQueue's WebSocket routes (registered from ``hooks``)."""

from django.urls import path

from . import consumers
from .location_consumer import LocationConsumer

websocket_urlpatterns = [
    path("ws/smartqueue/queues/<uuid:queue_id>/", consumers.QueueConsumer.as_asgi()),
    path(
        "ws/smartqueue/branches/<uuid:branch_id>/display/", consumers.DisplayConsumer.as_asgi()
    ),
    path(
        "ws/organizations/<uuid:organization_id>/monitor/", consumers.MonitorConsumer.as_asgi()
    ),
    path("ws/smartqueue/admin/dashboard/", consumers.AdminDashboardConsumer.as_asgi()),
    path("ws/smartqueue/counters/<uuid:counter_id>/", consumers.CounterConsumer.as_asgi()),
    path("ws/smartqueue/location/", LocationConsumer.as_asgi()),
]
