"""``GET /api/v1/realestate/properties/``: the property search.

Filters (type, transaction, price and surface ranges, rooms and bedrooms at least,
features, region, commune, ``q``) are SQL predicates on indexed columns; ``features`` is
one bit test on the ``features`` integer (``models.FEATURE_BITS``); ``q`` requires every
word (folded: lower case, no accents) in ``search_text``.

Pagination is a keyset cursor on ``(sort key, id)``, so a page costs the same wherever it
is in the list, and the number of queries never depends on the page size: one query for
the page (``page_size + 1`` rows, ordered by the key and the id, after the cursor's
position, agency, agent and region joined) and one for the primary images.

With a circle (``lat``, ``lng``, ``radius_km``) the same query also filters on the
circle's bounding box (``geo.selectors.radius_box_q``, on the indexed ``latitude`` and
``longitude`` columns) and computes the exact great-circle distance in SQL
(``geo.selectors.distance_km_expression``, the same float as ``geo.distance.haversine_km``
on both databases): the corners are dropped, and the sort (by distance too), the cursor
and the limit all happen in the database, which reads only the rows of the box: through
``re_property_geo_search_idx`` (status, transaction, then the latitude range, with the
longitude, type, price and features in the index) or ``re_property_status_geo_idx``
(status, then the box). The price bounds of a circle search are on ``+price``, which no
index serves, so that a planner without statistics (a fresh database) never reads a price
range over the whole country instead of the box.

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

from django.db.models import BigIntegerField, F, Func, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.geo.selectors import distance_km_expression, radius_box_q
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
#: The price as ``+price``: compared like the column, never through one of its indexes.
PLAIN_PRICE = "search_plain_price"
#: The annotation carrying each row's distance from the centre of a circle search.
DISTANCE = "search_distance_km"


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


class UnaryPlus(Func):
    """``+expr``: the same number, an expression no index serves (on both databases)."""

    template = "(+%(expressions)s)"
    output_field = BigIntegerField()


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
    if name != ordering or not isinstance(pk, str) or len(pk) > 40 or parse_uuid(pk) is None:
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
    # In a circle, the price bounds are on ``+price`` (see the module docstring).
    price = PLAIN_PRICE if query.lat is not None and query.lng is not None else "price"
    if query.price_min is not None:
        where &= Q(**{f"{price}__gte": query.price_min})
    if query.price_max is not None:
        where &= Q(**{f"{price}__lte": query.price_max})
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
    queryset = Property.objects.alias(**{PLAIN_PRICE: UnaryPlus(F("price"))}).filter(where)
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
    column, descending = ORDERINGS[ordering]
    circle = query.lat is not None and query.lng is not None
    if circle:
        radius = query.radius_km or DEFAULT_RADIUS_KM
        queryset = queryset.filter(radius_box_q(query.lat, query.lng, radius)).annotate(
            **{DISTANCE: distance_km_expression(query.lat, query.lng)}
        )
        queryset = queryset.filter(**{f"{DISTANCE}__lte": radius})
    key_name = DISTANCE if column == "distance" else column
    if position is not None:
        key, pk = position
        if descending:
            queryset = queryset.filter(
                Q(**{f"{key_name}__lt": key}) | Q(**{key_name: key, "pk__lt": pk})
            )
        else:
            queryset = queryset.filter(
                Q(**{f"{key_name}__gt": key}) | Q(**{key_name: key, "pk__gt": pk})
            )
    order = (f"-{key_name}", "-id") if descending else (key_name, "id")
    rows = list(with_rows(queryset.order_by(*order))[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = _cursor_encode(ordering, getattr(last, key_name), last.pk)
    if circle:
        for prop in rows:
            prop.distance_km = round(getattr(prop, DISTANCE), 3)
    return SearchPage(rows, next_cursor, staff)


def organization_of(organization_id) -> Organization | None:
    return Organization.objects.filter(pk=organization_id).first()
