"""Writes of properties: create, change, delete, and a view counted once per viewer and
day. Access is checked by the caller (``selectors.access``); the rules that depend on the
caller's role inside the agency (who may assign which agent) are checked here.

Every change of price, status or agent writes a :class:`PropertyChange` (who, when, old
and new value) in the same transaction. A property marked sold or rented by an ordinary
change records the deal's commission as ``reservation_convert`` does (the agency's
``TransactionSettings``; ``deal_commission_record``): once per deal. The plan's limits
(``listings``: properties not sold, rented or withdrawn; ``agents``: agents with such a
property) are checked with the agency's row locked, so two concurrent creations cannot
both pass the last slot.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.client_address import client_address
from teranga.core.errors import Conflict, Forbidden, ValidationFailed
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.platform.payments.services.subscriptions import subscription_limit_check

from ..errors import RealEstateError
from ..models import (
    ACTIVE_RESERVATION_STATUSES,
    ChangeField,
    Commission,
    Property,
    PropertyChange,
    PropertyStatus,
    PropertyView,
    features_mask,
)
from ..richtext import rich_text_clean, search_text
from ..selectors.access import PROPERTIES_MANAGE
from .commissions import commission_create
from .matching import matching_property_changed, matching_schedule_for_property

#: Statuses that no longer count as a listing against the plan.
CLOSED_STATUSES = (PropertyStatus.SOLD, PropertyStatus.RENTED, PropertyStatus.WITHDRAWN)
#: Statuses that mean a deal was made (a commission is due).
DEAL_STATUSES = (PropertyStatus.SOLD, PropertyStatus.RENTED)
LISTINGS_LIMIT = "listings"
AGENTS_LIMIT = "agents"
#: Longest user agent that goes into an anonymous viewer's key.
USER_AGENT_MAX = 500

#: What property_create/property_update accept besides the agency, the actor and the agent.
PROPERTY_FIELDS = {
    "property_type",
    "transaction",
    "status",
    "title",
    "description",
    "address",
    "region",
    "commune",
    "latitude",
    "longitude",
    "price",
    "currency",
    "charges",
    "deposit",
    "surface",
    "land_surface",
    "rooms",
    "bedrooms",
    "bathrooms",
    "floor",
    "year_built",
    "features",
    "energy_rating",
    "climate_rating",
    "external_ref",
}
UNSET = object()


def _lock_organization(organization: Organization) -> None:
    list(Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk"))


def _listings_in_use(organization: Organization) -> int:
    return (
        Property.objects.filter(organization=organization)
        .exclude(status__in=CLOSED_STATUSES)
        .count()
    )


def _agents_in_use(organization: Organization) -> set:
    return set(
        Property.objects.filter(organization=organization, agent__isnull=False)
        .exclude(status__in=CLOSED_STATUSES)
        .values_list("agent_id", flat=True)
        .distinct()
    )


def _check_agent(organization: Organization, agent_id) -> None:
    """The agent is an agent (or above) of the agency, and the plan has room for one
    more agent with listings."""
    membership = Membership.objects.filter(organization=organization, user_id=agent_id).first()
    if membership is None or not access.role_at_least(membership.role, Role.AGENT):
        message = _("Choose an agent of this agency.")
        raise ValidationFailed(
            message, code=RealEstateError.AGENT_NOT_MEMBER, fields={"agent": [message]}
        )
    in_use = _agents_in_use(organization)
    if agent_id not in in_use:
        subscription_limit_check(organization=organization, key=AGENTS_LIMIT, current=len(in_use))


def external_ref_check(model, organization: Organization, ref: str, *, exclude_pk=None) -> None:
    """400 ``external_ref_taken`` when another row of ``model`` (a property, a client) of
    the agency has the reference ``ref`` (an empty one is never taken)."""
    if not ref:
        return
    rows = model.objects.filter(organization=organization, external_ref=ref)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    if rows.exists():
        message = _("Another record of the agency has this reference.")
        raise ValidationFailed(
            message, code=RealEstateError.EXTERNAL_REF_TAKEN, fields={"external_ref": [message]}
        )


def _may_manage(actor, organization: Organization) -> bool:
    return access.can(actor, organization, PROPERTIES_MANAGE)


def _record(prop: Property, actor, changes: list[tuple[str, Any, Any]]) -> None:
    rows = [
        PropertyChange(
            organization_id=prop.organization_id,
            property=prop,
            field=name,
            old_value="" if old is None else str(old),
            new_value="" if new is None else str(new),
            actor=actor if actor is not None and actor.is_authenticated else None,
        )
        for name, old, new in changes
        if old != new
    ]
    if rows:
        PropertyChange.objects.bulk_create(rows)


def _apply(prop: Property, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        if name == "description":
            value = rich_text_clean(value or "")
        elif name == "features":
            value = features_mask(value or [])
        elif name in {"energy_rating", "climate_rating", "address", "commune"}:
            value = value or ""
        elif name == "external_ref":
            value = (value or "").strip()
        setattr(prop, name, value)
    prop.search_text = search_text(prop.title, prop.description, prop.address, prop.commune)


@transaction.atomic
def property_create(
    *, organization: Organization, actor, agent_id=UNSET, **fields: Any
) -> Property:
    """A new property of the agency. ``agent_id`` defaults to the actor; an agent may only
    list for themselves, a manager for any agent of the agency. 409
    ``plan_limit_reached`` past the plan's listings or agents."""
    _lock_organization(organization)
    if agent_id is UNSET:
        agent_id = actor.pk
    if agent_id is not None and agent_id != actor.pk and not _may_manage(actor, organization):
        raise Forbidden(_("Only managers list properties for another agent."))
    if agent_id is None and not _may_manage(actor, organization):
        raise Forbidden(_("Only managers list properties without an agent."))
    prop = Property(organization=organization, agent_id=agent_id)
    _apply(prop, {name: value for name, value in fields.items() if name in PROPERTY_FIELDS})
    external_ref_check(Property, organization, prop.external_ref)
    if prop.status not in CLOSED_STATUSES:
        subscription_limit_check(
            organization=organization,
            key=LISTINGS_LIMIT,
            current=_listings_in_use(organization),
        )
    if agent_id is not None:
        _check_agent(organization, agent_id)
    if prop.status == PropertyStatus.AVAILABLE:
        prop.published_at = timezone.now()
    prop.save()
    _record(
        prop,
        actor,
        [
            (ChangeField.STATUS, None, prop.status),
            (ChangeField.PRICE, None, prop.price),
            (ChangeField.AGENT, None, prop.agent_id),
        ],
    )
    matching_schedule_for_property(prop)  # after commit: re-match in the background
    return prop


