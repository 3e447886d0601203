"""Series over HTTP: one event per date in the organiser's time zone (DST safe), the cap
on dates, reading a series, and changing one date only."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from teranga.products.campus.models import Event, EventSeries, EventStatus

from .factories import EventFactory
from .test_events_api import API, error

PARIS = ZoneInfo("Europe/Paris")


def series_body(**extra):
    return {
        "title": "Réunion hebdo du club",
        "description": "<p>Chaque semaine #club</p>",
        "category": "meeting",
        "address": "Salle 12",
        "latitude": 14.69,
        "longitude": -17.45,
        "weekdays": [1, 3],  # Tuesday, Thursday
        "start_time": "18:00",
        "duration_minutes": 90,
        "first_date": "2027-03-16",
        "last_date": "2027-04-08",
        **extra,
    }


def post(campus, who="club_admin", organization=None, **extra):
    organization = organization or campus.club
    return campus.clients[who].post(
        f"{API}/organizations/{organization.pk}/series/", series_body(**extra), format="json"
    )


class TestCreate:
    def test_one_event_per_date_at_the_same_local_time_across_dst(self, campus):
        campus.club.time_zone = "Europe/Paris"
        campus.club.save(update_fields=["time_zone"])
        response = post(campus)
        assert response.status_code == 201, response.content
        body = response.json()
        # Tue/Thu from 16 March to 8 April 2027: 16, 18, 23, 25, 30 Mar, 1, 6, 8 Apr.
        assert len(body["events"]) == 8
        assert body["time_zone"] == "Europe/Paris"
        series = EventSeries.objects.get(pk=body["id"])
        events = list(Event.objects.filter(series=series).order_by("starts_at"))
        assert len(events) == 8
        local = [e.starts_at.astimezone(PARIS) for e in events]
        assert {(t.hour, t.minute) for t in local} == {(18, 0)}
        assert [t.date() for t in local][:3] == [
            date(2027, 3, 16),
            date(2027, 3, 18),
            date(2027, 3, 23),
        ]
        # Summer time from 28 March 2027: 17:00 UTC before, 16:00 UTC after.
        assert events[0].starts_at.astimezone(ZoneInfo("UTC")).hour == 17
        assert events[-1].starts_at.astimezone(ZoneInfo("UTC")).hour == 16
        for event in events:
            assert event.ends_at - event.starts_at == timedelta(minutes=90)
            assert event.status == EventStatus.DRAFT
            assert event.university_id == campus.university.pk
            assert [t.slug for t in event.tags.all()] == ["club"]

    def test_publish_publishes_every_date(self, campus):
        response = post(campus, publish=True)
        assert response.status_code == 201, response.content
        assert {row["status"] for row in response.json()["events"]} == {"published"}

    @pytest.mark.parametrize(
        "extra, code",
        [
            ({"first_date": "2027-01-01", "last_date": "2028-12-31"}, "series_too_many_dates"),
            (
                {"weekdays": [6], "first_date": "2027-03-16", "last_date": "2027-03-17"},
                "series_no_dates",
            ),
            ({"weekdays": [7]}, "invalid"),
            ({"weekdays": []}, "invalid"),
            ({"last_date": "2027-03-01"}, "invalid"),
            ({"duration_minutes": 2}, "invalid"),
            ({"start_time": "25:00"}, "invalid"),
            ({"starts_at": "2027-03-16T18:00:00Z"}, "invalid"),
        ],
    )
    def test_bad_input_is_400_and_creates_nothing(self, campus, extra, code):
        error(post(campus, **extra), 400, code)
        assert not EventSeries.objects.exists()
        assert not Event.objects.exists()

    def test_permissions(self, campus):
        error(post(campus, "other_manager"), 404, "organization_not_found")
        error(post(campus, "student"), 404)
        error(post(campus, "agent", campus.university), 403)
        response = APIClient().post(
            f"{API}/organizations/{campus.club.pk}/series/", series_body(), format="json"
        )
        error(response, 401)
        assert not EventSeries.objects.exists()


class TestRead:
    def test_staff_see_every_date_others_only_visible_ones(self, campus):
        series_id = post(campus).json()["id"]
        url = f"{API}/series/{series_id}/"
        response = campus.clients["club_admin"].get(url)
        assert response.status_code == 200
        events = response.json()["events"]
        assert len(events) == 8
        # Drafts only: nobody else sees the series.
        error(APIClient().get(url), 404, "series_not_found")
        error(campus.clients["other_manager"].get(url), 404, "series_not_found")
        campus.clients["club_admin"].post(f"{API}/events/{events[0]['id']}/publish/")
        response = APIClient().get(url)
        assert [row["id"] for row in response.json()["events"]] == [events[0]["id"]]

    def test_changing_one_date_changes_only_that_event(self, campus):
        events = post(campus).json()["events"]
        target = events[2]["id"]
        new_start = datetime(2027, 3, 23, 19, 0, tzinfo=ZoneInfo("Africa/Dakar"))
        response = campus.clients["club_admin"].patch(
            f"{API}/events/{target}/manage/",
            {
                "title": "Réunion spéciale",
                "starts_at": new_start.isoformat(),
                "ends_at": (new_start + timedelta(hours=3)).isoformat(),
                "capacity": 30,
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["series"] is not None
        titles = dict(Event.objects.values_list("pk", "title"))
        assert titles.pop(uuid.UUID(target)) == "Réunion spéciale"
        assert set(titles.values()) == {"Réunion hebdo du club"}
        assert Event.objects.filter(capacity=30).count() == 1
        listed = campus.clients["club_admin"].get(
            f"{API}/organizations/{campus.club.pk}/events/",
            {"series": response.json()["series"], "page_size": 100},
        )
        assert len(listed.json()["results"]) == 8

    def test_unknown_series_is_404(self, campus):
        error(APIClient().get(f"{API}/series/{uuid.uuid4()}/"), 404, "series_not_found")


class TestCopyTicketTypes:
    def test_each_date_gets_a_copy_of_the_ticket_types(self, campus):
        from teranga.products.campus.models import TicketType

        from .factories import TicketTypeFactory

        source = EventFactory(organization=campus.club, university=campus.university)
        TicketTypeFactory(event=source, name="Membre", kind="free", price=0, quota=30)
        TicketTypeFactory(event=source, name="Invité", price=1000, quota=10, position=1)
        response = post(campus, copy_ticket_types_from=str(source.pk))
        assert response.status_code == 201, response.content
        for row in response.json()["events"]:
            types = TicketType.objects.filter(event_id=row["id"]).order_by("position")
            assert [(t.name, t.price, t.quota, t.taken) for t in types] == [
                ("Membre", 0, 30, 0),
                ("Invité", 1000, 10, 0),
            ]
        assert Event.objects.filter(series__isnull=False, price_from=0).count() == 8

    def test_another_organisers_event_is_404_and_nothing_is_created(self, campus):
        other = EventFactory(organization=campus.other)
        error(post(campus, copy_ticket_types_from=str(other.pk)), 404, "event_not_found")
        assert not EventSeries.objects.exists()
        assert Event.objects.count() == 1
