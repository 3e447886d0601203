"""``/ws/smartqueue/location/``: a client shares their position while they wait.

Client → server: ``{"type": "location", "latitude": 14.69, "longitude": -17.44,
"accuracy_m": 20, "mode": "car"}`` (``accuracy_m`` and ``mode`` optional);
``{"type": "forget"}`` deletes the position now. Server → client, for each location:
``{"type": "travel", "data": {…}}`` — the same body as ``POST /api/v1/smartqueue/location/``:
for each of the user's waiting tickets the travel time and whether to leave now (the
"leave now" notice itself is sent once, on the user's channels). Refusals come as
``{"type": "error", "code": "invalid" | "no_active_ticket", "detail": …, "fields": …}``.
The socket's group is the user's own (``user_group``), so the platform's notifications
("your turn", "leave now") arrive on it too.
"""

from __future__ import annotations

import json
import time

from channels.db import database_sync_to_async
from django.core.serializers.json import DjangoJSONEncoder

from teranga.core.errors import ApplicationError
from teranga.platform.realtime.broadcast import user_group
from teranga.platform.realtime.consumers import RealtimeConsumer

from .api.travel_serializers import LocationUpdateSerializer
from .api.travel_views import location_payload
from .services.locations import current_location, location_forget, location_update

MAX_UPDATES_PER_MINUTE = 30


class LocationConsumer(RealtimeConsumer):
    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, cls=DjangoJSONEncoder)

    async def get_groups(self) -> list[str]:
        return [user_group(self.user.pk)]

    async def get_snapshot(self) -> dict:
        return await database_sync_to_async(self._snapshot)()

    def _snapshot(self) -> dict:
        location = current_location(self.user)
        if location is None:
            return {"location": None}
        return {
            "location": {
                "latitude": float(location.latitude),
                "longitude": float(location.longitude),
                "mode": location.mode,
                "expires_at": location.expires_at.isoformat(),
            }
        }

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "location":
            await self._location(content)
        elif kind == "forget":
            await database_sync_to_async(self._forget)()
            await self.send_json({"type": "forgotten"})
        else:
            await super().receive_json(content, **kwargs)

    def _forget(self) -> None:
        location_forget(user=self.user)

    async def _location(self, content: dict) -> None:
        result = await database_sync_to_async(self._update)(content)
        await self.send_json(result)

    def _update(self, content: dict) -> dict:
        if not self._allowed():
            return {"type": "error", "code": "throttled", "detail": "Too many updates."}
        data = {k: v for k, v in content.items() if k != "type"}
        serializer = LocationUpdateSerializer(data=data)
        if not serializer.is_valid():
            return {
                "type": "error",
                "code": "invalid",
                "detail": "Invalid position.",
                "fields": serializer.errors,
            }
        try:
            location, evaluations = location_update(user=self.user, **serializer.validated_data)
        except ApplicationError as exc:
            return {"type": "error", "code": exc.code, "detail": str(exc.message)}
        return {"type": "travel", "data": location_payload(location, evaluations)}

    def _allowed(self) -> bool:
        """At most :data:`MAX_UPDATES_PER_MINUTE` positions a minute per connection."""
        now = time.monotonic()
        stamps = [t for t in getattr(self, "_stamps", []) if now - t < 60]
        if len(stamps) >= MAX_UPDATES_PER_MINUTE:
            self._stamps = stamps
            return False
        stamps.append(now)
        self._stamps = stamps
        return True
