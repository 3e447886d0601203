"""Everything the Academy product contributes to the platform (the product contract:
``teranga.platform.contract``): Calmness Trading's trainings (seed 004) — formations,
recurring live sessions, enrolment paid through the payments module (invoiced by the
invoicing module with the academy's ``CT-YYYYMMDD-XXXX`` profile), attendance, session
reminders and the academy's dashboard."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from teranga.platform.contract import Action, PeriodicJob, Product, ThrottleScope
from teranga.platform.organizations.extensions import Role

from .errors import AcademyError

LABEL = "academy"


def load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


def _user_export(*, user) -> dict:
    from .personal_data import academy_user_export

    return academy_user_export(user=user)


def _session_reminders() -> int:
    from .services.reminders import session_reminders_periodic

    return session_reminders_periodic()


def product() -> Product:
    from .calendar import member_sessions
    from .link_kinds import link_kinds
    from .notices import types as notification_types
    from .payables import TARGET_TYPE as ENROLMENT_PAYABLE
    from .payables import EnrolmentPayable
    from .selectors import (
        ATTENDANCE_TAKE,
        DASHBOARD_VIEW,
        FORMATIONS_MANAGE,
        FORMATIONS_VIEW,
    )

    return Product(
        label=LABEL,
        name=gettext_lazy("Academy"),
        api_urls="teranga.products.academy.api.urls",
        page_urls="teranga.products.academy.page_urls",
        actions=[
            Action(FORMATIONS_MANAGE, Role.MANAGER),
            Action(FORMATIONS_VIEW, Role.AGENT, staff=True),
            # The instructor's roll call.
            Action(ATTENDANCE_TAKE, Role.AGENT),
            Action(DASHBOARD_VIEW, Role.MANAGER, staff=True),
        ],
        payables={ENROLMENT_PAYABLE: EnrolmentPayable()},
        notification_types=notification_types(),
        link_kinds=link_kinds(),
        periodic_jobs=[
            PeriodicJob("academy.session_reminders", _session_reminders, {"minute": "*/5"})
        ],
        throttle_scopes=[ThrottleScope("academy_checkin", "30/min")],
        enum_names={
            "AcademyLevelEnum": "teranga.products.academy.models.Level",
            "AcademyPlatformEnum": "teranga.products.academy.models.Platform",
            "AcademySessionStatusEnum": "teranga.products.academy.models.SessionStatus",
            "AcademyEnrolmentStatusEnum": "teranga.products.academy.models.EnrolmentStatus",
            "AcademyAttendanceMethodEnum": "teranga.products.academy.models.AttendanceMethod",
        },
        error_codes=AcademyError,
        demo_loader=load_demo,
        calendar_sources={"academy.sessions": member_sessions},
        user_exporters={"academy.enrolments": _user_export},
    )
