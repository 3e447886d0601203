"""Everything the example product contributes to the platform, in one place."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import LinkKind, object_link
from teranga.platform.contract import Action, PeriodicJob, Product, ThrottleScope
from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel
from teranga.platform.organizations.extensions import Role
from teranga.platform.payments.extensions import PlanFeature, PlanLimit
from teranga.platform.scheduling.extensions import notice_types

from .consumers import LessonConsumer
from .demo import load
from .payables import TARGET_TYPE, LessonPayable
from .services import PAID, lessons_of_user, lessons_unpaid_count

LABEL = "tutoring"
BOOKING_LINK = f"{LABEL}.booking"

PAID_TYPE = NotificationType(
    name=PAID,
    channels=(Channel.EMAIL, Channel.WEBSOCKET),
    title=lambda ctx: _("Lesson paid"),
    body=lambda ctx: _("“%(title)s” with %(organization)s is paid.") % ctx,
    label=gettext_lazy("Lesson payments"),
)


def product() -> Product:
    return Product(
        label=LABEL,
        name=gettext_lazy("Tutoring"),
        api_urls="tests.example_product.api",
        actions=[
            Action("tutoring.view", Role.AGENT, staff=True),
            Action("tutoring.manage", Role.MANAGER),
        ],
        payables={TARGET_TYPE: LessonPayable()},
        notification_types=[PAID_TYPE, *notice_types(LABEL)],
        websocket_routes=[path("ws/tutoring/lessons/<uuid:lesson_id>/", LessonConsumer.as_asgi())],
        booking_links={LABEL: lambda booking: object_link(BOOKING_LINK, booking.pk)},
        link_kinds=[LinkKind(BOOKING_LINK, gettext_lazy("Lesson"), "tutoring/lessons/{id}")],
        scheduling_notices={LABEL: LABEL},
        plan_limits={"lessons": PlanLimit(label=gettext_lazy("lessons"), free_tier=2)},
        plan_features={"tutoring": PlanFeature(label=gettext_lazy("Tutoring"), free_tier=True)},
        periodic_jobs=[PeriodicJob("tutoring.lessons_unpaid", lessons_unpaid_count)],
        throttle_scopes=[ThrottleScope("tutoring_lessons", "100/min")],
        demo_loader=load,
        user_exporters={"tutoring.lessons": lessons_of_user},
    )
