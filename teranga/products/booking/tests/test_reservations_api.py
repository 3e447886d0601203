"""Reservations through HTTP: booking, the lifecycle, the policies, every error code,
who may see and do what, the lists, and booking under real concurrency (threads)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection, connections

from conftest import authed_client, create_user
from teranga.core.links import object_link
from teranga.platform.organizations.models import VerificationStatus
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import Booking, BookingEvent, BookingStatus
from teranga.products.booking.models import Reservation
from teranga.products.booking.tests.conftest import NOW
from teranga.products.booking.tests.factories import (
    BusinessFactory,
    ServiceFactory,
)

API = "/api/v1/booking"
#: Monday 2 March 2026, 08:00 in Dakar (UTC+0): the service opens at 9:00.


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def book(client, service, starts_at: datetime, **extra):
    return client.post(
        f"{API}/reservations/",
        {"service": str(service.pk), "starts_at": iso(starts_at), **extra},
        format="json",
    )


def action(client, reservation_id, name: str, body: dict | None = None):
    return client.post(f"{API}/reservations/{reservation_id}/{name}/", body or {}, format="json")


def status_of(reservation_id) -> str:
    return Reservation.objects.select_related("booking").get(pk=reservation_id).booking.status


def relogin(shop) -> None:
    """Access tokens live 5 minutes: log everyone in again after moving the clock."""
    shop.api = {name: authed_client(user) for name, user in shop.users.items()}


# --- Booking -----------------------------------------------------------------------------------


class TestCreate:
    def test_books_a_free_slot(self, shop):
        response = book(shop.api["alice"], shop.service, at(3, 10), client_note="Cheveux courts")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "confirmed"
        assert body["starts_at"] == "2026-03-03T10:00:00Z"
        assert body["ends_at"] == "2026-03-03T11:00:00Z"
        assert body["price"]["amount"] == 5000 and body["price"]["currency"] == "XOF"
        assert body["service"] == {
            "id": str(shop.service.pk),
            "name": "Coupe",
            "duration_minutes": 60,
        }
        assert body["organization"]["name"] == "Salon Awa"
        assert body["client"]["email"] == "alice@example.test"
        assert body["client_note"] == "Cheveux courts"
        assert body["reference"] == body["id"].replace("-", "")[:8].upper()
        assert body["viewer_side"] == "client"
        assert body["can_cancel"] is True and body["can_reschedule"] is True
        assert body["cancellation_deadline"] == "2026-03-02T10:00:00Z"
        assert [event["action"] for event in body["history"]] == ["created"]
        assert body["history"][0]["actor_side"] == "client"
        reservation = Reservation.objects.get(pk=body["id"])
        assert reservation.booking.source == "booking"
        assert reservation.booking.offering == shop.service.offering_key
        assert reservation.booking.title == "Coupe"
        assert reservation.booking.client == shop.users["alice"]
        assert reservation.organization == shop.business

    def test_service_requiring_confirmation_stays_pending(self, shop):
        shop.service.requires_confirmation = True
        shop.service.save()
        response = book(shop.api["alice"], shop.service, at(3, 10))
        assert response.status_code == 201
        assert response.json()["status"] == "pending"
        assert response.json()["hold_expires_at"] is None

    def test_hold_is_pending_for_five_minutes(self, shop):
        response = book(shop.api["alice"], shop.service, at(3, 10), hold=True)
        assert response.status_code == 201
        assert response.json()["status"] == "pending"
        assert response.json()["hold_expires_at"] == "2026-03-02T08:05:00Z"

    @pytest.mark.parametrize(
        ("starts_at", "status", "code"),
        [
            (at(1, 10), 400, "booking_in_past"),  # yesterday (a Sunday, too)
            (at(2, 7), 400, "booking_in_past"),  # an hour ago
            (at(3, 13), 400, "outside_availability"),  # the lunch break
            (at(3, 10, 30), 400, "outside_availability"),  # not a slot start
            (at(8, 10), 400, "outside_availability"),  # Sunday
            (at(3, 18), 400, "outside_availability"),  # closing time
            (at(2, 8, 30), 400, "notice_too_short"),
            (at(15, 10, month=7), 400, "too_far_ahead"),
        ],
    )
    def test_time_rules(self, shop, starts_at, status, code):
        if code == "notice_too_short":
            shop.service.min_notice_minutes = 180
            shop.service.save()
            starts_at = at(2, 10)
        response = book(shop.api["alice"], shop.service, starts_at)
        assert_error(response, status, code)
        assert not Reservation.objects.exists()
        assert not Booking.objects.exists()

    def test_inactive_service_is_409(self, shop):
        shop.service.is_active = False
        shop.service.save()
        assert_error(book(shop.api["alice"], shop.service, at(3, 10)), 409, "service_inactive")
        assert not Booking.objects.exists()

    def test_unverified_organisation_is_409(self, shop):
        shop.business.verification_status = VerificationStatus.SUSPENDED
        shop.business.save()
        response = book(shop.api["alice"], shop.service, at(3, 10))
        assert_error(response, 409, "organization_not_verified")
        assert not Booking.objects.exists()

    def test_full_slot_is_409(self, shop):
        assert book(shop.api["alice"], shop.service, at(3, 10)).status_code == 201
        assert_error(book(shop.api["bob"], shop.service, at(3, 10)), 409, "slot_full")
        assert Reservation.objects.count() == 1

    def test_client_cannot_overlap_their_own_bookings(self, shop):
        other_service = ServiceFactory(
            payment_mode="on_site", organization=shop.other, name="Massage"
        )
        assert book(shop.api["alice"], shop.service, at(3, 10)).status_code == 201
        response = book(shop.api["alice"], other_service, at(3, 10))
        assert_error(response, 409, "client_overlap")
        assert Reservation.objects.count() == 1

    def test_unknown_service_is_404(self, shop):
        response = shop.api["alice"].post(
            f"{API}/reservations/",
            {"service": "00000000-0000-0000-0000-000000000000", "starts_at": iso(at(3, 10))},
            format="json",
        )
        assert_error(response, 404, "service_not_found")

    @pytest.mark.parametrize(
        "body",
        [
            {},
            {"starts_at": "2026-03-03T10:00:00Z"},
            {"service": "not-a-uuid", "starts_at": "2026-03-03T10:00:00Z"},
            {"service": "SERVICE", "starts_at": "tomorrow"},
            {"service": "SERVICE", "starts_at": "2026-03-03T10:00:00"},  # no offset
            {"service": "SERVICE", "starts_at": "2026-03-03T10:00:00Z", "price": 1},
            {"service": "SERVICE", "starts_at": "2026-03-03T10:00:00Z", "client_note": "x" * 1001},
        ],
    )
    def test_bad_input_is_400_and_changes_nothing(self, shop, body):
        body = {k: str(shop.service.pk) if v == "SERVICE" else v for k, v in body.items()}
        response = shop.api["alice"].post(f"{API}/reservations/", body, format="json")
        assert_error(response, 400, "invalid")
        assert not Booking.objects.exists()

    def test_offset_is_honoured(self, shop):
        # 11:00 in Paris (UTC+1 in March) is 10:00 in Dakar.
        response = shop.api["alice"].post(
            f"{API}/reservations/",
            {"service": str(shop.service.pk), "starts_at": "2026-03-03T11:00:00+01:00"},
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["starts_at"] == "2026-03-03T10:00:00Z"

    def test_anonymous_is_401(self, shop, api):
        assert_error(book(api, shop.service, at(3, 10)), 401, "not_authenticated")

    def test_booking_is_throttled(self, shop, settings):
        rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        assert "reservations" in rates, "config: the 'reservations' throttle scope is missing"
        limit = int(rates["reservations"].split("/")[0])
        for _ in range(limit):
            book(shop.api["alice"], shop.service, at(1, 10))  # 400s count too
        assert_error(book(shop.api["alice"], shop.service, at(3, 10)), 429, "throttled")


# --- Lifecycle ---------------------------------------------------------------------------------


class TestLifecycle:
    def test_book_confirm_complete(self, shop, clock):
        shop.service.requires_confirmation = True
        shop.service.save()
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        response = action(shop.api["agent"], reservation_id, "confirm")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "confirmed"
        assert response.json()["viewer_side"] == "business"
        assert_error(
            action(shop.api["agent"], reservation_id, "complete"), 409, "booking_not_started"
        )
        clock.move_to(at(3, 10, 30))
        relogin(shop)
        response = action(shop.api["agent"], reservation_id, "complete")
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "completed"
        assert [e["action"] for e in body["history"]] == ["created", "confirmed", "completed"]
        assert [e["to_status"] for e in body["history"]] == ["pending", "confirmed", "completed"]
        confirmed = body["history"][1]
        assert confirmed["actor_side"] == "business"
        assert confirmed["actor"]["email"] == shop.users["agent"].email
        assert_error(
            action(shop.api["agent"], reservation_id, "complete"), 409, "invalid_transition"
        )
        assert_error(
            action(shop.api["agent"], reservation_id, "no-show"), 409, "invalid_transition"
        )
        assert_error(action(shop.api["agent"], reservation_id, "cancel"), 409, "invalid_transition")

    def test_client_cancels_within_the_policy(self, shop):
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        response = action(shop.api["alice"], reservation_id, "cancel", {"reason": "Empêchée"})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "cancelled_by_client"
        assert body["cancellation_reason"] == "Empêchée"
        assert body["can_cancel"] is False
        assert body["history"][-1]["action"] == "cancelled"
        assert body["history"][-1]["reason"] == "Empêchée"
        # The slot is free again.
        assert book(shop.api["bob"], shop.service, at(3, 10)).status_code == 201

    def test_late_client_cancellation_is_refused_and_changes_nothing(self, shop):
        reservation_id = book(shop.api["alice"], shop.service, at(2, 15)).json()["id"]
        detail = shop.api["alice"].get(f"{API}/reservations/{reservation_id}/").json()
        assert detail["can_cancel"] is False
        assert detail["cancellation_deadline"] == "2026-03-01T15:00:00Z"
        events = BookingEvent.objects.count()
        response = action(shop.api["alice"], reservation_id, "cancel", {"reason": "Trop tard"})
        assert_error(response, 409, "cancellation_too_late")
        assert status_of(reservation_id) == "confirmed"
        assert BookingEvent.objects.count() == events

    def test_business_cancels_at_any_time(self, shop):
        reservation_id = book(shop.api["alice"], shop.service, at(2, 15)).json()["id"]
        response = action(shop.api["agent"], reservation_id, "cancel", {"reason": "Fermé"})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "cancelled_by_business"
        assert response.json()["can_cancel"] is False

    def test_client_cancels_a_pending_reservation_at_any_time(self, shop):
        shop.service.requires_confirmation = True
        shop.service.save()
        reservation_id = book(shop.api["alice"], shop.service, at(2, 15)).json()["id"]
        response = action(shop.api["alice"], reservation_id, "cancel")
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled_by_client"

    def test_reschedule_to_a_free_slot(self, shop):
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        response = action(
            shop.api["alice"], reservation_id, "reschedule", {"starts_at": iso(at(4, 15))}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["starts_at"] == "2026-03-04T15:00:00Z"
        assert body["status"] == "confirmed"
        last = body["history"][-1]
        assert last["action"] == "rescheduled"
        assert last["previous_starts_at"] == "2026-03-03T10:00:00Z"
        assert last["starts_at"] == "2026-03-04T15:00:00Z"
        # The old slot is free again, the new one is taken.
        assert book(shop.api["bob"], shop.service, at(3, 10)).status_code == 201
        assert_error(book(shop.api["bob"], shop.service, at(4, 15)), 409, "slot_full")

    def test_reschedule_to_a_taken_slot_is_409(self, shop):
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        assert book(shop.api["bob"], shop.service, at(4, 15)).status_code == 201
        response = action(
            shop.api["alice"], reservation_id, "reschedule", {"starts_at": iso(at(4, 15))}
        )
        assert_error(response, 409, "slot_full")
        reservation = Reservation.objects.select_related("booking").get(pk=reservation_id)
        assert reservation.booking.starts_at == at(3, 10)

    def test_reschedule_rules(self, shop):
        late_id = book(shop.api["alice"], shop.service, at(2, 15)).json()["id"]
        body = {"starts_at": iso(at(4, 10))}
        assert_error(
            action(shop.api["alice"], late_id, "reschedule", body), 409, "reschedule_too_late"
        )
        # The business may move it; its own minimum notice does not bind the business.
        response = action(shop.api["agent"], late_id, "reschedule", body)
        assert response.status_code == 200, response.content
        assert_error(action(shop.api["agent"], late_id, "reschedule", body), 400, "same_time")
        assert_error(
            action(shop.api["agent"], late_id, "reschedule", {"starts_at": iso(at(4, 13))}),
            400,
            "outside_availability",
        )
        assert_error(
            action(shop.api["agent"], late_id, "reschedule", {"starts_at": "soon"}), 400, "invalid"
        )
        assert_error(
            action(shop.api["agent"], late_id, "reschedule", {"when": iso(at(5, 10))}),
            400,
            "invalid",
        )

    def test_reschedule_into_own_other_booking_is_client_overlap(self, shop):
        other_service = ServiceFactory(
            payment_mode="on_site", organization=shop.other, name="Massage"
        )
        first = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        assert book(shop.api["alice"], other_service, at(4, 10)).status_code == 201
        response = action(shop.api["alice"], first, "reschedule", {"starts_at": iso(at(4, 10))})
        assert_error(response, 409, "client_overlap")

    def test_no_show_only_after_the_start(self, shop, clock):
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        assert_error(
            action(shop.api["agent"], reservation_id, "no-show"), 409, "booking_not_started"
        )
        clock.move_to(at(3, 10, 15))
        relogin(shop)
        response = action(shop.api["agent"], reservation_id, "no-show")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "no_show"
        assert response.json()["history"][-1]["action"] == "no_show"

    def test_paid_hold_is_confirmed_by_its_payment_not_by_hand(self, shop):
        reservation_id = book(shop.api["alice"], shop.online, at(3, 10), hold=True).json()["id"]
        assert_error(action(shop.api["alice"], reservation_id, "confirm"), 409, "payment_required")
        assert_error(action(shop.api["agent"], reservation_id, "confirm"), 409, "payment_required")
        detail = shop.api["alice"].get(f"/api/v1/booking/reservations/{reservation_id}/").json()
        assert detail["status"] == "pending"

    def test_client_confirms_their_hold_of_a_free_service(self, shop):
        shop.service.price_amount = 0
        shop.service.save(update_fields=["price_amount"])
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10), hold=True).json()["id"]
        response = action(shop.api["alice"], reservation_id, "confirm")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "confirmed"
        assert response.json()["hold_expires_at"] is None
        assert_error(
            action(shop.api["alice"], reservation_id, "confirm"), 409, "invalid_transition"
        )

    def test_expired_hold_is_410(self, shop, clock):
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10), hold=True).json()["id"]
        clock.move_to(NOW + timedelta(minutes=6))
        relogin(shop)
        assert_error(action(shop.api["alice"], reservation_id, "confirm"), 410, "hold_expired")
        # Once swept to "expired" it stays 410 (not a bare invalid transition).
        scheduling.holds_expire()
        assert status_of(reservation_id) == "expired"
        assert_error(action(shop.api["alice"], reservation_id, "confirm"), 410, "hold_expired")
        assert_error(action(shop.api["agent"], reservation_id, "confirm"), 410, "hold_expired")
        # And its slot is free for someone else.
        assert book(shop.api["bob"], shop.service, at(3, 10)).status_code == 201

    def test_actions_on_unknown_reservation_are_404(self, shop):
        missing = "00000000-0000-0000-0000-000000000000"
        for name in ("cancel", "confirm", "complete", "no-show"):
            assert_error(action(shop.api["agent"], missing, name), 404, "reservation_not_found")
        assert_error(
            shop.api["agent"].get(f"{API}/reservations/{missing}/"), 404, "reservation_not_found"
        )


# --- Who may do what -------------------------------------------------------------------------


class TestAccess:
    @pytest.fixture
    def reservation_id(self, shop):
        return book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]

    def test_another_client_cannot_see_or_touch_it(self, shop, reservation_id):
        bob = shop.api["bob"]
        assert_error(bob.get(f"{API}/reservations/{reservation_id}/"), 404, "reservation_not_found")
        for name in ("cancel", "confirm", "complete", "no-show"):
            assert_error(action(bob, reservation_id, name), 404, "reservation_not_found")
        response = action(bob, reservation_id, "reschedule", {"starts_at": iso(at(4, 10))})
        assert_error(response, 404, "reservation_not_found")
        assert status_of(reservation_id) == "confirmed"
        assert bob.get(f"{API}/reservations/").json()["count"] == 0

    def test_staff_of_another_organisation_gets_404(self, shop, reservation_id):
        other = shop.api["other_owner"]
        assert_error(other.get(f"{API}/reservations/{reservation_id}/"), 404)
        assert_error(action(other, reservation_id, "cancel"), 404, "reservation_not_found")
        response = other.get(f"{API}/reservations/", {"organization": str(shop.business.pk)})
        assert_error(response, 404, "organization_not_found")
        assert status_of(reservation_id) == "confirmed"

    def test_client_gets_403_on_business_actions(self, shop, reservation_id):
        for name in ("complete", "no-show"):
            assert_error(action(shop.api["alice"], reservation_id, name), 403, "permission_denied")
        response = action(shop.api["alice"], reservation_id, "cancel", {"as_business": True})
        assert_error(response, 403, "permission_denied")
        assert status_of(reservation_id) == "confirmed"

    def test_client_cannot_accept_a_reservation_awaiting_the_business(self, shop):
        shop.service.requires_confirmation = True
        shop.service.save()
        reservation_id = book(shop.api["alice"], shop.service, at(4, 10)).json()["id"]
        assert_error(action(shop.api["alice"], reservation_id, "confirm"), 403, "permission_denied")
        assert status_of(reservation_id) == "pending"

    def test_member_below_agent_gets_403(self, shop, reservation_id):
        plain = shop.api["plain"]
        assert_error(plain.get(f"{API}/reservations/{reservation_id}/"), 403)
        assert_error(action(plain, reservation_id, "cancel"), 403)
        response = plain.get(f"{API}/reservations/", {"organization": str(shop.business.pk)})
        assert_error(response, 403)

    def test_platform_staff_read_but_do_not_act(self, shop, reservation_id):
        staff = shop.api["staff"]
        response = staff.get(f"{API}/reservations/{reservation_id}/")
        assert response.status_code == 200
        assert response.json()["viewer_side"] == "business"
        response = staff.get(f"{API}/reservations/", {"organization": str(shop.business.pk)})
        assert response.json()["count"] == 1
        assert_error(action(staff, reservation_id, "cancel"), 403)

    def test_business_sees_the_client_and_history_emails(self, shop, reservation_id):
        response = shop.api["agent"].get(f"{API}/reservations/{reservation_id}/")
        assert response.status_code == 200
        body = response.json()
        assert body["viewer_side"] == "business"
        assert body["client"]["email"] == "alice@example.test"
        assert body["cancellation_deadline"] is None
        assert body["can_cancel"] is True

    def test_client_does_not_see_staff_emails(self, shop, reservation_id):
        action(shop.api["agent"], reservation_id, "cancel", {"reason": "Fermé"})
        history = shop.api["alice"].get(f"{API}/reservations/{reservation_id}/").json()["history"]
        assert history[-1]["actor_side"] == "business"
        staff_email = history[-1]["actor"]["email"]  # masked: a***@domain
        assert staff_email.startswith(staff_email[0] + "***@") and staff_email.count("*") == 3
        assert history[0]["actor"]["email"] == "alice@example.test"

    def test_member_booking_for_themselves_acts_as_client_unless_told(self, shop):
        agent = shop.api["agent"]
        reservation_id = book(agent, shop.service, at(2, 15)).json()["id"]
        assert_error(action(agent, reservation_id, "cancel"), 409, "cancellation_too_late")
        response = action(agent, reservation_id, "cancel", {"as_business": True})
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled_by_business"

    def test_anonymous_is_401(self, shop, reservation_id, api):
        assert_error(api.get(f"{API}/reservations/"), 401)
        assert_error(api.get(f"{API}/reservations/{reservation_id}/"), 401)
        assert_error(action(api, reservation_id, "cancel"), 401)


# --- Lists ---------------------------------------------------------------------------------------


class TestList:
    @pytest.fixture
    def dataset(self, shop, clock):
        """Alice: 3 reservations (one cancelled), Bob: 1; one on a second service. Made a
        second apart, in this order."""
        second = ServiceFactory(
            payment_mode="on_site", organization=shop.business, name="Barbe", price_amount=2000
        )
        ids = {}
        for key, client, service, starts_at in (
            ("a1", "alice", shop.service, at(3, 10)),
            ("a2", "alice", second, at(5, 9)),
            ("a3", "alice", shop.service, at(4, 11)),
            ("b1", "bob", shop.service, at(4, 9)),
        ):
            clock.shift(timedelta(seconds=1))
            ids[key] = book(shop.api[client], service, starts_at).json()["id"]
        action(shop.api["alice"], ids["a3"], "cancel")
        return SimpleNamespace(ids=ids, second=second)

    def ids(self, response) -> list[str]:
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["results"]]

    def test_client_sees_their_own_by_start(self, shop, dataset):
        ids = dataset.ids
        assert self.ids(shop.api["alice"].get(f"{API}/reservations/")) == [
            ids["a1"],
            ids["a3"],
            ids["a2"],
        ]
        assert self.ids(shop.api["bob"].get(f"{API}/reservations/")) == [ids["b1"]]
        response = shop.api["alice"].get(f"{API}/reservations/", {"ordering": "-starts_at"})
        assert self.ids(response) == [ids["a2"], ids["a3"], ids["a1"]]

    def test_filters(self, shop, dataset):
        ids, alice = dataset.ids, shop.api["alice"]
        url = f"{API}/reservations/"
        assert self.ids(alice.get(url, {"status": "cancelled_by_client"})) == [ids["a3"]]
        response = alice.get(url, {"status": ["cancelled_by_client", "confirmed"]})
        assert len(self.ids(response)) == 3
        assert self.ids(alice.get(url, {"date_from": "2026-03-04"})) == [ids["a3"], ids["a2"]]
        assert self.ids(alice.get(url, {"date_to": "2026-03-04"})) == [ids["a1"], ids["a3"]]
        response = alice.get(url, {"date_from": "2026-03-04", "date_to": "2026-03-04"})
        assert self.ids(response) == [ids["a3"]]
        assert self.ids(alice.get(url, {"service": str(dataset.second.pk)})) == [ids["a2"]]
        response = alice.get(url, {"ordering": "-created_at"})
        assert self.ids(response) == [ids["a3"], ids["a2"], ids["a1"]]

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "lost"},
            {"date_from": "yesterday"},
            {"date_from": "2026-03-05", "date_to": "2026-03-04"},
            {"ordering": "price"},
            {"service": "nope"},
            {"needs_attention": "true"},  # the client's own list has no such filter
            {"colour": "blue"},
        ],
    )
    def test_bad_filters_are_400(self, shop, dataset, params):
        assert_error(shop.api["alice"].get(f"{API}/reservations/", params), 400, "invalid")

    def test_organisation_list_for_its_staff(self, shop, dataset):
        ids = dataset.ids
        params = {"organization": str(shop.business.pk)}
        response = shop.api["agent"].get(f"{API}/reservations/", params)
        assert self.ids(response) == [ids["a1"], ids["b1"], ids["a3"], ids["a2"]]
        response = shop.api["agent"].get(
            f"{API}/reservations/", {**params, "status": "confirmed", "date_to": "2026-03-04"}
        )
        assert self.ids(response) == [ids["a1"], ids["b1"]]

    def test_needs_attention_filter(self, shop, dataset):
        Booking.objects.filter(reservation__pk=dataset.ids["b1"]).update(needs_attention=True)
        params = {"organization": str(shop.business.pk), "needs_attention": "true"}
        response = shop.api["agent"].get(f"{API}/reservations/", params)
        assert self.ids(response) == [dataset.ids["b1"]]
        assert response.json()["results"][0]["needs_attention"] is True
        params["needs_attention"] = "false"
        assert len(self.ids(shop.api["agent"].get(f"{API}/reservations/", params))) == 3

    def test_organisation_dates_are_in_its_time_zone(self, shop):
        # Paris is UTC+1 in March: 23:30 UTC on the 3rd is 00:30 on the 4th there.
        shop.business.time_zone = "Europe/Paris"
        shop.business.save()
        late = ServiceFactory(payment_mode="on_site", organization=shop.business, rules=False)
        reservation = Reservation.objects.create(
            booking=Booking.objects.create(
                organization=shop.business,
                resource=late.resource,
                client=shop.users["bob"],
                source="booking",
                offering=late.offering_key,
                title=late.name,
                starts_at=at(3, 23, 30),
                ends_at=at(4, 0, 30),
                occupied_from=at(3, 23, 30),
                occupied_until=at(4, 0, 30),
                status=BookingStatus.CONFIRMED,
            ),
            organization=shop.business,
            service=late,
            price_amount=5000,
            currency="XOF",
        )
        params = {"organization": str(shop.business.pk), "date_from": "2026-03-04"}
        assert str(reservation.pk) in self.ids(
            shop.api["agent"].get(f"{API}/reservations/", params)
        )
        # Bob's own list reads dates in UTC: that was the 3rd.
        response = shop.api["bob"].get(f"{API}/reservations/", {"date_to": "2026-03-03"})
        assert self.ids(response) == [str(reservation.pk)]

    def test_query_count_does_not_grow_with_page_size(
        self, shop, dataset, django_assert_max_num_queries
    ):
        for day in (6, 7, 9, 10):
            for hour in (9, 10, 11, 15):
                client = authed_client(create_user(f"c{day}-{hour}@example.test"))
                assert book(client, shop.service, at(day, hour)).status_code == 201
        params = {"organization": str(shop.business.pk)}
        with django_assert_max_num_queries(6) as small:
            first = shop.api["agent"].get(f"{API}/reservations/", {**params, "page_size": 2})
        with django_assert_max_num_queries(6) as large:
            every = shop.api["agent"].get(f"{API}/reservations/", {**params, "page_size": 50})
        assert len(first.json()["results"]) == 2
        assert len(every.json()["results"]) == 20
        assert len(small.captured_queries) == len(large.captured_queries)
        with django_assert_max_num_queries(5):
            mine = shop.api["alice"].get(f"{API}/reservations/", {"page_size": 50})
        assert mine.json()["count"] == 3

    def test_detail_query_count_does_not_grow_with_history(
        self, shop, django_assert_max_num_queries
    ):
        reservation_id = book(shop.api["alice"], shop.service, at(3, 10)).json()["id"]
        for hour in (11, 15, 16):
            action(shop.api["agent"], reservation_id, "reschedule", {"starts_at": iso(at(4, hour))})
        with django_assert_max_num_queries(6):
            response = shop.api["agent"].get(f"{API}/reservations/{reservation_id}/")
        assert len(response.json()["history"]) == 4


# --- Concurrency (real threads, real transactions) -----------------------------------------------


def _require_shareable_database() -> None:
    settings = connection.settings_dict
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail(
            "Threaded tests need a file-backed SQLite test database (an in-memory shared "
            "cache answers 'database table is locked' instead of waiting): set "
            "DATABASES['default']['TEST']['NAME'] in config/test_settings.py. "
            f"Current: {settings.get('TEST', {}).get('NAME')!r}"
        )


def _race(clients, requests) -> list:
    """Fire ``requests[i](clients[i])`` from one thread each, all at once; return the
    responses (or the exception a thread met, which the test then reports)."""
    barrier = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = requests[index](clients[index])
        except Exception as exc:  # noqa: BLE001 — reported by the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _outcome(result) -> tuple[int, str | None]:
    if isinstance(result, Exception):
        return 500, repr(result)
    code = None if result.status_code < 300 else result.json()["error"]["code"]
    return result.status_code, code


def _verified_service(**fields):
    business = BusinessFactory()
    return ServiceFactory(payment_mode="on_site", organization=business, **fields)


CONCURRENT = pytest.mark.django_db(transaction=True)


@CONCURRENT
class TestConcurrency:
    def test_many_clients_one_last_slot(self, clock):
        _require_shareable_database()
        service = _verified_service()
        taken = create_user("early@example.test")
        for hour in (9, 10, 11, 12, 14, 15, 16):  # every slot of the day but 17:00
            scheduling.booking_create(
                resource=service.resource,
                client=taken if hour == 9 else create_user(f"h{hour}@example.test"),
                source="booking",
                offering=service.offering_key,
                title=service.name,
                starts_at=at(3, hour),
                policy=service.slot_policy(),
            )
        clients = [authed_client(create_user(f"racer{i}@example.test")) for i in range(25)]
        results = _race(clients, [lambda c: book(c, service, at(3, 17)) for _ in clients])
        outcomes = [_outcome(r) for r in results]
        assert sum(1 for status, _ in outcomes if status == 201) == 1, outcomes
        assert all(o == (409, "slot_full") for o in outcomes if o[0] != 201), outcomes
        assert Booking.objects.filter(starts_at=at(3, 17)).count() == 1
        assert Reservation.objects.filter(booking__starts_at=at(3, 17)).count() == 1

    def test_one_client_many_overlapping_services(self, clock):
        _require_shareable_database()
        business = BusinessFactory()
        # Five 1-hour services at 10:00 and five 1 h 30 services at 9:00 (9:00–10:30), each
        # on its own resource: the ten slots are free, but any two of them overlap.
        services = [ServiceFactory(payment_mode="on_site", organization=business) for _ in range(5)]
        services += [
            ServiceFactory(payment_mode="on_site", organization=business, duration_minutes=90)
            for _ in range(5)
        ]
        starts = [at(3, 10)] * 5 + [at(3, 9)] * 5
        user = create_user("eager@example.test")
        clients = [authed_client(user) for _ in services]
        results = _race(
            clients,
            [
                (lambda c, service=service, start=start: book(c, service, start))
                for service, start in zip(services, starts, strict=True)
            ],
        )
        outcomes = [_outcome(r) for r in results]
        assert sum(1 for status, _ in outcomes if status == 201) == 1, outcomes
        assert all(o == (409, "client_overlap") for o in outcomes if o[0] != 201), outcomes
        assert Booking.objects.filter(client=user).count() == 1

    def test_capacity_three_takes_exactly_three(self, clock):
        _require_shareable_database()
        service = _verified_service(capacity=3)
        clients = [authed_client(create_user(f"group{i}@example.test")) for i in range(20)]
        results = _race(clients, [lambda c: book(c, service, at(3, 10)) for _ in clients])
        outcomes = [_outcome(r) for r in results]
        assert sum(1 for status, _ in outcomes if status == 201) == 3, outcomes
        assert all(o == (409, "slot_full") for o in outcomes if o[0] != 201), outcomes
        assert Booking.objects.filter(starts_at=at(3, 10)).count() == 3


@pytest.mark.django_db
def test_notifications_link_to_the_reservation(client_for, django_capture_on_commit_callbacks):
    from teranga.platform.notifications.models import Notification

    service = _verified_service()
    person = create_user("linked@example.test")
    with (
        time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(person).post(
            "/api/v1/booking/reservations/",
            {"service": str(service.pk), "starts_at": "2026-03-03T10:00:00Z"},
            format="json",
        )
    assert response.status_code == 201, response.content
    reservation_id = response.json()["id"]
    notification = Notification.objects.get(recipient=person, kind="booking.created")
    assert notification.link == object_link("booking.reservation", reservation_id)