@transaction.atomic
def property_update(
    *, prop: Property, actor, agent_id=UNSET, record_commission: bool = True, **fields: Any
) -> Property:
    """Change ``prop`` (already access-checked for editing). Reassigning the agent is for
    managers and above; reopening a closed property counts against the plan again.
    Marked sold or rented (from another status), the deal's commission is recorded
    (``deal_commission_record``) unless ``record_commission`` is false (a reservation's
    conversion records its own)."""
    organization = prop.organization
    _lock_organization(organization)
    locked = Property.objects.select_for_update().get(pk=prop.pk)
    before = (locked.status, locked.price, locked.agent_id)
    if agent_id is not UNSET and agent_id != locked.agent_id:
        if not _may_manage(actor, organization):
            raise Forbidden(_("Only managers reassign a property."))
        if agent_id is not None:
            _check_agent(organization, agent_id)
        locked.agent_id = agent_id
    _apply(locked, {name: value for name, value in fields.items() if name in PROPERTY_FIELDS})
    if "external_ref" in fields:
        external_ref_check(Property, organization, locked.external_ref, exclude_pk=locked.pk)
    if locked.status not in CLOSED_STATUSES and before[0] in CLOSED_STATUSES:
        subscription_limit_check(
            organization=organization,
            key=LISTINGS_LIMIT,
            current=_listings_in_use(organization),
        )
    if locked.status == PropertyStatus.AVAILABLE and locked.published_at is None:
        locked.published_at = timezone.now()
    locked.save()
    _record(
        locked,
        actor,
        [
            (ChangeField.STATUS, before[0], locked.status),
            (ChangeField.PRICE, before[1], locked.price),
            (ChangeField.AGENT, before[2], locked.agent_id),
        ],
    )
    if record_commission and locked.status in DEAL_STATUSES and before[0] not in DEAL_STATUSES:
        deal_commission_record(prop=locked, actor=actor)
    matching_property_changed(locked, set(fields))  # after commit, if matching cares
    return locked


