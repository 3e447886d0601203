"""Reads of requests and matching: who may see a request, the agency's weights, and the
matches in both directions.

Both directions narrow the candidates in SQL, on indexed columns, then score each one
in Python with ``matching.score`` (the same function as the background job and the
benchmark's brute-force reference):

* **a request's properties**: the agency's available properties of the transaction and
  types, priced at most ``budget × (1 + tolerance)`` (for each currency with a rate to the
  budget's: the bound converted into it, rounded up — a superset of what the scorer
  keeps, which converts each price exactly), carrying the required
  features (one bit test), inside the bounding box of one of the zones
  (``geo.selectors.radius_box_q``, the ``(latitude, longitude)`` index);
* **a property's requests**: the agency's active requests of its transaction whose
  budget (with the tolerance) reaches the price — in each request currency with a rate,
  the price converted exactly as the scorer converts it —, whose required features
  the property has, and whose zones' bounding box holds the property (or without zones).

Properties the client marked "not suitable" for a request are left out both ways.
Requests are the CRM's: the agency's agents and above see them (``CRM_VIEW``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound, ValidationFailed
from teranga.core.money import CURRENCY_EXPONENTS, ROUND_UP, convert, exchange_rate
from teranga.core.validators import parse_uuid
from teranga.platform.geo.selectors import radius_box_q
from teranga.platform.organizations import access
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.organizations.models import (
    Organization,
    OrganizationKind,
    VerificationStatus,
)

from ..errors import RealEstateError
from ..matching import PropertyValues, RequestValues, Weights, Zone, price_in, score
from ..models import FEATURE_BITS, Client, Property, PropertyStatus
from ..models_matching import ClientRequest, MatchingWeights, RequestExclusion

__all__ = ["CRM_MANAGE", "CRM_VIEW", "SETTINGS_MANAGE"]
from .access import CRM_MANAGE, CRM_VIEW, SETTINGS_MANAGE

#: Every feature bit: ``ALL_FEATURES & ~mask`` is what a property lacks.
ALL_FEATURES = sum(FEATURE_BITS.values())
#: Matches listed at most.
MAX_MATCHES = 200


@dataclass
class Match:
    """A scored pair: ``obj`` is the request or the property found."""

    obj: object
    score: int
    details: list[dict]


# --- Access ----------------------------------------------------------------------------------


def request_for(*, user, request_id, action: str = CRM_VIEW) -> ClientRequest:
    """A request ``user`` may read (``action`` on its agency): 404 ``request_not_found``
    outside it, 403 for a role too low."""
    key = parse_uuid(request_id)
    found = (
        ClientRequest.objects.select_related("organization", "client", "lead")
        .filter(pk=key)
        .first()
        if key is not None
        else None
    )
    if found is None:
        raise NotFound(code=RealEstateError.REQUEST_NOT_FOUND)
    membership = access.membership_of(user, found.organization_id)
    verdict = access.decide(user, found.organization, action, membership)
    if verdict == "hide":
        raise NotFound(code=RealEstateError.REQUEST_NOT_FOUND)
    if verdict == "forbid":
        raise Forbidden()
    found.current_membership = membership
    return found


# --- A client's own saved searches ---------------------------------------------------------


def saved_search_agency(*, user, organization_id) -> Organization:
    """An agency where ``user`` may keep a saved search: a verified agency (its listings
    are public), or one whose CRM already links a client record to their account. 400
    ``organization_not_found`` on ``organization`` otherwise (the field of the body)."""
    key = parse_uuid(organization_id)
    agency = (
        Organization.objects.filter(pk=key, kind=OrganizationKind.AGENCY).first() if key else None
    )
    if (
        agency is not None
        and agency.verification_status != VerificationStatus.VERIFIED
        and not Client.objects.filter(organization=agency, user=user).exists()
    ):
        agency = None
    if agency is None:
        message = _("Choose an agency whose listings you can see.")
        raise ValidationFailed(
            message,
            code=OrganizationError.ORGANIZATION_NOT_FOUND,
            fields={"organization": [message]},
        )
    return agency


def saved_searches_of(*, user, active: bool | None = None) -> QuerySet[ClientRequest]:
    """``user``'s own saved searches: the requests of the client records linked to their
    account, in every agency, newest first."""
    rows = ClientRequest.objects.filter(client__user=user).select_related("organization")
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("-created_at", "id")


def saved_search_for(*, user, request_id) -> ClientRequest:
    """One of ``user``'s own saved searches; 404 ``request_not_found`` for anyone else's."""
    key = parse_uuid(request_id)
    found = (
        saved_searches_of(user=user).select_related("client").filter(pk=key).first()
        if key is not None
        else None
    )
    if found is None:
        raise NotFound(code=RealEstateError.REQUEST_NOT_FOUND)
    return found


def may_manage_requests(user, organization) -> bool:
    return access.can(user, organization, CRM_MANAGE)


def requests_list(
    *, organization: Organization, client_id=None, active: bool | None = None
) -> QuerySet[ClientRequest]:
    rows = ClientRequest.objects.filter(organization=organization).select_related("client", "lead")
    if client_id is not None:
        rows = rows.filter(client_id=client_id)
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("-created_at", "id")


def request_detail(*, request_id) -> ClientRequest:
    return ClientRequest.objects.select_related("organization", "client", "lead").get(pk=request_id)


# --- Weights ---------------------------------------------------------------------------------


def weights_row(*, organization) -> MatchingWeights:
    """The agency's weights (the defaults, unsaved, without a row)."""
    organization_id = getattr(organization, "pk", organization)
    return MatchingWeights.objects.filter(organization_id=organization_id).first() or (
        MatchingWeights(organization_id=organization_id)
    )


