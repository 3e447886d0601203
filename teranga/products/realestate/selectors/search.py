"""``GET /api/v1/realestate/properties/``: the property search.

Filters (type, transaction, price and surface ranges, rooms and bedrooms at least,
features, region, commune, ``q``) are SQL predicates on indexed columns; ``features`` is
one bit test on the ``features`` integer (``models.FEATURE_BITS``); ``q`` requires every
word (folded: lower case, no accents) in ``search_text``.

Pagination is a keyset cursor on ``(sort key, id)``, so a page costs the same wherever it
is in the list, and the number of queries never depends on the page size:

* **without a radius**: one query for the page (``page_size + 1`` rows, ordered by the
  key and the id, after the cursor's position), one for the primary images;
* **with a radius** (``lat``, ``lng``, ``radius_km``): one query reads a few columns of the
  candidates in the circle's bounding box (the ``(latitude, longitude)`` index, as
  Campus's nearby search, ``geo.selectors.radius_box_q``) with the other filters; the
  exact great-circle distance (``geo.distance.haversine_km``) drops the corners, the
  candidates are sorted by the key (price, date or distance) in Python and cut after the
  cursor; then one query reads the page's rows in full and one their primary images.

Who sees what: anyone sees available properties of verified agencies. With
``organization``, that agency's staff (``realestate.properties.view``) see every
property of it, in every status (``status`` filters them); anyone else sees its public
ones.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.platform.geo.distance import haversine_km
from teranga.platform.geo.selectors import radius_box_q
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization

from ..errors import RealEstateError
from ..models import Property, PropertyImage, features_mask
from ..richtext import search_words
from .access import PROPERTIES_VIEW, public_q

#: ``q``: at most this many words, each must be found.
MAX_SEARCH_TERMS = 5
DEFAULT_RADIUS_KM = 10.0
MAX_RADIUS_KM = 100.0
#: What ``ordering`` accepts: the sort key and its direction.
ORDERINGS = {
    "-date": ("created_at", True),
    "date": ("created_at", False),
    "price": ("price", False),
    "-price": ("price", True),
    "distance": ("distance", False),
}
DEFAULT_ORDERING = "-date"


@dataclass
class SearchQuery:
    property_type: list[str] = field(default_factory=list)
    transaction: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    price_min: int | None = None
    price_max: int | None = None
    surface_min: int | None = None
    surface_max: int | None = None
    rooms_min: int | None = None
    bedrooms_min: int | None = None
    features: list[str] = field(default_factory=list)
    region: str = ""
    commune: str = ""
    q: str = ""
    organization: object = None
    agent: object = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    ordering: str = DEFAULT_ORDERING


@dataclass
class SearchPage:
    properties: list[Property]
    next_cursor: str | None
    #: Whether the reader is the agency's staff (``organization`` given and allowed).
    staff: bool = False


def _cursor_encode(ordering: str, key, pk) -> str:
    if isinstance(key, datetime):
        key = key.isoformat()
    raw = json.dumps([ordering, key, str(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _invalid_cursor() -> ValidationFailed:
    message = _("This cursor is not valid for this search.")
    return ValidationFailed(
        message, code=RealEstateError.INVALID_CURSOR, fields={"cursor": [message]}
    )


def _cursor_decode(cursor: str, ordering: str):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        name, key, pk = value
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _invalid_cursor() from None
    if name != ordering or not isinstance(pk, str) or len(pk) > 40:
        raise _invalid_cursor()
    column = ORDERINGS[ordering][0]
    if column == "created_at":
        key = parse_datetime(key) if isinstance(key, str) else None
        if key is None:
            raise _invalid_cursor()
    elif column == "price":
        if not isinstance(key, int) or isinstance(key, bool):
            raise _invalid_cursor()
    elif not isinstance(key, int | float) or isinstance(key, bool):
        raise _invalid_cursor()
    return key, pk


def _filters(query: SearchQuery, user) -> tuple[Q, bool]:
    """The predicates of ``query`` and whether the reader is the agency's staff."""
    staff = False
    where = Q()
    if query.organization is not None:
        organization = query.organization
        staff = bool(user is not None and user.is_authenticated) and access.can(
            user, organization, PROPERTIES_VIEW
        )
        where &= Q(organization_id=organization.pk)
    if not staff:
        where &= public_q()
    elif query.status:
        where &= Q(status__in=query.status)
    if staff and query.agent is not None:
        where &= Q(agent_id=query.agent)
    if query.property_type:
        where &= Q(property_type__in=query.property_type)
    if query.transaction:
        where &= Q(transaction__in=query.transaction)
    if query.price_min is not None:
        where &= Q(price__gte=query.price_min)
    if query.price_max is not None:
        where &= Q(price__lte=query.price_max)
    if query.surface_min is not None:
        where &= Q(surface__gte=query.surface_min)
    if query.surface_max is not None:
        where &= Q(surface__lte=query.surface_max)
    if query.rooms_min is not None:
        where &= Q(rooms__gte=query.rooms_min)
    if query.bedrooms_min is not None:
        where &= Q(bedrooms__gte=query.bedrooms_min)
    if query.region:
        where &= Q(region__code__iexact=query.region)
    if query.commune:
        where &= Q(commune__iexact=query.commune)
    for word in search_words(query.q)[:MAX_SEARCH_TERMS]:
        where &= Q(search_text__contains=word)
    return where, staff


