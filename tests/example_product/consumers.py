"""The example product's live socket: a lesson's state, for the organisation's staff."""

from __future__ import annotations

from channels.db import database_sync_to_async

from teranga.platform.organizations.access import can
from teranga.platform.realtime.consumers import RealtimeConsumer

from .models import Lesson

VIEW = "tutoring.view"


def lesson_group(lesson_id) -> str:
    return f"tutoring.lesson.{lesson_id}"


class LessonConsumer(RealtimeConsumer):
    """``/ws/tutoring/lessons/<id>/``: a snapshot of the lesson, then its events."""

    @database_sync_to_async
    def _lesson(self):
        lesson_id = self.scope["url_route"]["kwargs"]["lesson_id"]
        lesson = Lesson.objects.select_related("organization").filter(pk=lesson_id).first()
        if lesson is None or not can(self.user, lesson.organization, VIEW):
            return None
        return lesson

    async def authorize(self) -> bool:
        return await self._lesson() is not None

    async def get_groups(self) -> list[str]:
        return [lesson_group(self.scope["url_route"]["kwargs"]["lesson_id"])]

    async def get_snapshot(self) -> dict:
        lesson = await self._lesson()
        return {"title": lesson.title, "paid": lesson.paid_at is not None}
