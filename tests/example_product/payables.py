"""Paying for a lesson: the example product's payable ("tutoring.lesson")."""

from __future__ import annotations

from teranga.core.errors import ApplicationError, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.payments.extensions import FulfilmentRefused, PayableBase, Quote, QuoteLine

from .models import Lesson
from .services import lesson_mark_paid

TARGET_TYPE = "tutoring.lesson"


class LessonPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        pk = parse_uuid(target_id)
        lesson = Lesson.objects.select_related("organization").filter(pk=pk).first()
        if lesson is None or lesson.paid_at is not None:
            raise NotFound("No such lesson to pay for.", code="lesson_not_found")
        return Quote(
            organization=lesson.organization,
            currency=lesson.currency,
            description=lesson.title,
            lines=(QuoteLine(description=lesson.title, unit_amount=lesson.price),),
        )

    def fulfil(self, *, payment) -> None:
        try:
            lesson_mark_paid(lesson_id=payment.target_id, payment=payment)
        except (Lesson.DoesNotExist, ApplicationError) as exc:
            raise FulfilmentRefused("lesson gone or already paid") from exc
