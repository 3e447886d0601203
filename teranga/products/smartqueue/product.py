"""Everything SmartQueue contributes to the platform (the product contract:
``teranga.platform.contract``)."""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from teranga.core.links import LinkKind, local_time_text, object_link, summary_of
from teranga.core.public_cache import bumping
from teranga.platform.contract import Action, PeriodicJob, Product, ThrottleScope
from teranga.platform.organizations.extensions import Role
from teranga.platform.payments.extensions import PlanFeature, PlanLimit
from teranga.products.smartqueue.errors import SmartQueueError

from .access import COUNTER_OPERATE, QUEUE_MANAGE, QUEUE_VIEW, STATS_VIEW, TICKETS_VIEW
from .demo import load as load_demo
from .imports import IMPORTERS
from .leave_now import leave_now_sweep
from .links import APPOINTMENT_LINK, TICKET_LINK
from .live import queues_relist
from .notices import TYPES
from .payables import APPOINTMENT, TICKET_ORDER, AppointmentPayable, TicketOrderPayable
from .personal_data import smartqueue_user_erase, smartqueue_user_export
from .public_cache import ALL as PUBLIC_CACHE_ALL
from .public_cache import register as public_cache_register
from .routing import websocket_urlpatterns
from .services.appointments import appointments_mark_missed
from .services.catalog import queues_follow_hours
from .services.counters import no_shows_mark
from .services.forecast import forecasts_compute_all
from .services.locations import locations_purge
from .services.orders import TICKET_ORDER_HOLDS
from .sms_intake import sms_intake_handle

LABEL = "smartqueue"
LABEL_MODULE = "teranga.products.smartqueue"
MODELS = f"{LABEL_MODULE}.models"




def appointment_link(booking) -> str:
    """An appointment has its booking's id (``services.appointments.appointment_create``):
    its page, which hands over to the app (``smartqueue/appointments/<id>``)."""
    return object_link(APPOINTMENT_LINK, booking.pk)


def _appointment(user, appointment_id):
    from .selectors.appointments import appointment_visible

    return appointment_visible(user=user, appointment_id=appointment_id)


def _ticket(user, ticket_id):
    from .selectors.tickets import ticket_for_viewer

    return ticket_for_viewer(user=user, ticket_id=ticket_id)


def _ticket_rows(ticket) -> list[tuple]:
    return [
        (gettext("Number"), ticket.display_number),
        (gettext("Service"), ticket.service.name),
        (gettext("Branch"), ticket.branch.name),
        (gettext("Status"), ticket.get_status_display()),
    ]


def landing_pages() -> list[tuple]:
    """The agents' console, the display board of each branch with a queue (at most
    ten) and its organisation's KPI page: the home page lists them in demo mode."""
    from .models import Queue

    branches = (
        Queue.objects.order_by("branch__name")
        .values_list(
            "branch_id", "branch__name", "branch__organization__name", "branch__organization_id"
        )
        .distinct()[:10]
    )
    pages = [(gettext_lazy("Agent console"), "/smartqueue/console/")]
    pages += [
        (f"{gettext('Display board')} — {organization} · {branch}", f"/smartqueue/display/{pk}/")
        for pk, branch, organization, _org_id in branches
    ]
    # The managers' KPI page (forecast and staffing) of each organisation listed.
    kpis = {org_id: organization for _pk, _branch, organization, org_id in branches}
    pages += [
        (f"{gettext('Queue KPIs and forecast')} — {organization}", f"/smartqueue/kpi/{org_id}/")
        for org_id, organization in kpis.items()
    ]
    return pages


def _appointment_rows(appointment) -> list[tuple]:
    return [
        (gettext("Service"), appointment.service.name),
        (gettext("Branch"), appointment.branch.name),
        (
            gettext("Date"),
            local_time_text(appointment.starts_at, appointment.organization.time_zone),
        ),
        (gettext("Status"), appointment.get_status_display()),
    ]


