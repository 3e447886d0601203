"""The property search over HTTP: filters, radius, ordering, cursor, who sees what, and a
query count that does not depend on the page size."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from teranga.platform.geo.distance import haversine_km
from teranga.products.realestate.models import (
    PropertyStatus,
    PropertyType,
    TransactionType,
    features_mask,
)
from teranga.products.realestate.tests.factories import PropertyFactory

URL = "/api/v1/realestate/properties/"
PLATEAU = (14.6708, -17.4381)
ALMADIES = (14.7450, -17.5200)
RUFISQUE = (14.7160, -17.2730)

pytestmark = pytest.mark.django_db


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def listings(agency):
    org = agency.org
    return {
        "plateau_flat": PropertyFactory(
            organization=org,
            title="Appartement F3 vue mer au Plateau",
            commune="Dakar-Plateau",
            latitude=PLATEAU[0],
            longitude=PLATEAU[1],
            price=75_000_000,
            surface=90,
            rooms=3,
            bedrooms=2,
            features=features_mask(["elevator", "sea_view"]),
            region=None,
        ),
        "almadies_villa": PropertyFactory(
            organization=org,
            property_type=PropertyType.VILLA,
            title="Villa avec piscine",
            commune="Almadies",
            latitude=ALMADIES[0],
            longitude=ALMADIES[1],
            price=450_000_000,
            surface=350,
            rooms=7,
            bedrooms=5,
            features=features_mask(["pool", "sea_view", "generator"]),
        ),
        "almadies_rent": PropertyFactory(
            organization=org,
            transaction=TransactionType.RENT,
            title="Appartement meublé à louer",
            commune="Almadies",
            latitude=ALMADIES[0] + 0.002,
            longitude=ALMADIES[1] + 0.002,
            price=900_000,
            surface=120,
            rooms=4,
            bedrooms=3,
            features=features_mask(["furnished", "pool"]),
        ),
        "rufisque_land": PropertyFactory(
            organization=org,
            property_type=PropertyType.LAND,
            title="Terrain à Rufisque",
            commune="Rufisque",
            latitude=RUFISQUE[0],
            longitude=RUFISQUE[1],
            price=25_000_000,
            surface=None,
            rooms=None,
            bedrooms=None,
        ),
        "draft": PropertyFactory(
            organization=org, status=PropertyStatus.DRAFT, title="Brouillon", price=1_000_000
        ),
        "sold": PropertyFactory(
            organization=org, status=PropertyStatus.SOLD, title="Vendu", price=2_000_000
        ),
        "other": PropertyFactory(
            organization=agency.other, title="Chez l'autre agence", price=80_000_000
        ),
    }


def test_public_sees_available_properties_of_verified_agencies(agency, listings):
    found = set(ids(APIClient().get(URL)))
    assert str(listings["draft"].pk) not in found and str(listings["sold"].pk) not in found
    assert str(listings["other"].pk) in found and len(found) == 5
    # A client passing another agency's id and a status gets the public view of it.
    response = agency.api["client"].get(URL, {"organization": agency.org.pk, "status": "draft"})
    assert str(listings["draft"].pk) not in ids(response)


def test_staff_see_every_status_of_their_agency(agency, listings):
    response = agency.api["agent"].get(URL, {"organization": agency.org.pk, "page_size": 50})
    found = set(ids(response))
    assert str(listings["draft"].pk) in found and str(listings["sold"].pk) in found
    assert str(listings["other"].pk) not in found
    response = agency.api["agent"].get(URL, {"organization": agency.org.pk, "status": "draft,sold"})
    assert set(ids(response)) == {str(listings["draft"].pk), str(listings["sold"].pk)}
    # Another agency's manager sees only its public listings.
    response = agency.api["other_manager"].get(URL, {"organization": agency.org.pk})
    assert str(listings["draft"].pk) not in ids(response)


def test_filters(listings):
    client = APIClient()

    def search(**params):
        return set(ids(client.get(URL, params)))

    key = {name: str(prop.pk) for name, prop in listings.items()}
    assert search(property_type="villa") == {key["almadies_villa"]}
    assert search(property_type="villa,land") == {key["almadies_villa"], key["rufisque_land"]}
    assert search(transaction="rent") == {key["almadies_rent"]}
    assert search(price_min=50_000_000, price_max=100_000_000) == {
        key["plateau_flat"],
        key["other"],
    }
    assert search(surface_min=100, surface_max=200) >= {key["almadies_rent"]}
    assert key["plateau_flat"] not in search(surface_min=100)
    assert search(rooms_min=5) == {key["almadies_villa"]}
    assert search(bedrooms_min=3) >= {key["almadies_villa"], key["almadies_rent"]}
    assert search(features="pool") == {key["almadies_villa"], key["almadies_rent"]}
    assert search(features="pool,sea_view") == {key["almadies_villa"]}
    assert search(commune="almadies") == {key["almadies_villa"], key["almadies_rent"]}
    assert search(q="PISCINE") == {key["almadies_villa"]}
    assert search(q="appartement meuble") == {key["almadies_rent"]}
    assert search(q="introuvable") == set()


def test_radius_and_distance_ordering(listings):
    response = APIClient().get(
        URL, {"lat": ALMADIES[0], "lng": ALMADIES[1], "radius_km": 5, "ordering": "distance"}
    )
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [
        str(listings["almadies_villa"].pk),
        str(listings["almadies_rent"].pk),
    ]
    assert rows[0]["distance_km"] == 0.0
    expected = haversine_km(*ALMADIES, ALMADIES[0] + 0.002, ALMADIES[1] + 0.002)
    assert rows[1]["distance_km"] == pytest.approx(expected, abs=0.001)
    # A wider circle reaches the Plateau (about 11 km), not Rufisque (about 27 km).
    found = set(
        ids(APIClient().get(URL, {"lat": ALMADIES[0], "lng": ALMADIES[1], "radius_km": 15}))
    )
    assert str(listings["plateau_flat"].pk) in found
    assert str(listings["rufisque_land"].pk) not in found


def test_ordering_by_price_and_date(listings):
    client = APIClient()
    prices = [row["price"] for row in client.get(URL, {"ordering": "price"}).json()["results"]]
    assert prices == sorted(prices)
    prices = [row["price"] for row in client.get(URL, {"ordering": "-price"}).json()["results"]]
    assert prices == sorted(prices, reverse=True)
    dates = [row["created_at"] for row in client.get(URL).json()["results"]]
    assert dates == sorted(dates, reverse=True)
    radius = {"lat": ALMADIES[0], "lng": ALMADIES[1], "radius_km": 50, "ordering": "-price"}
    prices = [row["price"] for row in client.get(URL, radius).json()["results"]]
    assert prices == sorted(prices, reverse=True) and len(prices) >= 4


@pytest.mark.parametrize(
    "params",
    [
        {"ordering": "price"},
        {"ordering": "-date"},
        {"ordering": "-price", "lat": PLATEAU[0], "lng": PLATEAU[1], "radius_km": 50},
        {"ordering": "distance", "lat": PLATEAU[0], "lng": PLATEAU[1], "radius_km": 50},
    ],
)
def test_cursor_walks_every_result_once(agency, params):
    for n in range(9):
        PropertyFactory(
            organization=agency.org,
            price=10_000_000 * (n % 3 + 1),  # ties on the key: the id breaks them
            latitude=PLATEAU[0] + n * 0.001,
            longitude=PLATEAU[1],
        )
    client = APIClient()
    seen, query = [], {**params, "page_size": 2}
    for _page in range(10):
        response = client.get(URL, query)
        seen += ids(response)
        next_url = response.json()["next"]
        assert response.json()["previous"] is None
        if not next_url:
            break
        query = {key: values[0] for key, values in parse_qs(urlparse(next_url).query).items()}
    assert len(seen) == 9 and len(set(seen)) == 9


def test_query_count_does_not_grow_with_page_size(agency):
    from teranga.products.realestate.models import PropertyImage

    for n in range(25):
        prop = PropertyFactory(organization=agency.org, latitude=PLATEAU[0] + n * 0.0005)
        PropertyImage.objects.create(
            organization=agency.org, property=prop, image=f"x/{n}.png", is_primary=True
        )
    client = APIClient()
    for params in ({}, {"lat": PLATEAU[0], "lng": PLATEAU[1], "radius_km": 10, "features": "pool"}):
        counts = []
        for size in (1, 20):
            with CaptureQueriesContext(connection) as queries:
                response = client.get(URL, {**params, "page_size": size})
            assert response.status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (params, counts)
    rows = client.get(URL, {"page_size": 3}).json()["results"]
    assert all(row["primary_image"]["url"].endswith(".png") for row in rows)


def test_bad_queries_are_400(listings):
    client = APIClient()
    for params in (
        {"price_min": -1},
        {"lat": 14.7},
        {"radius_km": 5},
        {"lat": 14.7, "lng": -17.4, "radius_km": 500},
        {"ordering": "distance"},
        {"ordering": "cheapest"},
        {"features": "helipad"},
        {"price_min": 10, "price_max": 5},
        {"q": "x" * 201},
    ):
        response = client.get(URL, params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid"
    response = client.get(URL, {"cursor": "garbage"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
    # A cursor of another ordering is refused too.
    first = client.get(URL, {"page_size": 1, "ordering": "price"}).json()["next"]
    cursor = parse_qs(urlparse(first).query)["cursor"][0]
    response = client.get(URL, {"cursor": cursor, "ordering": "-price"})
    assert response.json()["error"]["code"] == "invalid_cursor"


def _walk(client, params) -> list[dict]:
    """Every row of a search, page after page through ``next``."""
    rows, query = [], dict(params)
    for _page in range(50):
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        rows += response.json()["results"]
        next_url = response.json()["next"]
        if not next_url:
            return rows
        query = {key: values[0] for key, values in parse_qs(urlparse(next_url).query).items()}
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("ordering", ["distance", "-price", "price"])
def test_circle_search_is_the_python_reference(agency, ordering):
    """The distance, the circle, the sort and the cursor are computed in SQL: the pages
    give exactly what reading every candidate and computing ``haversine_km`` in Python
    gives (the same rows, order and distances), ties included."""
    import random

    rng = random.Random(7)  # noqa: S311 - test data
    made = []
    for n in range(40):
        lat = PLATEAU[0] + rng.uniform(-0.05, 0.05)
        lng = PLATEAU[1] + rng.uniform(-0.05, 0.05)
        copies = 2 if n % 10 == 0 else 1  # the same point twice: a tie on the distance
        for _ in range(copies):
            made.append(
                PropertyFactory(
                    organization=agency.org,
                    latitude=lat,
                    longitude=lng,
                    price=10_000_000 * rng.randint(1, 4),
                    property_type=rng.choice([PropertyType.APARTMENT, PropertyType.VILLA]),
                )
            )
    PropertyFactory(organization=agency.org, status=PropertyStatus.DRAFT, latitude=PLATEAU[0])
    radius = 4.0
    params = {
        "lat": PLATEAU[0],
        "lng": PLATEAU[1],
        "radius_km": radius,
        "ordering": ordering,
        "page_size": 7,
        "price_max": 30_000_000,
    }
    rows = _walk(APIClient(), params)

    hits = []
    for prop in made:
        distance = haversine_km(PLATEAU[0], PLATEAU[1], prop.latitude, prop.longitude)
        if distance <= radius and prop.price <= 30_000_000:
            key = distance if ordering == "distance" else prop.price
            hits.append((key, str(prop.pk), distance))
    hits.sort(key=lambda hit: (hit[0], hit[1]), reverse=ordering == "-price")
    assert 10 < len(hits) < len(made)
    assert [(row["id"], row["distance_km"]) for row in rows] == [
        (pk, round(distance, 3)) for _key, pk, distance in hits
    ]


def test_a_cursor_with_a_bad_id_is_400(listings):
    import base64
    import json

    raw = json.dumps(["distance", 1.5, "not-a-uuid"]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = APIClient().get(
        URL,
        {"lat": ALMADIES[0], "lng": ALMADIES[1], "ordering": "distance", "cursor": cursor},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"
