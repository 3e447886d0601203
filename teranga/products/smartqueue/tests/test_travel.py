"""The travel-time model: known distances and times at each hour of a Dakar week, each
mode, and staff changing its parameters (admin row and API)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import create_user
from teranga.platform.geo.distance import haversine_km
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.products.smartqueue.models import TravelModel
from teranga.products.smartqueue.selectors.travel import (
    traffic_factor,
    travel_minutes,
    travel_minutes_between,
    travel_model,
    travel_model_row,
)
from teranga.products.smartqueue.tests.factories import BankFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/smartqueue/travel-model/"
# Dakar is on UTC all year: these are local times.
MONDAY_11 = datetime(2026, 3, 2, 11, 0, tzinfo=UTC)
MONDAY_08 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MONDAY_18 = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
MONDAY_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the morning window has just ended
MONDAY_23 = datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
FRIDAY_14 = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
FRIDAY_08 = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)
SATURDAY_11 = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
SUNDAY_03 = datetime(2026, 3, 8, 3, 0, tzinfo=UTC)
PLATEAU = (14.6700, -17.4330)
THIES = (14.7910, -16.9360)


def test_known_distance():
    # Dakar-Plateau to Thiès: about 55 km as the crow flies.
    assert 52 < haversine_km(*PLATEAU, *THIES) < 56


@pytest.mark.parametrize(
    ("moment", "factor"),
    [
        (MONDAY_11, 1.0),
        (MONDAY_08, 1.8),
        (MONDAY_0900, 1.0),
        (MONDAY_18, 2.0),
        (FRIDAY_14, 1.5),  # Friday prayer
        (FRIDAY_08, 1.8),
        (SATURDAY_11, 0.85),
        (MONDAY_23, 0.7),
        (SUNDAY_03, 0.7),  # night wins over the weekend
    ],
)
def test_traffic_factor(moment, factor):
    assert traffic_factor(moment) == pytest.approx(factor)


@pytest.mark.parametrize(
    ("mode", "moment", "minutes"),
    [
        # 10 km straight = 13.5 km of road.
        ("car", MONDAY_11, 27.0),  # 13.5 / 30 km/h
        ("car", MONDAY_08, 48.6),  # × 1.8
        ("car", MONDAY_18, 54.0),  # × 2.0
        ("car", FRIDAY_14, 40.5),  # × 1.5
        ("car", SATURDAY_11, 22.95),  # × 0.85
        ("car", MONDAY_23, 18.9),  # × 0.7
        ("taxi", MONDAY_11, 13.5 / 28 * 60 + 5),  # + pickup
        ("public", MONDAY_11, 54.0 + 10),  # + the wait for a bus
        ("public", MONDAY_08, 54.0 * 1.8 + 10),
        ("walk", MONDAY_11, 13.5 / 4.5 * 60),
        ("walk", MONDAY_18, 13.5 / 4.5 * 60),  # walking ignores traffic
    ],
)
def test_travel_minutes(mode, moment, minutes):
    assert travel_minutes(10, mode, moment=moment) == pytest.approx(minutes)


def test_between_two_points_and_unknown_mode():
    minutes = travel_minutes_between(PLATEAU, THIES, "car", moment=MONDAY_11)
    assert minutes == pytest.approx(haversine_km(*PLATEAU, *THIES) * 1.35 / 30 * 60)
    with pytest.raises(ValueError):
        travel_minutes(1, "horse", moment=MONDAY_11)


def test_changes_to_the_row_take_effect_at_once():
    assert travel_minutes(10, "car", moment=MONDAY_11) == pytest.approx(27.0)
    row = travel_model_row()
    row.car_kmh = 45
    row.peak_windows = [{"days": [0], "start": "10:00", "end": "12:00", "factor": 3}]
    row.save()  # as the admin does
    assert travel_model().speeds_kmh["car"] == 45
    assert travel_minutes(10, "car", moment=MONDAY_11) == pytest.approx(13.5 / 45 * 60 * 3)
    assert traffic_factor(MONDAY_08) == 1.0  # the old windows are gone


# --- API -------------------------------------------------------------------------------------


def test_get_is_public(api):
    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "dakar"
    assert body["car_kmh"] == "30.0"
    assert len(body["peak_windows"]) == 3


@pytest.fixture
def staff(client_for):
    return client_for(create_user("travel-staff@example.test", is_staff=True))


def test_staff_changes_the_model(staff):
    windows = [{"days": [5, 6], "start": "10:00", "end": "13:00", "factor": 1.4}]
    response = staff.put(
        URL, {"car_kmh": "20", "peak_windows": windows, "taxi_pickup_minutes": 8}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["peak_windows"] == windows
    row = TravelModel.objects.get(slug="dakar")
    assert row.updated_by.email == "travel-staff@example.test"
    assert float(row.car_kmh) == 20 and row.taxi_pickup_minutes == 8
    assert traffic_factor(SATURDAY_11) == pytest.approx(1.4)
    assert travel_minutes(10, "car", moment=MONDAY_11) == pytest.approx(13.5 / 20 * 60)
    assert travel_minutes(10, "taxi", moment=MONDAY_11) == pytest.approx(13.5 / 28 * 60 + 8)


@pytest.mark.parametrize(
    "body",
    [
        {"peak_windows": [{"days": [7], "start": "07:00", "end": "09:00", "factor": 1.5}]},
        {"peak_windows": [{"days": [0], "start": "7h", "end": "09:00", "factor": 1.5}]},
        {"peak_windows": [{"days": [0], "start": "10:00", "end": "09:00", "factor": 1.5}]},
        {"peak_windows": [{"days": [0], "start": "07:00", "end": "09:00", "factor": 9}]},
        {"peak_windows": [{"days": [0], "start": "07:00", "end": "09:00"}]},
        {"peak_windows": [{"days": [], "start": "07:00", "end": "09:00", "factor": 1}]},
        {"night_factor": "0.1"},
        {"car_kmh": "-3"},
        {"time_zone": "Mars/Olympus"},
        {"speed_of_light": 1},
    ],
)
def test_bad_input_changes_nothing(staff, body):
    before = travel_model()
    response = staff.put(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"]
    assert travel_model() == before
    assert travel_model_row().updated_by is None


@pytest.mark.parametrize("role", [Role.OWNER, None])
def test_only_staff_may_change_it(client_for, role):
    person = member(BankFactory(), role) if role else create_user("plain@example.test")
    response = client_for(person).put(URL, {"car_kmh": "99"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert float(travel_model_row().car_kmh) == 30


def test_anonymous_cannot_change_it(api, db):
    assert api.put(URL, {"car_kmh": "99"}, format="json").status_code == 401