def product() -> Product:
    # The HTTP cache of the public catalogue: what invalidates it.
    public_cache_register()
    return Product(
        label=LABEL,
        name="SmartQueue",
        api_urls="teranga.products.smartqueue.api.urls",
        page_urls="teranga.products.smartqueue.page_urls",
        actions=[
            # Services, queues, counters, kiosks and hours: managers and above (staff may
            # look). Agents call, serve and transfer tickets at counters; they see the
            # branch's tickets.
            Action(QUEUE_MANAGE, Role.MANAGER),
            Action(QUEUE_VIEW, Role.AGENT, staff=True),
            Action(COUNTER_OPERATE, Role.AGENT),
            Action(TICKETS_VIEW, Role.AGENT, staff=True),
            Action(STATS_VIEW, Role.MANAGER, staff=True),
        ],
        payables={TICKET_ORDER: TicketOrderPayable(), APPOINTMENT: AppointmentPayable()},
        notification_types=list(TYPES.values()),
        websocket_routes=websocket_urlpatterns,
        # Appointments book through the scheduling engine, which tells people with its
        # own notices (``scheduling.*``).
        booking_links={LABEL: appointment_link},
        landing_links=landing_pages,
        link_kinds=[
            LinkKind(
                APPOINTMENT_LINK,
                gettext_lazy("Appointment"),
                "smartqueue/appointments/{id}",
                summary=summary_of(_appointment, _appointment_rows),
            ),
            LinkKind(
                TICKET_LINK,
                gettext_lazy("Ticket"),
                "smartqueue/tickets/{id}",
                summary=summary_of(_ticket, _ticket_rows),
            ),
        ],
        plan_limits={
            "counters": PlanLimit(label=gettext_lazy("counters"), free_tier=1),
            "sms_per_month": PlanLimit(label=gettext_lazy("SMS per month"), free_tier=50),
        },
        plan_features={
            "queues": PlanFeature(label=gettext_lazy("Virtual queues"), free_tier=True),
            "appointments": PlanFeature(label=gettext_lazy("Appointments")),
            "display_board": PlanFeature(label=gettext_lazy("Display boards")),
            "sms": PlanFeature(label=gettext_lazy("Tickets by SMS")),
            "analytics": PlanFeature(label=gettext_lazy("Queue analytics")),
            "api": PlanFeature(label=gettext_lazy("API access")),
            "kiosk": PlanFeature(label=gettext_lazy("Kiosks")),
        },
        sms_handlers={LABEL: sms_intake_handle},
        # Each one idempotent and safe to run twice.
        periodic_jobs=[
            # Called tickets nobody started serving within the queue's timeout: no-show.
            PeriodicJob("smartqueue.no_shows_mark", no_shows_mark),
            # Open and close the queues that follow their hours; expire last night's.
            # Its opening and closing is a QuerySet.update: it bumps the public cache.
            PeriodicJob(
                "smartqueue.queues_follow_hours",
                bumping(queues_follow_hours, PUBLIC_CACHE_ALL),
            ),
            # The queues' watchers: republish any change whose publication was lost.
            PeriodicJob("smartqueue.queues_relist", queues_relist),
            # "Leave now" to the clients whose travel time caught up with their wait.
            PeriodicJob("smartqueue.leave_now_sweep", leave_now_sweep),
            # Forget the positions nobody needs any more.
            PeriodicJob("smartqueue.locations_purge", locations_purge, {"minute": "*/5"}),
            # Appointments whose check-in window closed without a check-in: missed.
            PeriodicJob(
                "smartqueue.appointments_mark_missed", appointments_mark_missed, {"minute": "*/5"}
            ),
            # The arrivals forecast of the next 14 days, every night (UTC; 02:30 in Dakar).
            PeriodicJob(
                "smartqueue.forecasts_compute",
                forecasts_compute_all,
                {"hour": "2", "minute": "30"},
            ),
        ],
        throttle_scopes=[
            # One budget per kiosk (its API key).
            ThrottleScope("smartqueue_kiosk", "120/min"),
            ThrottleScope("smartqueue_tickets", "30/min"),
            ThrottleScope("smartqueue_ticket_lookup", "120/min"),
            ThrottleScope("smartqueue_stats", "120/hour"),
            ThrottleScope("smartqueue_export", "30/hour"),
            # Recomputing a forecast on demand (the nightly job does it anyway).
            ThrottleScope("smartqueue_forecast_recompute", "10/hour"),
        ],
        enum_names={
            "QueueKindEnum": f"{MODELS}.QueueKind",
            "QueueStrategyEnum": f"{MODELS}.Strategy",
            "QueueServiceCategoryEnum": f"{MODELS}.ServiceCategory",
            "TicketStatusEnum": f"{MODELS}.TicketStatus",
            "TicketChannelEnum": f"{MODELS}.Channel",
            "TicketOrderStatusEnum": f"{MODELS}.OrderStatus",
            "AppointmentStatusEnum": f"{MODELS}.AppointmentStatus",
            "TravelModeEnum": f"{MODELS}.TravelMode",
            "TicketTakeChannelEnum": ["mobile", "web", "api"],
            "KioskTicketClassEnum": ["normal", "priority"],
            "QueueStatsGroupKindEnum": f"{LABEL_MODULE}.selectors.stats.GROUPS",
        },
        error_codes=SmartQueueError,
        importers=IMPORTERS,
        demo_loader=load_demo,
        user_exporters={"smartqueue.personal_data": smartqueue_user_export},
        user_erasers={"smartqueue.personal_data": smartqueue_user_erase},
        # Unpaid ticket orders expire when their hold runs out (core.holds_expire).
        held_orders={TICKET_ORDER: TICKET_ORDER_HOLDS},
    )