def deal_commission_record(*, prop: Property, actor) -> Commission | None:
    """The commission of the deal ``prop`` was just marked sold or rented for, on its
    price, under the agency's rule, its agent as listing and selling agent (as
    ``commission_create`` defaults them). Never twice for one deal: nothing when a
    commission of the property was recorded since it was last reopened (left sold or
    rented; the explicit commission endpoint included), nor when it has an active
    reservation (its conversion records the commission). The caller holds the
    property's row lock."""
    if prop.reservations.filter(status__in=ACTIVE_RESERVATION_STATUSES).exists():
        return None
    reopened = (
        PropertyChange.objects.filter(
            property=prop, field=ChangeField.STATUS, old_value__in=DEAL_STATUSES
        )
        .exclude(new_value__in=DEAL_STATUSES)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    recorded = Commission.objects.filter(property=prop)
    if reopened is not None:
        recorded = recorded.filter(created_at__gt=reopened)
    if recorded.exists():
        return None
    return commission_create(
        organization=prop.organization, prop=prop, actor=actor, deal_price=int(prop.price)
    )


@transaction.atomic
def property_delete(*, prop: Property) -> None:
    """Delete the property with its images, documents and history; the files go after
    the commit. 409 ``property_has_transactions`` once it has a reservation, a contract or
    a commission: those records (and the payments they point at) must outlive it, and
    the property is withdrawn instead."""
    from .media import files_delete_on_commit

    if prop.reservations.exists() or prop.contracts.exists() or prop.commissions.exists():
        raise Conflict(
            _(
                "This property has reservations, contracts or commissions: withdraw it "
                "instead of deleting it."
            ),
            code=RealEstateError.PROPERTY_HAS_TRANSACTIONS,
        )
    names = list(prop.images.values_list("image", "thumbnail"))
    documents = list(prop.documents.values_list("file", flat=True))
    prop.delete()
    files_delete_on_commit(
        public=[name for pair in names for name in pair if name], private=documents
    )


def property_differs(*, prop: Property, agent_id=UNSET, **fields: Any) -> bool:
    """Whether ``property_update`` with these arguments would change ``prop`` (the same
    cleaning of the values, nothing saved): an import leaves a row the file repeats
    as it is."""
    if agent_id is not UNSET and agent_id != prop.agent_id:
        return True
    probe = Property(
        **{name: getattr(prop, name) for name in PROPERTY_FIELDS if name != "region"},
        region_id=prop.region_id,
    )
    _apply(probe, {name: value for name, value in fields.items() if name in PROPERTY_FIELDS})
    for name in PROPERTY_FIELDS:
        column = "region_id" if name == "region" else name
        if getattr(probe, column) != getattr(prop, column):
            return True
    return False


# --- Views -----------------------------------------------------------------------------


def viewer_key(request) -> str:
    """Who is viewing: the user's id, or for an anonymous visitor a keyed digest
    (HMAC-SHA256 with ``SECRET_KEY``) of their address and user agent (64 hex digits).
    The same rule as Campus's event views."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return str(user.pk)
    address = client_address(request) or ""
    agent = (request.META.get("HTTP_USER_AGENT") or "")[:USER_AGENT_MAX]
    message = f"realestate-view\n{address}\n{agent}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def property_view_record(*, prop: Property, viewer: str, day: date | None = None) -> bool:
    """Count a view of ``prop`` by ``viewer`` once per day; True when it was counted. The
    row is inserted in a savepoint: of two concurrent inserts the unique constraint lets
    one through, and only that one adds to the counter."""
    day = day or timezone.localdate()
    try:
        with transaction.atomic():
            PropertyView.objects.create(property=prop, viewer=viewer, day=day)
    except IntegrityError:
        return False
    Property.objects.filter(pk=prop.pk).update(views_count=F("views_count") + 1)
    return True
