"""Everything the real-estate product (DIGIT-HAB) contributes to the platform (the
product contract: ``teranga.platform.contract``). Each part adds its entries in its own
section."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from teranga.core.links import LinkKind, summary_of
from teranga.platform.contract import Action, Product, ThrottleScope
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
    }
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
    )
