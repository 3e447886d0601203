"""Client requests and scored matching over HTTP: both directions agree and explain
themselves field by field, the price tolerance and the zones' radius, "not suitable"
properties, weights per agency, isolation (404 across agencies, 403 for a low role), bad
input (400, nothing changed) — and the SQL-prefiltered matches equal a brute-force
scoring of every pair on a random set."""

from __future__ import annotations

import random

import pytest

from teranga.products.realestate.matching import score
from teranga.products.realestate.models import (
    FEATURE_BITS,
    Client,
    ClientRequest,
    MatchingWeights,
    Property,
    PropertyStatus,
    RequestExclusion,
)
from teranga.products.realestate.selectors import matching as selectors
from teranga.products.realestate.tests.factories import PropertyFactory
from tests.writes import unchanged

API = "/api/v1/realestate"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
MERMOZ = (14.7061, -17.4748)

pytestmark = pytest.mark.django_db


def bits(*names) -> int:
    return sum(FEATURE_BITS[name] for name in names)


def request_body(client, **extra) -> dict:
    body = {
        "client": str(client.pk),
        "transaction": "sale",
        "property_types": ["apartment"],
        "budget_max": 60_000_000,
        "currency": "XOF",
        "surface_min": 80,
        "rooms_min": 3,
        "zones": [{"lat": MERMOZ[0], "lng": MERMOZ[1], "radius_km": 3, "label": "Mermoz"}],
        "required_features": ["parking"],
        "nice_features": ["pool", "elevator"],
        "alert_frequency": "none",
    }
    body.update(extra)
    return body


@pytest.fixture
def market(agency):
    org = agency.org
    client = Client.objects.create(organization=org, name="Awa Diop")

    def prop(**fields):
        defaults = {"organization": org, "features": bits("parking", "pool")}
        return PropertyFactory(**{**defaults, **fields})

    props = {
        "fit": prop(price=55_000_000, features=bits("parking", "pool", "elevator")),
        "tolerated": prop(price=63_000_000, features=bits("parking")),  # +5 %
        "over": prop(price=68_000_000),  # +13.3 %: beyond 10 %
        "far": prop(latitude=14.80, longitude=-17.40),  # ~13 km away
        "no_parking": prop(features=bits("pool")),
        "villa": prop(property_type="villa"),
        "sold": prop(status=PropertyStatus.SOLD),
        "other_agency": PropertyFactory(organization=agency.other, features=bits("parking")),
    }
    response = agency.api["agent"].post(
        f"{API}/organizations/{org.pk}/requests/", request_body(client), format="json"
    )
    assert response.status_code == 201, response.content
    agency.client_row = client
    agency.props = props
    agency.request_id = response.json()["id"]
    return agency


def matches_of_request(agency, who="agent", **query):
    response = agency.api[who].get(f"{API}/requests/{agency.request_id}/matches/", query)
    assert response.status_code == 200, response.content
    return response.json()


def matched_ids(agency) -> list[str]:
    return [row["property"]["id"] for row in matches_of_request(agency)]


def test_both_directions_agree_and_explain(market):
    props = market.props
    rows = matches_of_request(market)
    assert [row["property"]["id"] for row in rows] == [
        str(props["fit"].pk),
        str(props["tolerated"].pk),
    ]
    best, tolerated = rows
    assert best["score"] == 100
    details = {line["field"]: line for line in best["details"]}
    assert set(details) == {"price", "surface", "rooms", "distance", "features"}
    assert details["price"]["reason"] == "within_budget"
    assert details["distance"]["reason"] == "inside_zone"
    assert details["distance"]["zone"] == "Mermoz"
    assert details["distance"]["distance_km"] == 0.0
    assert details["features"]["reason"] == "nice_to_have"
    assert sum(line["max"] for line in best["details"]) == 100
    price = next(line for line in tolerated["details"] if line["field"] == "price")
    assert price["reason"] == "over_budget_tolerated"
    assert 0 < price["points"] < price["max"]
    assert price["over_percent"] == 5.0
    assert tolerated["score"] < best["score"]

    # The other direction: the property's requests, with the same score and explanation.
    for key, row in (("fit", best), ("tolerated", tolerated)):
        response = market.api["agent"].get(f"{API}/properties/{props[key].pk}/matches/")
        assert response.status_code == 200, response.content
        (found,) = response.json()
        assert found["request"]["id"] == market.request_id
        assert found["request"]["client"]["name"] == "Awa Diop"
        assert found["score"] == row["score"] and found["details"] == row["details"]
    for key in ("over", "far", "no_parking", "villa"):
        response = market.api["agent"].get(f"{API}/properties/{props[key].pk}/matches/")
        assert response.json() == [], key
    assert matches_of_request(market, min_score=100)[0]["score"] == 100
    assert len(matches_of_request(market, limit=1)) == 1


