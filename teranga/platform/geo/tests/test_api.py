import pytest

from teranga.platform.geo.distance import haversine_km, haversine_m
from teranga.platform.geo.models import Department, Region

pytestmark = pytest.mark.django_db


def test_reference_data_is_loaded():
    assert Region.objects.count() == 14
    assert Department.objects.count() == 46
    assert Department.objects.filter(region__code="DK").count() == 5


def test_region_list_with_departments(api, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = api.get("/api/v1/geo/regions/")
    assert response.status_code == 200
    regions = response.json()
    assert len(regions) == 14
    assert sum(len(r["departments"]) for r in regions) == 46
    thies = next(r for r in regions if r["code"] == "TH")
    assert thies["name"] == "Thiès" and thies["slug"] == "thies"
    assert {d["name"] for d in thies["departments"]} == {"Mbour", "Thiès", "Tivaouane"}


def test_region_detail(api):
    response = api.get("/api/v1/geo/regions/zg/")
    assert response.status_code == 200
    assert response.json()["name"] == "Ziguinchor"
    assert len(response.json()["departments"]) == 3


def test_unknown_region_is_404(api):
    response = api.get("/api/v1/geo/regions/XX/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "region_not_found"


def test_region_list_is_read_only(api):
    response = api.post("/api/v1/geo/regions/", {"code": "XX"})
    assert response.status_code == 405
    assert Region.objects.count() == 14


def test_haversine():
    # Dakar (Place de l'Indépendance) to Thiès: about 56 km as the crow flies
    assert haversine_km(14.6681, -17.4329, 14.7910, -16.9256) == pytest.approx(56.4, abs=1.0)
    # Dakar to Paris: about 4 200 km
    assert haversine_km(14.6928, -17.4467, 48.8566, 2.3522) == pytest.approx(4200, rel=0.02)
    assert haversine_m(14.0, -17.0, 14.0, -17.0) == 0
    with pytest.raises(ValueError):
        haversine_km(91, 0, 0, 0)
