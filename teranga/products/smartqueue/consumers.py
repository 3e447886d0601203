"""SmartQueue's WebSocket consumers (filled in by the realtime work)."""

from teranga.platform.realtime.consumers import RealtimeConsumer


class QueueConsumer(RealtimeConsumer):
    pass


class DisplayConsumer(RealtimeConsumer):
    pass


class MonitorConsumer(RealtimeConsumer):
    pass


class AdminDashboardConsumer(RealtimeConsumer):
    pass


class CounterConsumer(RealtimeConsumer):
    pass