def test_radius_edges_and_excluded_reasons():
    from teranga.products.realestate.matching import PropertyValues, RequestValues, Weights, Zone

    request = RequestValues(
        transaction="sale", zones=(Zone(14.7, -17.45, 2.0, "A"),), required_features=bits("pool")
    )
    inside = PropertyValues("house", "sale", 1, "XOF", latitude=14.71, longitude=-17.45)
    outside = PropertyValues("house", "sale", 1, "XOF", latitude=14.72, longitude=-17.45)
    nowhere = PropertyValues("house", "sale", 1, "XOF", features=bits("pool"))
    total, details = score(inside, request, Weights())
    assert total is None and details[0]["reason"] == "required_missing"
    assert details[0]["missing"] == ["pool"]
    inside = PropertyValues(**{**inside.__dict__, "features": bits("pool")})
    total, details = score(inside, request, Weights())  # 1.1 km from the centre
    distance = next(line for line in details if line["field"] == "distance")
    assert total is not None and distance["max"] / 2 < distance["points"] < distance["max"]
    outside = PropertyValues(**{**outside.__dict__, "features": bits("pool")})
    assert score(outside, request, Weights())[1][0]["reason"] == "outside_zones"  # 2.2 km
    assert score(nowhere, request, Weights())[1][0]["reason"] == "no_location"


def test_weights_per_agency(market):
    url = f"{API}/organizations/{market.org.pk}/matching-weights/"
    response = market.api["admin"].get(url)
    assert response.status_code == 200
    assert response.json()["price_tolerance_percent"] == 10
    assert market.api["agent"].get(url).status_code == 403
    other = f"{API}/organizations/{market.other.pk}/matching-weights/"
    assert market.api["admin"].get(other).status_code == 404

    weights = {
        "price": 10,
        "surface": 10,
        "rooms": 10,
        "distance": 10,
        "features": 60,
        "price_tolerance_percent": 20,
        "alert_min_score": 40,
    }
    with unchanged(MatchingWeights):
        zero = {
            **weights,
            **dict.fromkeys(("price", "surface", "rooms", "distance", "features"), 0),
        }
        response = market.api["admin"].put(url, zero, format="json", **EN)
        assert response.status_code == 400
        response = market.api["admin"].put(url, {**weights, "price": 101}, format="json", **EN)
        assert response.status_code == 400
        assert market.api["agent"].put(url, weights, format="json").status_code == 403
    response = market.api["admin"].put(url, weights, format="json")
    assert response.status_code == 200 and response.json() == weights
    ids = matched_ids(market)
    assert str(market.props["over"].pk) in ids  # +13.3 % is within 20 %
    # The other agency keeps the defaults.
    assert selectors.weights_row(organization=market.other).price_tolerance_percent == 10


