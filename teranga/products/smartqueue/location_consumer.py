"""``/ws/smartqueue/location/`` (filled in by the travel work)."""

from teranga.platform.realtime.consumers import RealtimeConsumer


class LocationConsumer(RealtimeConsumer):
    pass
