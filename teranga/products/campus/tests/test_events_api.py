"""Events over HTTP: the organiser's side (create, change, publish, delete, cover), the
public list (visibility, filters, cursor), the popular list and its cache, one event
(views), categories and tags."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from teranga.platform.organizations.models import Branch, Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.products.campus.models import (
    Event,
    EventCategory,
    EventStatus,
    EventView,
    EventVisibility,
    Order,
    OrderStatus,
    Tag,
)

from .factories import EventFactory

API = "/api/v1/campus"


def error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def iso(value):
    return value.isoformat()


def soon(days=3, hours=18):
    start = (timezone.now() + timedelta(days=days)).replace(
        hour=hours, minute=0, second=0, microsecond=0
    )
    return start, start + timedelta(hours=2)


def payload(**extra):
    start, end = soon()
    return {
        "title": "Hackathon UCAD",
        "description": "<p>Code all night <script>alert(1)</script>#Tech #IA</p>",
        "category": "workshop",
        "tags": ["Python", "python", "#ucad"],
        "address": "UCAD, Dakar",
        "latitude": 14.6928,
        "longitude": -17.4467,
        "starts_at": iso(start),
        "ends_at": iso(end),
        "capacity": 200,
        **extra,
    }


def create(campus, who="manager", organization=None, **extra):
    organization = organization or campus.university
    return campus.clients[who].post(
        f"{API}/organizations/{organization.pk}/events/", payload(**extra), format="json"
    )


# --- The organiser's side ----------------------------------------------------------------


class TestCreate:
    def test_a_manager_creates_a_draft_with_tags_and_clean_description(self, campus):
        response = create(campus)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "draft"
        assert body["organizer"]["id"] == str(campus.university.pk)
        assert body["university"]["id"] == str(campus.university.pk)
        assert body["time_zone"] == campus.university.time_zone
        assert body["tags"] == ["ia", "python", "tech", "ucad"]
        assert "<script>" not in body["description"]
        assert body["description"].startswith("<p>Code all night")
        event = Event.objects.get(pk=body["id"])
        assert [t.slug for t in event.tags.order_by("slug")] == ["ia", "python", "tech", "ucad"]
        assert event.latitude == pytest.approx(14.6928)

    def test_a_club_event_belongs_to_the_clubs_university(self, campus):
        response = create(campus, "club_admin", campus.club)
        assert response.status_code == 201, response.content
        assert response.json()["university"]["id"] == str(campus.university.pk)

    def test_a_branch_venue_copies_its_address_and_coordinates(self, campus):
        branch = Branch.objects.create(
            organization=campus.university,
            name="Amphi A",
            address="Avenue Cheikh Anta Diop",
            latitude="14.690000",
            longitude="-17.460000",
        )
        response = create(
            campus, branch=str(branch.pk), address=None, latitude=None, longitude=None
        )
        # address None is not allowed: omit the free venue instead.
        assert response.status_code == 400
        body = payload(branch=str(branch.pk))
        for name in ("address", "latitude", "longitude"):
            body.pop(name)
        response = campus.clients["manager"].post(
            f"{API}/organizations/{campus.university.pk}/events/", body, format="json"
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["branch"] == str(branch.pk)
        assert data["address"] == "Avenue Cheikh Anta Diop"
        assert data["latitude"] == pytest.approx(14.69)
        assert data["longitude"] == pytest.approx(-17.46)

    def test_another_organisations_branch_is_404_and_nothing_is_created(self, campus):
        branch = Branch.objects.create(organization=campus.other, name="UGB")
        error(create(campus, branch=str(branch.pk)), 404, "venue_not_found")
        assert not Event.objects.exists()

    @pytest.mark.parametrize(
        "extra, code, field",
        [
            ({"ends_at": iso(soon()[0] - timedelta(hours=1))}, "event_invalid_dates", "ends_at"),
            ({"starts_at": "2026-12-20T18:00:00"}, "invalid", "starts_at"),
            ({"latitude": 14.7, "longitude": None}, "invalid", "longitude"),
            ({"latitude": 95}, "invalid", "latitude"),
            ({"tags": [f"t{i}" for i in range(16)]}, "invalid", "tags"),
            ({"category": "nope"}, "invalid", "category"),
            ({"visibility": "secret"}, "invalid", "visibility"),
            ({"colour": "red"}, "invalid", "colour"),
            ({"title": ""}, "invalid", "title"),
            ({"capacity": 0}, "invalid", "capacity"),
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(self, campus, extra, code, field):
        body = error(create(campus, **extra), 400, code)
        assert field in body["fields"], body
        assert not Event.objects.exists()
        assert not Tag.objects.exists()

    def test_an_organisation_that_is_no_university_nor_club_is_refused(self, campus, make_user):
        business = OrganizationFactory()
        Membership.objects.create(organization=business, user=campus.manager, role=Role.MANAGER)
        error(create(campus, organization=business), 400, "organizer_kind_not_supported")
        assert not Event.objects.exists()

    def test_permissions(self, campus):
        error(create(campus, "agent"), 403, "permission_denied")
        error(create(campus, "student"), 404, "organization_not_found")
        error(create(campus, "other_manager"), 404, "organization_not_found")
        response = APIClient().post(
            f"{API}/organizations/{campus.university.pk}/events/", payload(), format="json"
        )
        error(response, 401, "not_authenticated")
        assert not Event.objects.exists()


class TestOrganiserList:
    def test_lists_drafts_with_filters_for_agents(self, campus):
        draft = EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        published = EventFactory(organization=campus.university)
        EventFactory(organization=campus.other)
        url = f"{API}/organizations/{campus.university.pk}/events/"
        response = campus.clients["agent"].get(url)
        assert response.status_code == 200, response.content
        ids = [row["id"] for row in response.json()["results"]]
        assert set(ids) == {str(draft.pk), str(published.pk)}
        response = campus.clients["agent"].get(url, {"status": "draft"})
        assert [row["id"] for row in response.json()["results"]] == [str(draft.pk)]
        later = published.starts_at + timedelta(minutes=1)
        response = campus.clients["agent"].get(url, {"starts_after": iso(later)})
        assert response.json()["results"] == []
        error(campus.clients["agent"].get(url, {"status": "nope"}), 400, "invalid")
        error(campus.clients["other_manager"].get(url), 404, "organization_not_found")
        error(APIClient().get(url), 401)

    def test_query_count_does_not_grow_with_the_page(self, campus, django_assert_max_num_queries):
        url = f"{API}/organizations/{campus.university.pk}/events/"
        client = campus.clients["manager"]
        EventFactory(organization=campus.university)
        client.get(url)  # warm-up (token, caches)
        with django_assert_max_num_queries(12) as small:
            client.get(url, {"page_size": 1})
        for _ in range(15):
            event = EventFactory(organization=campus.university)
            event.tags.set(Tag.objects.bulk_create([Tag(slug=f"t-{event.pk.hex[:8]}")]))
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = client.get(url, {"page_size": 16})
        assert len(response.json()["results"]) == 16


class TestManage:
    def test_get_patch_publish(self, campus):
        event_id = create(campus).json()["id"]
        url = f"{API}/events/{event_id}/manage/"
        assert campus.clients["agent"].get(url).json()["status"] == "draft"
        response = campus.clients["manager"].patch(
            url,
            {"title": "Hackathon 2", "tags": ["web"], "visibility": "university"},
            format="json",
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["title"] == "Hackathon 2"
        assert body["tags"] == ["ia", "tech", "web"]  # the description's hashtags stay
        assert body["visibility"] == "university"
        response = campus.clients["manager"].post(f"{API}/events/{event_id}/publish/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "published"
        assert response.json()["published_at"]
        # Publishing again changes nothing.
        again = campus.clients["manager"].post(f"{API}/events/{event_id}/publish/")
        assert again.json()["published_at"] == response.json()["published_at"]

    def test_bad_patch_is_400_and_changes_nothing(self, campus):
        event = EventFactory(organization=campus.university, title="Before")
        url = f"{API}/events/{event.pk}/manage/"
        earlier = iso(event.starts_at - timedelta(hours=1))
        error(
            campus.clients["manager"].patch(url, {"title": "X", "ends_at": earlier}, format="json"),
            400,
            "event_invalid_dates",
        )
        error(campus.clients["manager"].patch(url, {"status": "draft"}, format="json"), 400)
        event.refresh_from_db()
        assert event.title == "Before"

    def test_a_cancelled_event_cannot_change(self, campus):
        event = EventFactory(organization=campus.university, status=EventStatus.CANCELLED)
        error(
            campus.clients["manager"].patch(
                f"{API}/events/{event.pk}/manage/", {"title": "X"}, format="json"
            ),
            409,
            "event_not_editable",
        )
        error(campus.clients["manager"].post(f"{API}/events/{event.pk}/publish/"), 409)

    def test_publishing_a_started_event_is_409(self, campus):
        event = EventFactory(
            organization=campus.university,
            status=EventStatus.DRAFT,
            starts_at=timezone.now() - timedelta(hours=1),
        )
        error(
            campus.clients["manager"].post(f"{API}/events/{event.pk}/publish/"),
            409,
            "event_started",
        )
        event.refresh_from_db()
        assert event.status == EventStatus.DRAFT

    def test_permissions_and_other_organisations(self, campus):
        event = EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        url = f"{API}/events/{event.pk}/manage/"
        error(campus.clients["agent"].patch(url, {"title": "X"}, format="json"), 403)
        error(campus.clients["agent"].post(f"{API}/events/{event.pk}/publish/"), 403)
        error(campus.clients["agent"].delete(url), 403)
        for who in ("other_manager", "student", "club_admin"):
            error(campus.clients[who].get(url), 404, "event_not_found")
            error(campus.clients[who].patch(url, {"title": "X"}, format="json"), 404)
            error(campus.clients[who].post(f"{API}/events/{event.pk}/publish/"), 404)
        error(APIClient().patch(url, {"title": "X"}, format="json"), 401)
        event.refresh_from_db()
        assert event.status == EventStatus.DRAFT

    def test_delete_only_a_draft_without_orders(self, campus):
        published = EventFactory(organization=campus.university)
        error(
            campus.clients["manager"].delete(f"{API}/events/{published.pk}/manage/"),
            409,
            "event_not_draft",
        )
        with_order = EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        Order.objects.create(
            organization=campus.university,
            event=with_order,
            buyer=campus.student,
            status=OrderStatus.EXPIRED,
            currency="XOF",
        )
        error(
            campus.clients["manager"].delete(f"{API}/events/{with_order.pk}/manage/"),
            409,
            "event_has_orders",
        )
        draft = EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        response = campus.clients["manager"].delete(f"{API}/events/{draft.pk}/manage/")
        assert response.status_code == 204
        assert set(Event.objects.values_list("pk", flat=True)) == {published.pk, with_order.pk}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue()


class TestCover:
    def test_upload_replaces_the_cover(self, campus, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        event = EventFactory(organization=campus.university)
        url = f"{API}/events/{event.pk}/cover/"
        upload = SimpleUploadedFile("c.png", png_bytes() + b"<script>", content_type="image/png")
        response = campus.clients["manager"].post(url, {"cover": upload}, format="multipart")
        assert response.status_code == 200, response.content
        assert response.json()["cover"].endswith(".png")
        event.refresh_from_db()
        stored = event.cover.read()
        assert b"<script>" not in stored

    def test_invalid_image_and_permissions(self, campus, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        event = EventFactory(organization=campus.university)
        url = f"{API}/events/{event.pk}/cover/"
        fake = SimpleUploadedFile("c.png", b"not an image", content_type="image/png")
        error(campus.clients["manager"].post(url, {"cover": fake}, format="multipart"), 400)
        image = SimpleUploadedFile("c.png", png_bytes(), content_type="image/png")
        error(campus.clients["agent"].post(url, {"cover": image}, format="multipart"), 403)
        image = SimpleUploadedFile("c.png", png_bytes(), content_type="image/png")
        error(campus.clients["other_manager"].post(url, {"cover": image}, format="multipart"), 404)
        error(campus.clients["manager"].post(url, {"cover": "x"}, format="json"), 415)
        event.refresh_from_db()
        assert not event.cover


# --- The public side ----------------------------------------------------------------------


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


class TestPublicList:
    def test_only_what_the_reader_may_see(self, campus):
        public = EventFactory(organization=campus.university)
        uni_only = EventFactory(
            organization=campus.university, visibility=EventVisibility.UNIVERSITY
        )
        EventFactory(organization=campus.university, visibility=EventVisibility.INVITE)
        EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        EventFactory(
            organization=campus.university,
            starts_at=timezone.now() - timedelta(days=2),
            ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
        )
        assert ids(APIClient().get(f"{API}/events/")) == [str(public.pk)]
        assert set(ids(campus.clients["student"].get(f"{API}/events/"))) == {
            str(public.pk),
            str(uni_only.pk),
        }
        assert ids(campus.clients["outsider"].get(f"{API}/events/")) == [str(public.pk)]
        past = ids(APIClient().get(f"{API}/events/", {"include_past": "true"}))
        assert len(past) == 2

    def test_filters(self, campus):
        club = campus.club
        tech = EventFactory(
            organization=club,
            university=campus.university,
            category=EventCategory.WORKSHOP,
            title="Atelier Django",
            price_from=0,
        )
        tech.tags.set([Tag.objects.create(slug="tech")])
        paid = EventFactory(organization=campus.other, title="Gala", price_from=5000)
        later = EventFactory(
            organization=campus.university,
            starts_at=timezone.now() + timedelta(days=20),
            ends_at=timezone.now() + timedelta(days=20, hours=2),
        )
        get = APIClient().get
        assert ids(get(f"{API}/events/", {"category": "workshop"})) == [str(tech.pk)]
        assert ids(get(f"{API}/events/", {"tag": "tech"})) == [str(tech.pk)]
        assert set(ids(get(f"{API}/events/", {"university": str(campus.university.pk)}))) == {
            str(tech.pk),
            str(later.pk),
        }
        assert ids(get(f"{API}/events/", {"organizer": str(club.pk)})) == [str(tech.pk)]
        assert ids(get(f"{API}/events/", {"free": "true"})) == [str(tech.pk)]
        assert ids(get(f"{API}/events/", {"free": "false"})) == [str(paid.pk)]
        assert ids(get(f"{API}/events/", {"q": "atelier django"})) == [str(tech.pk)]
        after = iso(timezone.now() + timedelta(days=10))
        assert ids(get(f"{API}/events/", {"starts_after": after})) == [str(later.pk)]
        assert str(later.pk) not in ids(get(f"{API}/events/", {"starts_before": after}))
        assert ids(get(f"{API}/events/", {"ordering": "-starts_at"}))[0] == str(later.pk)
        for bad in (
            {"category": "x"},
            {"university": "x"},
            {"ordering": "title"},
            {"free": "maybe"},
        ):
            error(get(f"{API}/events/", bad), 400, "invalid")

    def test_cursor_pagination_walks_every_event_once(self, campus):
        created = {str(EventFactory(organization=campus.university).pk) for _ in range(7)}
        seen, url, pages = [], f"{API}/events/?page_size=3", 0
        while url:
            response = APIClient().get(url)
            body = response.json()
            assert "count" not in body
            seen += [row["id"] for row in body["results"]]
            url, pages = body["next"], pages + 1
        assert pages == 3
        assert len(seen) == 7 and set(seen) == created
        error(APIClient().get(f"{API}/events/", {"cursor": "garbage"}), 404)

    def test_query_count_does_not_grow_with_the_page(self, campus, django_assert_max_num_queries):
        client = campus.clients["student"]
        EventFactory(organization=campus.university)
        client.get(f"{API}/events/")
        with django_assert_max_num_queries(12) as small:
            client.get(f"{API}/events/", {"page_size": 1})
        for _ in range(15):
            event = EventFactory(organization=campus.club, university=campus.university)
            event.tags.set([Tag.objects.create(slug=f"t-{event.pk.hex[:8]}")])
        with django_assert_max_num_queries(len(small.captured_queries)):
            response = client.get(f"{API}/events/", {"page_size": 16})
        assert len(response.json()["results"]) == 16


class TestPopular:
    def test_ranks_by_score_and_is_invalidated_when_an_event_changes(self, campus):
        quiet = EventFactory(organization=campus.university, title="Quiet")
        busy = EventFactory(organization=campus.university, sold_count=10, title="Busy")
        liked = EventFactory(organization=campus.university, favourites_count=5, title="Liked")
        response = APIClient().get(f"{API}/events/popular/")
        assert response.status_code == 200, response.content
        assert [row["id"] for row in response.json()] == [
            str(busy.pk),
            str(liked.pk),
            str(quiet.pk),
        ]
        assert "public" in response["Cache-Control"]
        etag = response["ETag"]
        assert APIClient().get(f"{API}/events/popular/", HTTP_IF_NONE_MATCH=etag).status_code == 304
        # A change through the API makes the cached answer stale at once.
        campus.clients["manager"].patch(
            f"{API}/events/{quiet.pk}/manage/", {"title": "Renamed"}, format="json"
        )
        titles = [row["title"] for row in APIClient().get(f"{API}/events/popular/").json()]
        assert "Renamed" in titles
        error(APIClient().get(f"{API}/events/popular/", {"limit": 500}), 400, "invalid")


class TestDetail:
    def test_counts_a_view_once_per_viewer_per_day(self, campus):
        event = EventFactory(organization=campus.university)
        url = f"{API}/events/{event.pk}/"
        for _ in range(2):
            assert campus.clients["student"].get(url).status_code == 200
            assert APIClient().get(url, HTTP_USER_AGENT="Phone A").status_code == 200
        assert APIClient().get(url, HTTP_USER_AGENT="Phone B").status_code == 200
        event.refresh_from_db()
        assert event.views_count == 3
        assert EventView.objects.filter(event=event).count() == 3
        viewers = list(EventView.objects.values_list("viewer", flat=True))
        assert str(campus.student.pk) in viewers
        assert not any("127.0.0.1" in viewer for viewer in viewers)
        assert all(len(viewer) == 64 for viewer in viewers if viewer != str(campus.student.pk))

    def test_hidden_events_are_404(self, campus):
        draft = EventFactory(organization=campus.university, status=EventStatus.DRAFT)
        uni_only = EventFactory(
            organization=campus.university, visibility=EventVisibility.UNIVERSITY
        )
        error(APIClient().get(f"{API}/events/{draft.pk}/"), 404, "event_not_found")
        error(campus.clients["manager"].get(f"{API}/events/{draft.pk}/"), 404)
        error(campus.clients["outsider"].get(f"{API}/events/{uni_only.pk}/"), 404)
        assert campus.clients["student"].get(f"{API}/events/{uni_only.pk}/").status_code == 200
        assert not EventView.objects.filter(event=draft).exists()


class TestReferenceLists:
    def test_categories_in_the_readers_language(self, campus):
        english = APIClient().get(f"{API}/categories/", HTTP_ACCEPT_LANGUAGE="en").json()
        assert {"value": "career", "label": "Career and jobs"} in english
        assert len(english) == len(EventCategory.choices)

    def test_tags_by_prefix(self, campus):
        Tag.objects.bulk_create([Tag(slug=s) for s in ("tech", "teranga", "sport")])
        assert [
            t["slug"] for t in APIClient().get(f"{API}/tags/", {"q": "#Te"}).json()["results"]
        ] == [
            "tech",
            "teranga",
        ]
        error(APIClient().get(f"{API}/tags/", {"q": "x" * 60}), 400)
