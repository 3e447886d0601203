"""Everything the Campus product contributes to the platform (the product contract:
``teranga.platform.contract``). Each part adds its entries in its own section."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from teranga.platform.contract import Action, PeriodicJob, Product, ThrottleScope
from teranga.platform.organizations.extensions import Role

from .errors import CampusError

LABEL = "campus"


def load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


def _user_erase(*, user) -> None:
    from .erasure import campus_user_erase

    campus_user_erase(user=user)


def _user_export(*, user) -> dict:
    from .personal_data import campus_user_export

    return campus_user_export(user=user)


def landing_pages() -> list[tuple]:
    """The scanner page, and the analytics dashboard of each organiser with events (at
    most ten): the home page lists them in demo mode."""
    from django.utils.translation import gettext

    from .models import Event

    organizers = (
        Event.objects.order_by("organization__name")
        .values_list("organization_id", "organization__name")
        .distinct()[:10]
    )
    pages = [(gettext_lazy("Ticket scanner"), "/campus/scan/")]
    title = gettext("Organiser dashboard")
    pages += [(f"{title} — {name}", f"/campus/dashboard/{pk}/") for pk, name in organizers]
    return pages


def product() -> Product:
    actions = [
        # --- events ---
        Action("campus.events.manage", Role.MANAGER),
        Action("campus.events.view", Role.AGENT, staff=True),
        # --- tickets ---
        Action("campus.orders.view", Role.AGENT, staff=True),
        # --- check-in ---
        Action("campus.checkin.scan", Role.AGENT),
        Action("campus.checkin.manage", Role.MANAGER),
        # --- analytics ---
        Action("campus.analytics.view", Role.MANAGER, staff=True),
    ]
    payables: dict = {}
    notification_types: list = []
    link_kinds: list = []
    held_orders: dict = {}
    periodic_jobs: list[PeriodicJob] = []
    throttle_scopes: list[ThrottleScope] = []
    enum_names: dict = {}
    # --- events section ---
    # The HTTP cache of the public and popular lists: what makes them stale.
    from .public_cache import register as events_cache_register

    events_cache_register()
    from teranga.core.links import LinkKind, summary_of

    from .selectors.events import event_link_rows, event_link_target, event_organization

    link_kinds.append(
        LinkKind(
            "campus.event",
            gettext_lazy("Event"),
            "campus/events/{id}",
            summary=summary_of(event_link_target, event_link_rows),
            organization=event_organization,
        )
    )
    enum_names.update(
        {
            "CampusEventCategoryEnum": "teranga.products.campus.models.EventCategory",
            "CampusEventVisibilityEnum": "teranga.products.campus.models.EventVisibility",
            "CampusEventStatusEnum": "teranga.products.campus.models.EventStatus",
        }
    )
    # --- tickets section ---
    from .payables import TARGET_TYPE as ORDER_PAYABLE
    from .payables import OrderPayable
    from .selectors.tickets import ticket_link_rows, ticket_link_target
    from .services.event_cancel import cancelled_events_settle
    from .services.orders import ORDER_HOLDS
    from .ticket_notices import TYPES as TICKET_NOTICE_TYPES

    payables[ORDER_PAYABLE] = OrderPayable()
    notification_types.extend(TICKET_NOTICE_TYPES)
    link_kinds.append(
        LinkKind(
            "campus.ticket",
            gettext_lazy("Ticket"),
            "campus/tickets/{id}",
            summary=summary_of(ticket_link_target, ticket_link_rows),
        )
    )
    # Unpaid orders expire when their hold runs out (core.holds_expire): seats back.
    held_orders[ORDER_PAYABLE] = ORDER_HOLDS
    # A cancellation interrupted between its two steps is settled here.
    periodic_jobs.append(
        PeriodicJob("campus.cancelled_events_settle", cancelled_events_settle, {"minute": "*/5"})
    )
    throttle_scopes.append(ThrottleScope("campus_orders", "30/min"))
    enum_names.update(
        {
            "CampusTicketKindEnum": "teranga.products.campus.models.TicketKind",
            "CampusOrderStatusEnum": "teranga.products.campus.models.OrderStatus",
            "CampusTicketStatusEnum": "teranga.products.campus.models.TicketStatus",
        }
    )
    # --- check-in section ---
    throttle_scopes += [
        ThrottleScope("campus_validate", "600/min"),
        ThrottleScope("campus_scanner", "600/min"),
    ]
    # --- waiting list and analytics section ---
    from .services.waitlist import WAITLIST_OFFER_HOLDS, WAITLIST_OFFER_KIND
    from .waitlist_notices import TYPES as WAITLIST_TYPES
    from .waitlist_notices import entry_link_kind

    notification_types += WAITLIST_TYPES
    link_kinds += [entry_link_kind()]
    # Offers lapse like carts: the seat goes to the next one waiting (core.holds_expire).
    held_orders[WAITLIST_OFFER_KIND] = WAITLIST_OFFER_HOLDS
    throttle_scopes += [ThrottleScope("campus_analytics", "120/hour")]
    enum_names["WaitingStatusEnum"] = "teranga.products.campus.models.WaitingStatus"
    # --- community section ---
    from .community_notices import TYPES as COMMUNITY_TYPES
    from .services.badges import badges_award_periodic

    actions.append(Action("campus.verification.manage", Role.MANAGER, staff=True))
    notification_types += COMMUNITY_TYPES
    # Badges of users with recent activity (check-ins, reviews, events that ended).
    periodic_jobs.append(
        PeriodicJob("campus.badges_award", badges_award_periodic, {"minute": "*/5"})
    )
    enum_names["CampusVerificationStatusEnum"] = "teranga.products.campus.models.VerificationStatus"
    # --- groups section ---
    from .group_notices import TYPES as GROUP_NOTICE_TYPES
    from .group_notices import group_link_kind

    notification_types += GROUP_NOTICE_TYPES
    link_kinds.append(group_link_kind())
    throttle_scopes.append(ThrottleScope("campus_group_writes", "60/min"))
    enum_names.update(
        {
            "CampusGroupKindEnum": "teranga.products.campus.models.GroupKind",
            "CampusGroupVisibilityEnum": "teranga.products.campus.models.GroupVisibility",
            "CampusGroupRoleEnum": "teranga.products.campus.models.GroupRole",
            "CampusJoinRequestStatusEnum": "teranga.products.campus.models.JoinRequestStatus",
            "CampusReactionEnum": "teranga.products.campus.models.Reaction",
            "CampusJoinResultEnum": "teranga.products.campus.api.group_serializers.JoinResult",
        }
    )
    # --- moderation section ---
    # Posts, comments, reviews and events in the platform's moderation queue.
    from .moderation_kinds import kinds as moderation_kinds_of

    moderation_kinds = moderation_kinds_of()
    # --- calendar section ---
    from .calendar import participations

    calendar_sources = {"campus.participations": participations}
    enum_names["CampusCalendarKindEnum"] = ["ticket", "favourite"]  # calendar.CalendarKind
    # --- invitations section ---
    from .invitation_notices import TYPES as INVITATION_TYPES
    from .invitation_notices import invitation_link_kind

    notification_types += INVITATION_TYPES
    link_kinds.append(invitation_link_kind())
    throttle_scopes.append(ThrottleScope("campus_invitations", "60/min"))
    enum_names["CampusInvitationStatusEnum"] = "teranga.products.campus.models.InvitationStatus"
    # --- OpenAPI names of the choice sets that live in no model ---
    from .community_notices import BADGE_LABELS
    from .models import ScanResult
    from .selectors.analytics import PERIODS, TOP_BY
    from .selectors.recommendations import WEIGHTS

    enum_names.update(
        {
            "CampusBadgeCodeEnum": list(BADGE_LABELS),
            "CampusDashboardPeriodEnum": list(PERIODS),
            "CampusTopByEnum": list(TOP_BY),
            "CampusRecommendationReasonEnum": list(WEIGHTS),
            "CampusScanDirectionEnum": "teranga.products.campus.models.ScanDirection",
            "CampusScanResultEnum": "teranga.products.campus.models.ScanResult",
            # What a device decided offline: every scan result but a conflict.
            "CampusScanLocalResultEnum": [
                choice for choice in ScanResult.choices if choice[0] != ScanResult.CONFLICT
            ],
        }
    )
    return Product(
        label=LABEL,
        name=gettext_lazy("Campus"),
        api_urls="teranga.products.campus.api.urls",
        page_urls="teranga.products.campus.page_urls",
        actions=actions,
        payables=payables,
        notification_types=notification_types,
        link_kinds=link_kinds,
        held_orders=held_orders,
        periodic_jobs=periodic_jobs,
        throttle_scopes=throttle_scopes,
        enum_names=enum_names,
        error_codes=CampusError,
        demo_loader=load_demo,
        landing_links=landing_pages,
        calendar_sources=calendar_sources,
        user_erasers={"campus.personal_data": _user_erase},
        user_exporters={"campus.personal_data": _user_export},
        moderation_kinds=moderation_kinds,
    )
