"""Everything the real-estate product (DIGIT-HAB) contributes to the platform (the
product contract: ``teranga.platform.contract``). Each part adds its entries in its own
section."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from teranga.core.links import LinkKind, summary_of
from teranga.platform.contract import Action, PeriodicJob, Product, ThrottleScope
from teranga.platform.organizations.extensions import Role
from teranga.platform.payments.extensions import PlanLimit

from .errors import RealEstateError

LABEL = "realestate"
MODELS = "teranga.products.realestate.models"


def load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


def _property(user, property_id):
    from .selectors.properties import property_link_target

    return property_link_target(user, property_id)


def _property_rows(prop) -> list[tuple]:
    from .selectors.properties import property_link_rows

    return property_link_rows(prop)


def _visit(user, visit_id):
    from .selectors.visits import visit_link_target

    return visit_link_target(user, visit_id)


def _visit_rows(visit) -> list[tuple]:
    from .selectors.visits import visit_link_rows

    return visit_link_rows(visit)


# --- crm section ---
def _lead(user, lead_id):
    from .selectors.crm import lead_link_target

    return lead_link_target(user, lead_id)


def _lead_rows(lead) -> list[tuple]:
    from .selectors.crm import lead_link_rows

    return lead_link_rows(lead)


def _task_reminders() -> int:
    from .services.crm_tasks import task_reminders_periodic

    return task_reminders_periodic()


def _crm_user_export(*, user) -> dict:
    from .selectors.crm import crm_user_export

    return crm_user_export(user=user)


# --- matching section ---
def _matching_digests() -> int:
    from .services.matching import matching_digests_send

    return matching_digests_send()


def landing_pages() -> list[tuple]:
    """The public page of a few available demo properties (the home page in demo mode)."""
    from django.utils.translation import gettext

    from .models import Property
    from .selectors.access import public_q

    rows = Property.objects.filter(public_q()).order_by("-created_at").values_list("pk", "title")
    return [
        (f"{gettext('Property')} — {title}", f"/realestate/properties/{pk}/")
        for pk, title in rows[:3]
    ]


def product() -> Product:
    from .selectors.access import (
        PROPERTIES_DELETE,
        PROPERTIES_EDIT,
        PROPERTIES_MANAGE,
        PROPERTIES_VIEW,
        SETTINGS_MANAGE,
    )

    # --- properties section ---
    actions = [
        # Agents and above (and staff) read every property of their agency; agents list
        # properties and change theirs; managers change any and reassign; admins delete.
        Action(PROPERTIES_VIEW, Role.AGENT, staff=True),
        Action(PROPERTIES_EDIT, Role.AGENT),
        Action(PROPERTIES_MANAGE, Role.MANAGER),
        Action(PROPERTIES_DELETE, Role.ADMIN),
        # The agency's settings and branding (matching weights, automation): admins.
        Action(SETTINGS_MANAGE, Role.ADMIN, staff=True),
    ]
    link_kinds = [
        LinkKind(
            "realestate.property",
            gettext_lazy("Property"),
            "realestate/properties/{id}",
            summary=summary_of(_property, _property_rows),
        )
    ]
    plan_limits = {
        # Properties not sold, rented or withdrawn; agents with at least one of them.
        "listings": PlanLimit(label=gettext_lazy("listings"), free_tier=20),
        "agents": PlanLimit(label=gettext_lazy("agents"), free_tier=2),
    }
    throttle_scopes = [ThrottleScope("realestate_sheet", "30/min")]
    enum_names = {
        "RealEstatePropertyTypeEnum": f"{MODELS}.PropertyType",
        "RealEstateTransactionEnum": f"{MODELS}.TransactionType",
        "RealEstatePropertyStatusEnum": f"{MODELS}.PropertyStatus",
        "RealEstateEnergyRatingEnum": f"{MODELS}.EnergyRating",
        "RealEstateFeatureEnum": f"{MODELS}.Feature",
        "RealEstateDocumentKindEnum": f"{MODELS}.DocumentKind",
        "RealEstateChangeFieldEnum": f"{MODELS}.ChangeField",
        "RealEstateSavedSearchAlertFrequencyEnum": f"{MODELS}.CLIENT_ALERT_FREQUENCIES",
    }
    # --- visits section ---
    from teranga.platform.scheduling.extensions import notice_types

    from .personal_data import visits_user_export
    from .selectors.visits import SOURCE as VISIT_SOURCE
    from .selectors.visits import VISITS_MANAGE, VISITS_VIEW
    from .visit_notices import NOTICE_NAMESPACE, VISIT_LINK, guest_reminders_periodic, visit_link

    # Agents and above (and staff) read the agency's visits; its agents act on theirs,
    # managers and above on any (``selectors.visits``).
    actions += [Action(VISITS_VIEW, Role.AGENT, staff=True), Action(VISITS_MANAGE, Role.AGENT)]
    link_kinds.append(
        LinkKind(
            VISIT_LINK,
            gettext_lazy("Visit"),
            "realestate/visits/{id}",
            summary=summary_of(_visit, _visit_rows),
        )
    )
    enum_names["RealEstateVisitStatusEnum"] = f"{MODELS}.VisitStatus"
    # The engine's notices of visits under our name (``realestate.visit.created`` …),
    # their link, and the guests' SMS reminders.
    notification_types = [*notice_types(NOTICE_NAMESPACE)]
    scheduling_notices = {VISIT_SOURCE: NOTICE_NAMESPACE}
    booking_links = {VISIT_SOURCE: visit_link}
    periodic_jobs = [
        PeriodicJob("realestate.visit_guest_reminders", guest_reminders_periodic, {"minute": "*/5"})
    ]
    user_exporters = {"realestate.visits": visits_user_export}

    # --- crm section ---
    from .crm_notices import LEAD_LINK
    from .crm_notices import types as crm_notice_types
    from .selectors.access import CRM_MANAGE, CRM_VIEW

    # Agents and above work the agency's clients, their own and unassigned leads and
    # their tasks; managers and above every lead and task (``selectors.crm``). No staff
    # access: personal data.
    actions += [Action(CRM_VIEW, Role.AGENT), Action(CRM_MANAGE, Role.MANAGER)]
    link_kinds.append(
        LinkKind(
            LEAD_LINK,
            gettext_lazy("Lead"),
            "realestate/leads/{id}",
            summary=summary_of(_lead, _lead_rows),
        )
    )
    enum_names.update(
        {
            "RealEstateClientKindEnum": f"{MODELS}.ClientKind",
            "RealEstateStageKindEnum": f"{MODELS}.StageKind",
            "RealEstateLeadSourceEnum": f"{MODELS}.LeadSource",
            "RealEstateInteractionKindEnum": f"{MODELS}.InteractionKind",
            "RealEstateTaskOriginEnum": f"{MODELS}.TaskOrigin",
            "RealEstateScoreSignalEnum": f"{MODELS}.ScoreSignal",
        }
    )
    notification_types += crm_notice_types()
    periodic_jobs.append(
        PeriodicJob("realestate.task_reminders", _task_reminders, {"minute": "*/5"})
    )
    user_exporters["realestate.crm"] = _crm_user_export

    # --- matching section ---
    from .matching import FIELDS as MATCH_FIELDS
    from .matching import REASONS as MATCH_REASONS
    from .services.matching import notification_types as matching_notice_types

    enum_names["RealEstateAlertFrequencyEnum"] = f"{MODELS}.AlertFrequency"
    enum_names["RealEstateMatchFieldEnum"] = list(MATCH_FIELDS)
    enum_names["RealEstateMatchReasonEnum"] = list(MATCH_REASONS)
    notification_types += matching_notice_types()
    periodic_jobs.append(
        PeriodicJob("realestate.matching_digests", _matching_digests, {"minute": "7"})
    )

    # --- transactions section ---
    from .selectors.transactions import (
        TRANSACTIONS_MANAGE,
        TRANSACTIONS_VIEW,
        contract_link_rows,
        contract_link_target,
        reservation_link_rows,
        reservation_link_target,
    )
    from .services.reservations import PAYABLE as RESERVATION_PAYABLE
    from .services.reservations import RESERVATION_HOLDS, ReservationPayable
    from .transaction_notices import CONTRACT_LINK, RESERVATION_LINK
    from .transaction_notices import types as transaction_notice_types

    # Agents and above (and staff) read the agency's reservations, contracts and
    # commissions, and act on those of their properties; managers and above on any.
    actions += [
        Action(TRANSACTIONS_VIEW, Role.AGENT, staff=True),
        Action(TRANSACTIONS_MANAGE, Role.MANAGER),
    ]
    link_kinds += [
        LinkKind(
            RESERVATION_LINK,
            gettext_lazy("Reservation"),
            "realestate/reservations/{id}",
            summary=summary_of(reservation_link_target, reservation_link_rows),
        ),
        LinkKind(
            CONTRACT_LINK,
            gettext_lazy("Contract"),
            "realestate/contracts/{id}",
            summary=summary_of(contract_link_target, contract_link_rows),
        ),
    ]
    enum_names.update(
        {
            "RealEstateReservationStatusEnum": f"{MODELS}.ReservationStatus",
            "RealEstateContractKindEnum": f"{MODELS}.ContractKind",
            "RealEstateContractStatusEnum": f"{MODELS}.ContractStatus",
            "RealEstateShareKindEnum": f"{MODELS}.ShareKind",
            "RealEstateShareRoleEnum": f"{MODELS}.ShareRole",
        }
    )
    notification_types += transaction_notice_types()
    payables = {RESERVATION_PAYABLE: ReservationPayable()}
    from .personal_data import (
        realestate_user_erase,
        requests_user_export,
        transactions_user_export,
    )

    user_exporters["realestate.transactions"] = transactions_user_export
    user_exporters["realestate.requests"] = requests_user_export
    user_erasers = {"realestate.personal_data": realestate_user_erase}
    # Guests booking visits on the public page (``guest_throttling``).
    throttle_scopes += [
        ThrottleScope("realestate_guest_visit_phone", "5/hour"),
        ThrottleScope("realestate_guest_visit_address", "30/hour"),
    ]
    held_orders = {RESERVATION_PAYABLE: RESERVATION_HOLDS}

    # --- agency pages section ---
    from .selectors.performance import PERFORMANCE_TEAM, PERFORMANCE_VIEW

    # The agents' performance: an agent reads their own figures; managers and above (and
    # staff) every agent's (``selectors.performance``).
    actions += [
        Action(PERFORMANCE_VIEW, Role.AGENT, staff=True),
        Action(PERFORMANCE_TEAM, Role.MANAGER, staff=True),
    ]

    # --- imports section ---
    from .imports import IMPORTERS

    importers = IMPORTERS

    return Product(
        label=LABEL,
        name=gettext_lazy("DIGIT-HAB real estate"),
        api_urls="teranga.products.realestate.api.urls",
        page_urls="teranga.products.realestate.pages",
        actions=actions,
        link_kinds=link_kinds,
        plan_limits=plan_limits,
        throttle_scopes=throttle_scopes,
        enum_names=enum_names,
        error_codes=RealEstateError,
        demo_loader=load_demo,
        landing_links=landing_pages,
        notification_types=notification_types,
        scheduling_notices=scheduling_notices,
        booking_links=booking_links,
        periodic_jobs=periodic_jobs,
        user_exporters=user_exporters,
        user_erasers=user_erasers,
        payables=payables,
        held_orders=held_orders,
        importers=importers,
    )
