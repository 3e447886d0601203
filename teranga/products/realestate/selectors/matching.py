"""Reads of requests and matching: who may see a request, the agency's weights, and the
matches in both directions.

Both directions narrow the candidates in SQL, on indexed columns, then score each one
in Python with ``matching.score`` (the same function as the background job and the
benchmark's brute-force reference):

* **a request's properties**: the agency's available properties of the transaction,
  currency and types, priced at most ``budget × (1 + tolerance)``, carrying the required
  features (one bit test), inside the bounding box of one of the zones
  (``geo.selectors.radius_box_q``, the ``(latitude, longitude)`` index);
* **a property's requests**: the agency's active requests of its transaction and
  currency whose budget (with the tolerance) reaches the price, whose required features
  the property has, and whose zones' bounding box holds the property (or without zones).

Properties the client marked "not suitable" for a request are left out both ways.
Requests are the CRM's: the agency's agents and above see them (``CRM_VIEW``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.geo.selectors import radius_box_q
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization

from ..errors import RealEstateError
from ..matching import PropertyValues, RequestValues, Weights, Zone, score
from ..models import FEATURE_BITS, Property, PropertyStatus
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


def candidate_requests(prop, weights: Weights) -> QuerySet[ClientRequest]:
    """The SQL prefilter of the requests ``prop`` may fit (see the module docstring)."""
    tolerance = 100 + weights.tolerance_percent
    # price × 100 ≤ budget × tolerance  ⇔  budget ≥ ceil(price × 100 / tolerance)
    least_budget = (int(prop.price) * 100 + tolerance - 1) // tolerance
    lacking = ALL_FEATURES & ~int(prop.features or 0)
    where = Q(
        organization_id=prop.organization_id,
        active=True,
        transaction=prop.transaction,
        currency=prop.currency,
    ) & (Q(budget_max__isnull=True) | Q(budget_max__gte=least_budget))
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


def candidate_properties(req, weights: Weights) -> QuerySet[Property]:
    where = Q(
        organization_id=req.organization_id,
        status=PropertyStatus.AVAILABLE,
        transaction=req.transaction,
        currency=req.currency,
    )
    if req.property_types:
        where &= Q(property_type__in=list(req.property_types))
    if req.budget_max is not None:
        # price × 100 ≤ budget × tolerance  ⇔  price ≤ floor(budget × tolerance / 100)
        where &= Q(price__lte=req.budget_max * (100 + weights.tolerance_percent) // 100)
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