def weights_of(row: MatchingWeights) -> Weights:
    return Weights(
        price=row.price,
        surface=row.surface,
        rooms=row.rooms,
        distance=row.distance,
        features=row.features,
        tolerance_percent=row.price_tolerance_percent,
    )


# --- Values ----------------------------------------------------------------------------------

PROPERTY_COLUMNS = (
    "id",
    "property_type",
    "transaction",
    "price",
    "currency",
    "surface",
    "rooms",
    "bedrooms",
    "latitude",
    "longitude",
    "features",
)


def property_values(prop) -> PropertyValues:
    return PropertyValues(
        property_type=prop.property_type,
        transaction=prop.transaction,
        price=int(prop.price),
        currency=prop.currency,
        surface=prop.surface,
        rooms=prop.rooms,
        bedrooms=prop.bedrooms,
        latitude=prop.latitude,
        longitude=prop.longitude,
        features=int(prop.features or 0),
    )


def zones_of(raw) -> tuple[Zone, ...]:
    return tuple(
        Zone(
            lat=float(z["lat"]),
            lng=float(z["lng"]),
            radius_km=float(z["radius_km"]),
            label=str(z.get("label") or ""),
        )
        for z in raw or []
    )


def request_values(req) -> RequestValues:
    return RequestValues(
        transaction=req.transaction,
        property_types=tuple(req.property_types or ()),
        budget_min=req.budget_min,
        budget_max=req.budget_max,
        currency=req.currency,
        surface_min=req.surface_min,
        surface_max=req.surface_max,
        rooms_min=req.rooms_min,
        bedrooms_min=req.bedrooms_min,
        zones=zones_of(req.zones),
        required_features=int(req.required_features or 0),
        nice_features=int(req.nice_features or 0),
    )


def _ranked(matches: list[Match], limit: int | None) -> list[Match]:
    matches.sort(key=lambda m: (-m.score, str(m.obj.pk)))
    return matches[:limit] if limit else matches


# --- A property's requests -------------------------------------------------------------------


def _any(parts: list[Q]) -> Q:
    """The parts or'ed; nothing at all without any."""
    if not parts:
        return Q(pk__in=[])
    where = parts[0]
    for part in parts[1:]:
        where |= part
    return where


def _budget_q(prop, tolerance: int) -> Q:
    """Requests whose budget (in their currency) reaches ``prop``'s price converted into
    it, exactly as the scorer converts it; currencies without a rate are left out."""
    values = property_values(prop)
    parts = []
    for currency in CURRENCY_EXPONENTS:
        price = price_in(values, currency)
        if price is None:
            continue
        # price × 100 ≤ budget × tolerance  ⇔  budget ≥ ceil(price × 100 / tolerance)
        least_budget = (price * 100 + tolerance - 1) // tolerance
        parts.append(
            Q(currency=currency) & (Q(budget_max__isnull=True) | Q(budget_max__gte=least_budget))
        )
    return _any(parts)


def candidate_requests(prop, weights: Weights) -> QuerySet[ClientRequest]:
    """The SQL prefilter of the requests ``prop`` may fit (see the module docstring)."""
    tolerance = 100 + weights.tolerance_percent
    lacking = ALL_FEATURES & ~int(prop.features or 0)
    where = Q(
        organization_id=prop.organization_id,
        active=True,
        transaction=prop.transaction,
    ) & _budget_q(prop, tolerance)
    no_zone = Q(zone_lat_min__isnull=True)
    if prop.latitude is not None and prop.longitude is not None:
        box = Q(
            zone_lat_min__lte=prop.latitude,
            zone_lat_max__gte=prop.latitude,
            zone_lng_min__lte=prop.longitude,
            zone_lng_max__gte=prop.longitude,
        )
        where &= no_zone | box
    else:
        where &= no_zone
    return (
        ClientRequest.objects.filter(where)
        .select_related("client", "client__user", "lead")
        .alias(lacking_bits=F("required_features").bitand(lacking))
        .filter(lacking_bits=0)
        .exclude(pk__in=RequestExclusion.objects.filter(property_id=prop.pk).values("request_id"))
    )