def test_not_suitable_properties_are_left_out(market):
    fit = market.props["fit"]
    url = f"{API}/requests/{market.request_id}/exclusions/"
    response = market.api["agent"].post(url, {"property": str(fit.pk)}, format="json")
    assert response.status_code == 201, response.content
    again = market.api["agent"].post(url, {"property": str(fit.pk)}, format="json")
    assert again.status_code == 201 and again.json()["id"] == response.json()["id"]
    assert str(fit.pk) not in matched_ids(market)
    assert market.api["agent"].get(f"{API}/properties/{fit.pk}/matches/").json() == []

    with unchanged(RequestExclusion):
        foreign = market.props["other_agency"]
        response = market.api["agent"].post(url, {"property": str(foreign.pk)}, format="json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "property_not_found"
        response = market.api["other_manager"].post(url, {"property": str(fit.pk)}, format="json")
        assert response.status_code == 404

    response = market.api["agent"].delete(f"{url}{fit.pk}/")
    assert response.status_code == 204
    assert str(fit.pk) in matched_ids(market)


def test_isolation_and_roles(market):
    request_url = f"{API}/requests/{market.request_id}/"
    fit = market.props["fit"]
    for who in ("other_manager", "client"):
        for url in (request_url, f"{request_url}matches/", f"{API}/properties/{fit.pk}/matches/"):
            response = market.api[who].get(url)
            assert response.status_code == 404, (who, url)
    assert market.api["plain"].get(f"{request_url}matches/").status_code == 403
    assert market.api["agent"].get(f"{API}/requests/{fit.pk}/").status_code == 404
    response = market.api["other_manager"].get(f"{API}/organizations/{market.org.pk}/requests/")
    assert response.status_code == 404
    listed = market.api["agent"].get(f"{API}/organizations/{market.org.pk}/requests/").json()
    assert [row["id"] for row in listed["results"]] == [market.request_id]
    # Deleting is for managers.
    assert market.api["agent"].delete(request_url).status_code == 403
    assert market.api["other_manager"].delete(request_url).status_code == 404
    assert market.api["manager"].delete(request_url).status_code == 204
    assert not ClientRequest.objects.exists()


def test_bad_input_changes_nothing(market):
    url = f"{API}/organizations/{market.org.pk}/requests/"
    zone = {"lat": 14.7, "lng": -17.4, "radius_km": 2}
    foreign_client = Client.objects.create(organization=market.other, name="Moussa")
    cases = [
        request_body(market.client_row, zones=[zone] * 6),
        request_body(market.client_row, zones=[{**zone, "radius_km": 0}]),
        request_body(market.client_row, zones=[{**zone, "lat": 91}]),
        request_body(market.client_row, budget_min=10, budget_max=5),
        request_body(market.client_row, property_types=["castle"]),
        request_body(market.client_row, alert_frequency="hourly"),
        request_body(market.client_row, unknown=1),
        request_body(foreign_client),
    ]
    with unchanged(ClientRequest):
        for case in cases:
            response = market.api["agent"].post(url, case, format="json", **EN)
            assert response.status_code == 400, (case, response.content)
        codes = response.json()["error"]
        assert codes["code"] == "client_not_found" and "client" in codes["fields"]
        detail = f"{API}/requests/{market.request_id}/"
        for case in ({"zones": [zone] * 6}, {"surface_min": 200, "surface_max": 100}):
            response = market.api["agent"].patch(detail, case, format="json", **EN)
            assert response.status_code == 400, response.content
    response = market.api["agent"].patch(
        f"{API}/requests/{market.request_id}/", {"budget_max": 70_000_000}, format="json"
    )
    assert response.status_code == 200 and response.json()["budget_max"] == 70_000_000
    assert str(market.props["over"].pk) in matched_ids(market)


def test_prefiltered_matches_equal_brute_force(agency):
    """On a random set: for every property, its SQL-prefiltered requests equal the
    scoring of every active request; for every request, its properties equal the scoring
    of every available property of the agency."""
    from teranga.products.realestate.services.requests import request_create

    rng = random.Random(18)
    org = agency.org
    clients = [Client.objects.create(organization=org, name=f"Client {i}") for i in range(3)]
    features = list(FEATURE_BITS)
    props = []
    for _ in range(40):
        props.append(
            PropertyFactory(
                organization=org,
                property_type=rng.choice(["apartment", "house", "villa"]),
                transaction=rng.choice(["sale", "rent"]),
                status=rng.choice(["available"] * 4 + ["sold"]),
                price=rng.randrange(10_000_000, 100_000_000, 1_000_000),
                surface=rng.choice([None, rng.randint(30, 300)]),
                rooms=rng.randint(1, 6),
                latitude=14.70 + rng.uniform(-0.08, 0.08),
                longitude=-17.45 + rng.uniform(-0.08, 0.08),
                features=sum(FEATURE_BITS[f] for f in features if rng.random() < 0.4),
            )
        )
    props.append(PropertyFactory(organization=org, latitude=None, longitude=None))
    for i in range(60):
        zones = [
            {
                "lat": 14.70 + rng.uniform(-0.08, 0.08),
                "lng": -17.45 + rng.uniform(-0.08, 0.08),
                "radius_km": rng.uniform(0.5, 6),
                "label": f"z{j}",
            }
            for j in range(rng.randint(0, 3))
        ]
        request_create(
            organization=org,
            actor=agency.users["agent"],
            client_id=rng.choice(clients).pk,
            transaction=rng.choice(["sale", "rent"]),
            property_types=rng.sample(["apartment", "house", "villa"], rng.randint(0, 2)),
            budget_max=rng.choice([None, rng.randrange(10_000_000, 100_000_000, 1_000_000)]),
            surface_min=rng.choice([None, 50, 120]),
            rooms_min=rng.choice([None, 2, 4]),
            zones=zones,
            required_features=rng.sample(features, rng.choice([0, 0, 1, 2])),
            nice_features=rng.sample(features, rng.randint(0, 3)),
            active=i % 10 != 0,
        )
    requests = list(ClientRequest.objects.filter(organization=org))
    RequestExclusion.objects.create(organization=org, request=requests[1], property=props[0])
    weights = selectors.weights_of(selectors.weights_row(organization=org))
    found_pairs = 0
    for prop in props:
        fast = selectors.property_matches(prop=prop, weights=weights, limit=None)
        slow = selectors.property_matches_brute_force(prop=prop, weights=weights)
        assert [(m.obj.pk, m.score, m.details) for m in fast] == [
            (m.obj.pk, m.score, m.details) for m in slow
        ]
        found_pairs += len(fast)
    assert found_pairs > 10  # the set is not trivially empty
    available = list(Property.objects.filter(organization=org, status="available"))
    for req in requests:
        fast = selectors.request_matches(req=req, weights=weights, limit=None)
        values = selectors.request_values(req)
        excluded = set(req.exclusions.values_list("property_id", flat=True))
        slow = []
        for prop in available:
            total, details = score(selectors.property_values(prop), values, weights)
            if total is not None and prop.pk not in excluded:
                slow.append((prop.pk, total, details))
        slow.sort(key=lambda row: (-row[1], str(row[0])))
        assert [(m.obj.pk, m.score, m.details) for m in fast] == slow
