"""The calendar API over HTTP: my agenda across products, secret iCal feeds (user and
organisation), and one booking as .ics — with the access rules of each."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import icalendar
import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from teranga.core.registry import thawed
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import BranchFactory, member, user
from teranga.platform.scheduling import services
from teranga.platform.scheduling.extensions import booking_links
from teranga.platform.scheduling.models import Booking, BookingStatus, CalendarFeed, Resource
from teranga.platform.scheduling.tests.factories import BusinessFactory, offering

from .factories import utc

pytestmark = pytest.mark.django_db

API = "/api/v1/calendar"
NOW = utc(2026, 3, 1, 8)  # Sunday 1 March 2026
MONDAY_10 = utc(2026, 3, 2, 10)
MONDAY_11 = utc(2026, 3, 2, 11)
TUESDAY_10 = utc(2026, 3, 3, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(service, who, starts_at=MONDAY_10, **extra):
    return services.booking_create(
        resource=service.resource,
        client=who,
        source="test.product",
        offering=service.offering_key,
        title=service.name,
        starts_at=starts_at,
        policy=service.slot_policy(),
        **extra,
    )


@pytest.fixture
def world():
    """A business ("Salon Awa", owner, agent, plain member) whose resource is the staff
    member ``staff``; client ``ana`` booked Monday 10:00, ``bob`` Monday 11:00, and
    ``ana``'s hold on Tuesday lapsed."""
    organization = BusinessFactory(name="Salon Awa")
    service = offering(organization=organization, name="Tresses")
    people = {
        "owner": member(organization, Role.OWNER),
        "agent": member(organization, Role.AGENT),
        "member": member(organization, Role.MEMBER),
        "staff": member(organization, Role.AGENT),
        "ana": user(first_name="Ana"),
        "bob": user(first_name="Bob"),
        "stranger": user(),
    }
    branch = BranchFactory(organization=organization, name="Point E", address="Rue 10")
    Resource.objects.filter(pk=service.resource.pk).update(user=people["staff"], branch=branch)
    service.resource.refresh_from_db()
    bookings = {
        "ana": book(service, people["ana"], MONDAY_10),
        "bob": book(service, people["bob"], MONDAY_11),
        "hold": book(service, people["ana"], TUESDAY_10, hold=True),
    }
    Booking.objects.filter(pk=bookings["hold"].pk).update(hold_expires_at=NOW)
    return service, people, bookings


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def uid(booking) -> str:
    return f"{booking.pk}@teranga"


# --- Agenda -------------------------------------------------------------------------------------


def test_agenda_of_a_client(world, client_for):
    _service, people, bookings = world
    response = client_for(people["ana"]).get(f"{API}/")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["id"] for r in results] == [str(bookings["ana"].pk)]  # the lapsed hold is out
    entry = results[0]
    assert entry["source"] == "test.product"
    assert entry["title"] == "Tresses"
    assert entry["status"] == "confirmed"
    assert entry["organization"]["name"] == "Salon Awa"
    assert entry["role"] == "client"
    assert entry["starts_at"].startswith("2026-03-02T10:00:00")
    assert entry["time_zone"] == "Africa/Dakar"
    assert entry["link"] == ""  # no product registered a link for "test.product"


def test_agenda_of_the_staff_member_who_is_the_resource(world, client_for):
    _service, people, bookings = world
    results = client_for(people["staff"]).get(f"{API}/").json()["results"]
    assert [r["id"] for r in results] == [str(bookings["ana"].pk), str(bookings["bob"].pk)]
    assert {r["role"] for r in results} == {"staff"}


def test_agenda_is_personal(world, client_for):
    _service, people, _bookings = world
    assert client_for(people["stranger"]).get(f"{API}/").json()["results"] == []
    # Owning the organisation does not put its bookings in my agenda (feeds do that).
    assert client_for(people["owner"]).get(f"{API}/").json()["results"] == []
    bob = client_for(people["bob"]).get(f"{API}/").json()["results"]
    assert [r["title"] for r in bob] == ["Tresses"] and bob[0]["starts_at"].startswith(
        "2026-03-02T11:00"
    )