def property_matches(
    *, prop, weights: Weights | None = None, limit: int | None = MAX_MATCHES, queryset=None
) -> list[Match]:
    """The requests ``prop`` fits, best first, each with its score and explanation."""
    weights = weights or weights_of(weights_row(organization=prop.organization_id))
    values = property_values(prop)
    rows = queryset if queryset is not None else candidate_requests(prop, weights)
    matches = []
    for req in rows:
        total, details = score(values, request_values(req), weights)
        if total is not None:
            matches.append(Match(req, total, details))
    return _ranked(matches, limit)


def property_matches_brute_force(*, prop, weights: Weights) -> list[Match]:
    """The reference: every active request of the agency scored, no SQL prefilter."""
    excluded = set(
        RequestExclusion.objects.filter(property_id=prop.pk).values_list("request_id", flat=True)
    )
    rows = [
        req
        for req in ClientRequest.objects.filter(organization_id=prop.organization_id, active=True)
        if req.pk not in excluded
    ]
    return property_matches(prop=prop, weights=weights, limit=None, queryset=rows)


# --- A request's properties ------------------------------------------------------------------


def _price_q(req, weights: Weights) -> Q:
    """Properties priced in a currency with a rate to the budget's, at most the budget
    with its tolerance: in the budget's currency exactly, in another one the bound
    converted and rounded up, plus one minor unit (a superset: the scorer converts each
    price, rounded half up, and decides)."""
    parts = []
    for currency in CURRENCY_EXPONENTS:
        if exchange_rate(currency, req.currency) is None:
            continue
        if req.budget_max is None:
            parts.append(Q(currency=currency))
            continue
        # price × 100 ≤ budget × tolerance  ⇔  price ≤ floor(budget × tolerance / 100)
        bound = req.budget_max * (100 + weights.tolerance_percent) // 100
        if currency != req.currency:
            bound = convert(bound + 1, req.currency, currency, rounding=ROUND_UP) + 1
        parts.append(Q(currency=currency, price__lte=bound))
    return _any(parts)


def candidate_properties(req, weights: Weights) -> QuerySet[Property]:
    where = Q(
        organization_id=req.organization_id,
        status=PropertyStatus.AVAILABLE,
        transaction=req.transaction,
    )
    if req.property_types:
        where &= Q(property_type__in=list(req.property_types))
    where &= _price_q(req, weights)
    zones = zones_of(req.zones)
    if zones:
        boxes = Q()
        for zone in zones:
            boxes |= radius_box_q(zone.lat, zone.lng, zone.radius_km)
        where &= boxes
    queryset = Property.objects.filter(where)
    required = int(req.required_features or 0)
    if required:
        queryset = queryset.alias(required_bits=F("features").bitand(required)).filter(
            required_bits=required
        )
    return queryset.exclude(
        pk__in=RequestExclusion.objects.filter(request_id=req.pk).values("property_id")
    )


def request_matches(*, req, weights: Weights | None = None, limit: int | None = MAX_MATCHES):
    """The available properties that fit ``req``, best first, scored and explained."""
    weights = weights or weights_of(weights_row(organization=req.organization_id))
    values = request_values(req)
    rows = candidate_properties(req, weights).only(*PROPERTY_COLUMNS, "title", "status")
    matches = []
    for prop in rows:
        total, details = score(property_values(prop), values, weights)
        if total is not None:
            matches.append(Match(prop, total, details))
    ranked = _ranked(matches, limit)
    full = {
        p.pk: p
        for p in Property.objects.filter(pk__in=[m.obj.pk for m in ranked]).select_related(
            "organization"
        )
    }
    for match in ranked:
        match.obj = full.get(match.obj.pk, match.obj)
    return ranked


def request_matches_brute_force(*, req, weights: Weights) -> list[Match]:
    """The reference of a request's matches: every available property of the agency
    scored, no SQL prefilter (but the "not suitable" ones)."""
    values = request_values(req)
    excluded = set(
        RequestExclusion.objects.filter(request_id=req.pk).values_list("property_id", flat=True)
    )
    matches = []
    for prop in Property.objects.filter(
        organization_id=req.organization_id, status=PropertyStatus.AVAILABLE
    ):
        if prop.pk in excluded:
            continue
        total, details = score(property_values(prop), values, weights)
        if total is not None:
            matches.append(Match(prop, total, details))
    return _ranked(matches, None)
