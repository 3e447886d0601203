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


def _signal_subscription_reminders() -> int:
    from .services.plan_reminders import signal_subscription_reminders_periodic

    return signal_subscription_reminders_periodic()


# --- MetaTrader section ---
# The Expert Advisor's uploads, per trading account (``api.mt.MtSyncThrottle``): it syncs
# every 60 s, in batches of 500 trades while it sends a long history.
MT_THROTTLE_SCOPES = [ThrottleScope("academy_mt_sync", "20/min")]
MT_ENUM_NAMES = {"AcademyTradeSideEnum": "teranga.products.academy.models.TradeSide"}


def _mt_user_export(*, user) -> dict:
    from .personal_data import trading_accounts_export

    return trading_accounts_export(user=user)


# --- signals section ---
# A signal's direction (buy/sell) has the choices of MetaTrader's trade side: one enum,
# ``AcademyTradeSideEnum``, names both in the schema.
SIGNAL_ENUM_NAMES = {
    "AcademySignalStatusEnum": "teranga.products.academy.models.SignalStatus",
    "AcademySignalUpdateKindEnum": "teranga.products.academy.models.SignalUpdateKind",
    "AcademySignalEventKindEnum": "teranga.products.academy.services.signals.RECORDABLE_CHOICES",
}


def _signal_for(user, signal_id):
    from .selectors_signals import signal_get

    return signal_get(user=user, signal_id=signal_id)


def _signal_rows(signal) -> list[tuple]:
    from django.utils.translation import gettext as _

    return [
        (_("Instrument"), signal.instrument),
        (_("Direction"), signal.get_direction_display()),
        (_("Entry"), str(signal.entry)),
        (_("Stop-loss"), str(signal.stop_loss)),
        (_("Status"), signal.get_status_display()),
    ]


def _signal_parts() -> dict:
    """Trading signals: their actions, notices, link kind and live socket."""
    from django.urls import path

    from teranga.core.links import LinkKind, summary_of

    from .api.signals import SignalsConsumer
    from .payables import SignalSubscriptionPayable
    from .selectors_signals import (
        SIGNAL_LINK,
        SIGNAL_PLANS_MANAGE,
        SIGNAL_PLANS_VIEW,
        SIGNAL_SUBSCRIPTION_PAYABLE,
        SIGNALS_MANAGE,
        SIGNALS_VIEW,
    )
    from .services.signals import signal_notification_types

    return {
        "actions": [
            Action(SIGNALS_MANAGE, Role.AGENT),
            Action(SIGNALS_VIEW, Role.AGENT, staff=True),
            # Signal plans: managers and above sell them; anyone sees the active ones.
            Action(SIGNAL_PLANS_MANAGE, Role.MANAGER),
            Action(SIGNAL_PLANS_VIEW, Role.MEMBER, staff=True, public=True),
        ],
        "payables": {SIGNAL_SUBSCRIPTION_PAYABLE: SignalSubscriptionPayable()},
        "notification_types": signal_notification_types(),
        "link_kinds": [
            LinkKind(
                SIGNAL_LINK,
                gettext_lazy("Signal"),
                "academy/signals/{id}",
                summary=summary_of(_signal_for, _signal_rows),
            )
        ],
        "websocket_routes": [
            path(
                "ws/academy/organizations/<uuid:organization_id>/signals/",
                SignalsConsumer.as_asgi(),
            )
        ],
    }


def product() -> Product:
    from .calendar import member_sessions
    from .link_kinds import link_kinds
    from .notices import subscription_link_kind, subscription_notification_types
    from .notices import types as notification_types
    from .payables import TARGET_TYPE as ENROLMENT_PAYABLE
    from .payables import EnrolmentPayable
    from .selectors import (
        ATTENDANCE_TAKE,
        DASHBOARD_VIEW,
        FORMATIONS_MANAGE,
        FORMATIONS_VIEW,
    )

    signals = _signal_parts()
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
            *signals["actions"],
        ],
        payables={ENROLMENT_PAYABLE: EnrolmentPayable(), **signals["payables"]},
        notification_types=[
            *notification_types(),
            *signals["notification_types"],
            *subscription_notification_types(),
        ],
        link_kinds=[*link_kinds(), *signals["link_kinds"], subscription_link_kind()],
        websocket_routes=signals["websocket_routes"],
        periodic_jobs=[
            PeriodicJob("academy.session_reminders", _session_reminders, {"minute": "*/5"}),
            PeriodicJob(
                "academy.signal_subscription_reminders",
                _signal_subscription_reminders,
                {"minute": "*/15"},
            ),
        ],
        throttle_scopes=[ThrottleScope("academy_checkin", "30/min"), *MT_THROTTLE_SCOPES],
        enum_names={
            **SIGNAL_ENUM_NAMES,
            **MT_ENUM_NAMES,
            "AcademyLevelEnum": "teranga.products.academy.models.Level",
            "AcademyPlatformEnum": "teranga.products.academy.models.Platform",
            "AcademySessionStatusEnum": "teranga.products.academy.models.SessionStatus",
            "AcademyEnrolmentStatusEnum": "teranga.products.academy.models.EnrolmentStatus",
            "AcademyAttendanceMethodEnum": "teranga.products.academy.models.AttendanceMethod",
        },
        error_codes=AcademyError,
        demo_loader=load_demo,
        calendar_sources={"academy.sessions": member_sessions},
        user_exporters={
            "academy.enrolments": _user_export,
            "academy.trading_accounts": _mt_user_export,
        },
    )