def test_agenda_range_and_cancelled_bookings(world, client_for):
    _service, people, bookings = world
    services.booking_cancel(booking_id=bookings["bob"].pk, by_client=True, actor=people["bob"])
    client = client_for(people["staff"])
    results = client.get(
        f"{API}/", {"from": "2026-03-02T10:30:00Z", "to": "2026-03-02T12:00:00Z"}
    ).json()["results"]
    assert [(r["id"], r["status"]) for r in results] == [
        (str(bookings["ana"].pk), "confirmed"),  # overlaps the range's start
        (str(bookings["bob"].pk), "cancelled_by_client"),
    ]
    later = client.get(f"{API}/", {"from": "2026-03-02T12:00:00Z"}).json()["results"]
    assert later == []
    # "to" before the default start (a day ago)
    assert client.get(f"{API}/", {"to": "2026-02-28T00:00:00Z"}).status_code == 400


def test_agenda_with_a_product_link(world, client_for):
    _service, people, bookings = world
    with thawed(booking_links):
        booking_links.register("test.product", lambda b: f"/api/v1/test/things/{b.pk}/")
        entry = client_for(people["ana"]).get(f"{API}/").json()["results"][0]
    assert entry["link"] == f"/api/v1/test/things/{bookings['ana'].pk}/"


