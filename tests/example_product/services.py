"""Writes of the example product."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from teranga.core.errors import Conflict
from teranga.platform.notifications.services import notification_send
from teranga.platform.payments.services.subscriptions import subscription_limit_check

from .models import Lesson

LIMIT = "lessons"
PAID = "tutoring.paid"


@transaction.atomic
def lesson_create(*, organization, title: str, price: int, currency: str = "XOF") -> Lesson:
    """A new lesson, within the plan's ``lessons`` limit (409 ``plan_limit_reached``)."""
    current = Lesson.objects.filter(organization=organization).count()
    subscription_limit_check(organization=organization, key=LIMIT, current=current)
    return Lesson.objects.create(
        organization=organization, title=title, price=price, currency=currency
    )


def lesson_mark_paid(*, lesson_id, payment) -> Lesson:
    """The payable's fulfilment: the lesson is paid, and the payer hears of it (recorded
    in the fulfilment's transaction, delivered after commit)."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson_id)
    if lesson.paid_at is not None:
        raise Conflict("This lesson is already paid.", code="lesson_paid")
    lesson.paid_at = timezone.now()
    lesson.paid_by = payment.payer
    lesson.save(update_fields=["paid_at", "paid_by", "updated_at"])
    notification_send(
        recipient=payment.payer,
        kind=PAID,
        context={"title": lesson.title, "organization": lesson.organization.name},
        link=f"/tutoring/lessons/{lesson.pk}/",
        idempotency_key=f"{PAID}:{payment.pk}",
    )
    return lesson


def lessons_of_user(*, user) -> dict:
    """The example's GDPR export (``user_exporters``): the lessons the user paid for."""
    lessons = Lesson.objects.filter(paid_by=user).select_related("organization")
    return {
        "lessons": [
            {"title": lesson.title, "tutor": lesson.organization.name, "paid_at": lesson.paid_at}
            for lesson in lessons.order_by("-paid_at")
        ]
    }


def lessons_unpaid_count() -> int:
    """The example's periodic job: how many lessons wait for their payment."""
    return Lesson.objects.filter(paid_at__isnull=True).count()
