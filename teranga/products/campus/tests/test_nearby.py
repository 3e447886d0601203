"""``events/nearby/``: within the radius, nearest first, with the distance; only visible,
upcoming events; bad input; the query reads only the bounding box."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.platform.geo.distance import haversine_km
from teranga.products.campus.models import Event, EventStatus, EventVisibility, Tag
from teranga.products.campus.selectors.nearby import box_rows

from .factories import EventFactory
from .test_events_api import API, error

UCAD = (14.6928, -17.4467)
#: Places around Dakar and their rough distance from UCAD.
PLACES = {
    "ucad": (14.6928, -17.4467),  # 0 km
    "plateau": (14.6700, -17.4300),  # ~3 km
    "almadies": (14.7450, -17.5130),  # ~9.3 km
    "rufisque": (14.7160, -17.2730),  # ~18.9 km
    "thies": (14.7910, -16.9260),  # ~57 km
}


def at(place, **fields):
    latitude, longitude = PLACES[place]
    return EventFactory(latitude=latitude, longitude=longitude, title=place, **fields)


def nearby(client=None, **params):
    query = {"lat": UCAD[0], "lng": UCAD[1], **params}
    return (client or APIClient()).get(f"{API}/events/nearby/", query)


class TestNearby:
    def test_nearest_first_within_the_radius_with_distances(self, campus):
        for place in PLACES:
            at(place, organization=campus.university)
        response = nearby()
        assert response.status_code == 200, response.content
        rows = response.json()["results"]
        assert [row["title"] for row in rows] == ["ucad", "plateau", "almadies"]
        for row in rows:
            expected = haversine_km(*UCAD, *PLACES[row["title"]])
            assert row["distance_km"] == pytest.approx(expected, abs=0.001)
        rows = nearby(radius_km=25).json()["results"]
        assert [row["title"] for row in rows] == ["ucad", "plateau", "almadies", "rufisque"]
        assert nearby(radius_km=50).json()["count"] == 4

    def test_only_visible_upcoming_published_events(self, campus):
        at("ucad", organization=campus.university)
        at("plateau", organization=campus.university, status=EventStatus.DRAFT)
        at("plateau", organization=campus.university, status=EventStatus.CANCELLED)
        uni = at("almadies", organization=campus.university, visibility=EventVisibility.UNIVERSITY)
        past = timezone.now() - timedelta(days=1)
        at(
            "ucad",
            organization=campus.university,
            starts_at=past,
            ends_at=past + timedelta(hours=1),
        )
        EventFactory(organization=campus.university, latitude=None, longitude=None)
        assert [row["title"] for row in nearby().json()["results"]] == ["ucad"]
        titles = [row["title"] for row in nearby(campus.clients["student"]).json()["results"]]
        assert titles == ["ucad", "almadies"]
        assert nearby(campus.clients["outsider"]).json()["count"] == 1
        assert str(uni.pk) not in str(nearby(campus.clients["outsider"]).json())

    @pytest.mark.parametrize(
        "params",
        [
            {"radius_km": 51},
            {"radius_km": 0},
            {"lat": 91},
            {"lng": -181},
            {"lat": "abc"},
            {"lat": None},
        ],
    )
    def test_bad_input_is_400(self, campus, params):
        query = {"lat": UCAD[0], "lng": UCAD[1], **params}
        query = {k: v for k, v in query.items() if v is not None}
        error(APIClient().get(f"{API}/events/nearby/", query), 400, "invalid")

    def test_pagination_and_query_count(self, campus, django_assert_max_num_queries):
        client = campus.clients["student"]
        at("ucad", organization=campus.university)
        client.get(f"{API}/events/nearby/", {"lat": UCAD[0], "lng": UCAD[1]})
        with django_assert_max_num_queries(12) as small:
            nearby(client, page_size=1)
        for i in range(15):
            event = EventFactory(
                organization=campus.university, latitude=UCAD[0] + i * 0.001, longitude=UCAD[1]
            )
            event.tags.set([Tag.objects.create(slug=f"t{i}")])
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = nearby(client, page_size=16)
        rows = response.json()["results"]
        assert len(rows) == 16
        distances = [row["distance_km"] for row in rows]
        assert distances == sorted(distances)
        page2 = nearby(client, page_size=10, page=2).json()["results"]
        assert [row["id"] for row in page2] == [row["id"] for row in rows[10:16]]

    def test_the_candidates_come_from_the_bounding_box_on_the_geo_index(self, campus):
        at("ucad", organization=campus.university)
        queryset = box_rows(latitude=UCAD[0], longitude=UCAD[1], radius_km=10)
        with CaptureQueriesContext(connection) as queries:
            list(queryset)
        sql = queries.captured_queries[-1]["sql"]
        assert '"latitude" >=' in sql and '"longitude" <=' in sql
        assert "SELECT" in sql and '"description"' not in sql  # only id and coordinates
        if connection.vendor == "sqlite":
            plan = (
                connection.cursor()
                .execute(
                    "EXPLAIN QUERY PLAN " + str(queryset.query.sql_with_params()[0]),
                    queryset.query.sql_with_params()[1],
                )
                .fetchall()
            )
            text = " ".join(str(row) for row in plan)
            assert "campus_event_geo_idx" in text, text
        assert Event.objects.count() == 1