def test_agenda_bad_input(world, client_for):
    _service, people, _bookings = world
    client = client_for(people["ana"])
    assert_error(client.get(f"{API}/", {"from": "yesterday"}), 400, "invalid")
    error = assert_error(
        client.get(f"{API}/", {"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}),
        400,
    )
    assert "to" in error["fields"]
    error = assert_error(
        client.get(f"{API}/", {"from": "2026-01-01T00:00:00Z", "to": "2027-01-03T00:00:00Z"}),
        400,
    )
    assert "to" in error["fields"]
    ok = client.get(f"{API}/", {"from": "2026-01-01T00:00:00Z", "to": "2027-01-01T00:00:00Z"})
    assert ok.status_code == 200


def test_agenda_anonymous(api):
    assert_error(api.get(f"{API}/"), 401, "not_authenticated")


def test_agenda_query_count_does_not_grow(client_for, django_assert_max_num_queries):
    staff = user()
    for index in range(12):
        organization = BusinessFactory()
        service = offering(organization=organization)
        Membership.objects.create(organization=organization, user=staff, role=Role.AGENT)
        Resource.objects.filter(pk=service.resource.pk).update(user=staff)
        book(service, user(), MONDAY_10 + timedelta(hours=index % 3))
    client = client_for(staff)
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/", {"page_size": 12})
    assert len(response.json()["results"]) == 12


# --- Feeds ----------------------------------------------------------------------------------------


def create_feed(client, **body):
    response = client.post(f"{API}/feeds/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_user_feed_round_trip(world, client_for, api):
    _service, people, bookings = world
    client = client_for(people["ana"])
    created = create_feed(client, name="Mes rendez-vous")
    assert created["organization"] is None and created["name"] == "Mes rendez-vous"
    url = urlsplit(created["url"])
    assert created["url"].startswith(settings.TERANGA["PUBLIC_URL"])
    assert url.path.startswith("/calendar/") and url.path.endswith(".ics")  # not the API
    assert created["webcal_url"] == "webcal://" + created["url"].split("://", 1)[1]
    feed = CalendarFeed.objects.get(pk=created["id"])
    assert url.path.split("/")[-1][: -len(".ics")] not in feed.token_hash  # only a digest

    calendar = parse(api.get(url.path, HTTP_ACCEPT="text/calendar"))
    assert calendar["VERSION"] == "2.0"
    assert "Teranga" in str(calendar["PRODID"])
    assert str(calendar["X-WR-CALNAME"]) == "Mes rendez-vous"
    assert str(calendar["X-WR-TIMEZONE"]) == "Africa/Dakar"
    found = events(calendar)
    assert set(found) == {uid(bookings["ana"])}  # the lapsed hold is out
    event = found[uid(bookings["ana"])]
    assert event.start == MONDAY_10 and event.end == MONDAY_10 + timedelta(hours=1)
    assert event["DTSTART"].to_ical() == b"20260302T100000Z"
    assert str(event["SUMMARY"]) == "Tresses"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Point E, Rue 10"
    assert int(event["SEQUENCE"]) == 0
    assert "DTSTAMP" in event
    feed.refresh_from_db()
    assert feed.last_used_at == NOW

    listed = client.get(f"{API}/feeds/").json()["results"]
    assert [f["id"] for f in listed] == [created["id"]]
    assert "url" not in listed[0] and "token" not in str(listed[0])


def test_feed_follows_changes_with_status_and_sequence(world, client_for, api):
    service, people, bookings = world
    created = create_feed(client_for(people["staff"]))
    path = urlsplit(created["url"]).path
    services.booking_reschedule(
        booking_id=bookings["ana"].pk,
        starts_at=TUESDAY_10 + timedelta(hours=1),
        policy=service.slot_policy(),
        by_client=False,
    )
    services.booking_cancel(booking_id=bookings["bob"].pk, by_client=False, reason="Fermé")
    pending = book(service, people["stranger"], utc(2026, 3, 4, 9), confirm=False)
    found = events(parse(api.get(path)))
    assert set(found) == {uid(bookings["ana"]), uid(bookings["bob"]), uid(pending)}
    moved = found[uid(bookings["ana"])]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.start == TUESDAY_10 + timedelta(hours=1)
    assert "Ana" in str(moved["SUMMARY"])  # the staff member sees who comes
    assert str(found[uid(bookings["bob"])]["STATUS"]) == "CANCELLED"
    assert "Fermé" in str(found[uid(bookings["bob"])]["DESCRIPTION"])
    assert str(found[uid(pending)]["STATUS"]) == "TENTATIVE"


def test_feed_covers_30_days_back_to_365_ahead(world, client_for, api, frozen):
    service, people, bookings = world
    created = create_feed(client_for(people["ana"]))
    path = urlsplit(created["url"]).path
    frozen.move_to(MONDAY_10 + timedelta(days=31))
    assert events(parse(api.get(path))) == {}
    frozen.move_to(MONDAY_10 + timedelta(days=29))
    assert set(events(parse(api.get(path)))) == {uid(bookings["ana"])}


def test_revoked_feed_is_404(world, client_for, api):
    _service, people, _bookings = world
    client = client_for(people["ana"])
    created = create_feed(client)
    path = urlsplit(created["url"]).path
    assert api.get(path).status_code == 200
    response = client.delete(f"{API}/feeds/{created['id']}/")
    assert response.status_code == 204
    assert_error(api.get(path), 404, "feed_not_found")
    assert client.get(f"{API}/feeds/").json()["results"] == []
    assert client.delete(f"{API}/feeds/{created['id']}/").status_code == 204  # idempotent


def test_unknown_or_malformed_token_is_404(api):
    assert_error(api.get(f"/calendar/{'x' * 43}.ics"), 404, "feed_not_found")
    assert api.get("/calendar/bad%20token.ics").status_code == 404


def test_another_users_feed_cannot_be_revoked(world, client_for):
    _service, people, _bookings = world
    created = create_feed(client_for(people["ana"]))
    assert_error(
        client_for(people["bob"]).delete(f"{API}/feeds/{created['id']}/"), 404, "feed_not_found"
    )
    assert CalendarFeed.objects.get(pk=created["id"]).revoked_at is None
    assert client_for(people["bob"]).get(f"{API}/feeds/").json()["results"] == []


def test_organization_feed(world, client_for, api):
    _service, people, bookings = world
    created = create_feed(client_for(people["agent"]), organization=str(world[0].organization_id))
    assert created["organization"] == str(world[0].organization_id)
    assert created["organization_name"] == "Salon Awa"
    calendar = parse(api.get(urlsplit(created["url"]).path))
    assert str(calendar["X-WR-CALNAME"]) == "Salon Awa"
    assert set(events(calendar)) == {uid(bookings["ana"]), uid(bookings["bob"])}


def test_organization_feed_permissions(world, client_for):
    service, people, _bookings = world
    body = {"organization": str(service.organization_id)}
    assert_error(
        client_for(people["member"]).post(f"{API}/feeds/", body, format="json"),
        403,
        "permission_denied",
    )
    assert_error(
        client_for(people["stranger"]).post(f"{API}/feeds/", body, format="json"),
        404,
        "organization_not_found",
    )
    other = BusinessFactory()
    assert_error(
        client_for(people["owner"]).post(
            f"{API}/feeds/", {"organization": str(other.pk)}, format="json"
        ),
        404,
    )
    assert CalendarFeed.objects.count() == 0


def test_organization_feed_of_someone_who_left_is_404(world, client_for, api):
    service, people, _bookings = world
    created = create_feed(client_for(people["agent"]), organization=str(service.organization_id))
    path = urlsplit(created["url"]).path
    assert api.get(path).status_code == 200
    Membership.objects.filter(user=people["agent"]).update(role=Role.MEMBER)
    assert_error(api.get(path), 404, "feed_not_found")
    Membership.objects.filter(user=people["agent"]).delete()
    assert_error(api.get(path), 404, "feed_not_found")


def test_feed_bad_input_and_anonymous(world, client_for, api):
    _service, people, _bookings = world
    client = client_for(people["ana"])
    assert_error(client.post(f"{API}/feeds/", {"organization": "nope"}, format="json"), 400)
    assert_error(client.post(f"{API}/feeds/", {"name": "x" * 101}, format="json"), 400)
    error = assert_error(client.post(f"{API}/feeds/", {"token": "mine"}, format="json"), 400)
    assert "token" in error["fields"]
    assert CalendarFeed.objects.count() == 0
    assert_error(api.get(f"{API}/feeds/"), 401, "not_authenticated")
    assert_error(api.post(f"{API}/feeds/", {}, format="json"), 401)
    assert_error(api.delete(f"{API}/feeds/{uuid.uuid4()}/"), 401)
    assert client.delete(f"{API}/feeds/not-a-uuid/").status_code == 404


def test_feed_is_throttled_per_token(world, client_for, api):
    _service, people, _bookings = world
    first = urlsplit(create_feed(client_for(people["ana"]))["url"]).path
    second = urlsplit(create_feed(client_for(people["bob"]))["url"]).path
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "calendar_feed": "2/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        assert api.get(first).status_code == 200
        assert api.get(first).status_code == 200
        assert_error(api.get(first), 429, "throttled")
        assert api.get(second).status_code == 200  # another token, its own budget


def test_guessing_feed_tokens_is_throttled_per_address(world, client_for, api):
    _service, people, _bookings = world
    valid = urlsplit(create_feed(client_for(people["ana"]))["url"]).path
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "calendar_feed_miss": "3/hour"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        for guess in range(3):
            assert_error(api.get(f"/calendar/guess{guess}.ics"), 404, "feed_not_found")
        assert_error(api.get("/calendar/guess3.ics"), 429, "throttled")
        # Valid feeds fetched from that address are not what is limited... but once the
        # address has guessed too often, it waits like any other abuser.
        assert_error(api.get(valid), 429, "throttled")


def test_valid_feeds_do_not_count_as_misses(world, client_for, api):
    _service, people, _bookings = world
    valid = urlsplit(create_feed(client_for(people["ana"]))["url"]).path
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "calendar_feed_miss": "2/hour"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        for _ in range(5):
            assert api.get(valid).status_code == 200


def test_feed_ignores_a_bad_authorization_header(world, client_for, api):
    _service, people, _bookings = world
    path = urlsplit(create_feed(client_for(people["ana"]))["url"]).path
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get(path).status_code == 200


# --- One booking as .ics ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ana", "staff", "agent", "owner"])
def test_booking_ics_for_its_people(world, client_for, who):
    _service, people, bookings = world
    response = client_for(people[who]).get(f"{API}/bookings/{bookings['ana'].pk}.ics")
    calendar = parse(response)
    assert f"booking-{bookings['ana'].pk}.ics" in response["Content-Disposition"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == uid(bookings["ana"])
    assert event.start == MONDAY_10
    summary = str(event["SUMMARY"])
    assert summary == "Tresses" if who == "ana" else "Ana" in summary


@pytest.mark.parametrize("who", ["bob", "member", "stranger"])
def test_booking_ics_is_404_for_anyone_else(world, client_for, who):
    _service, people, bookings = world
    response = client_for(people[who]).get(f"{API}/bookings/{bookings['ana'].pk}.ics")
    assert_error(response, 404, "booking_not_found")


def test_booking_ics_of_another_organisation_is_404(world, client_for):
    _service, people, _bookings = world
    other_service = offering()
    other = book(other_service, user())
    assert_error(
        client_for(people["owner"]).get(f"{API}/bookings/{other.pk}.ics"), 404, "booking_not_found"
    )


def test_booking_ics_bad_input_and_anonymous(world, client_for, api):
    _service, people, bookings = world
    client = client_for(people["ana"])
    assert_error(client.get(f"{API}/bookings/{uuid.uuid4()}.ics"), 404)
    assert_error(client.get(f"{API}/bookings/{bookings['hold'].pk}.ics"), 404)  # lapsed hold
    assert client.get(f"{API}/bookings/not-a-uuid.ics").status_code == 404
    assert_error(api.get(f"{API}/bookings/{bookings['ana'].pk}.ics"), 401, "not_authenticated")
    assert bookings["ana"].status == BookingStatus.CONFIRMED