def _base(query: SearchQuery, user) -> tuple[QuerySet[Property], bool]:
    where, staff = _filters(query, user)
    queryset = Property.objects.filter(where)
    if query.features:
        mask = features_mask(query.features)
        queryset = queryset.alias(feature_bits=F("features").bitand(mask)).filter(feature_bits=mask)
    return queryset, staff


def with_rows(queryset: QuerySet[Property]) -> QuerySet[Property]:
    """``queryset`` ready to serialize in a list: agency, agent and region joined, the
    primary image prefetched (one query)."""
    return queryset.select_related("organization", "agent", "region").prefetch_related(
        Prefetch(
            "images",
            queryset=PropertyImage.objects.filter(is_primary=True),
            to_attr="primary_images",
        )
    )


def property_search(*, user, query: SearchQuery, page_size: int, cursor: str = "") -> SearchPage:
    ordering = query.ordering if query.ordering in ORDERINGS else DEFAULT_ORDERING
    position = _cursor_decode(cursor, ordering) if cursor else None
    queryset, staff = _base(query, user)
    if query.lat is not None and query.lng is not None:
        return _radius_page(queryset, query, ordering, position, page_size, staff)
    column, descending = ORDERINGS[ordering]
    if position is not None:
        key, pk = position
        if descending:
            queryset = queryset.filter(
                Q(**{f"{column}__lt": key}) | Q(**{column: key, "pk__lt": pk})
            )
        else:
            queryset = queryset.filter(
                Q(**{f"{column}__gt": key}) | Q(**{column: key, "pk__gt": pk})
            )
    order = (f"-{column}", "-id") if descending else (column, "id")
    rows = list(with_rows(queryset.order_by(*order))[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = _cursor_encode(ordering, getattr(last, column), last.pk)
    return SearchPage(rows, next_cursor, staff)


def _radius_page(queryset, query: SearchQuery, ordering, position, page_size, staff) -> SearchPage:
    lat, lng = query.lat, query.lng
    radius = query.radius_km or DEFAULT_RADIUS_KM
    candidates = (
        queryset.filter(radius_box_q(lat, lng, radius))
        .order_by()
        .values_list("id", "latitude", "longitude", "price", "created_at")
    )
    column, descending = ORDERINGS[ordering]
    hits = []
    for pk, plat, plng, price, created_at in candidates:
        distance = haversine_km(lat, lng, plat, plng)
        if distance > radius:
            continue
        if column == "price":
            key = price
        elif column == "created_at":
            key = created_at
        else:
            key = distance
        hits.append((key, str(pk), distance, pk))
    hits.sort(key=lambda hit: (hit[0], hit[1]), reverse=descending)
    if position is not None:
        key, pk = position
        if descending:
            hits = [hit for hit in hits if (hit[0], hit[1]) < (key, pk)]
        else:
            hits = [hit for hit in hits if (hit[0], hit[1]) > (key, pk)]
    page = hits[: page_size + 1]
    next_cursor = None
    if len(page) > page_size:
        page = page[:page_size]
        last = page[-1]
        next_cursor = _cursor_encode(ordering, last[0], last[1])
    by_id = {
        prop.pk: prop for prop in with_rows(Property.objects.filter(pk__in=[h[3] for h in page]))
    }
    properties = []
    for _key, _text, distance, pk in page:
        prop = by_id.get(pk)
        if prop is not None:
            prop.distance_km = round(distance, 3)
            properties.append(prop)
    return SearchPage(properties, next_cursor, staff)


def organization_of(organization_id) -> Organization | None:
    return Organization.objects.filter(pk=organization_id).first()
