"""Reservation statistics through HTTP, on a known dataset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.products.booking.models import Reservation
from teranga.products.booking.tests.factories import ServiceFactory, business_with_owner

pytestmark = pytest.mark.django_db

URL = "/api/v1/booking/stats/"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def reservation(service, starts_at, status, *, currency=None, hold_expires_at=None, client=None):
    """A reservation row written directly: the dataset, not the booking rules, is tested."""
    booking = Booking.objects.create(
        organization=service.organization,
        resource=service.resource,
        client=client,
        source="booking",
        offering=service.offering_key,
        title=service.name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        occupied_from=starts_at,
        occupied_until=starts_at + timedelta(hours=1),
        status=status,
        hold_expires_at=hold_expires_at,
    )
    return Reservation.objects.create(
        booking=booking,
        organization=service.organization,
        service=service,
        price_amount=service.price_amount,
        currency=currency or service.currency,
    )


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def salon(db, clock):
    """A Dakar business with two services and eight counted reservations (2–9 March)."""
    business, owner = business_with_owner(name="Salon Awa")
    coupe = ServiceFactory(organization=business, name="Coupe", price_amount=5000)
    barbe = ServiceFactory(organization=business, name="Barbe", price_amount=2000)
    S = BookingStatus
    reservation(coupe, at(2, 10), S.COMPLETED)
    reservation(coupe, at(2, 11), S.NO_SHOW)
    reservation(barbe, at(2, 14), S.COMPLETED)
    reservation(coupe, at(3, 10), S.CONFIRMED)
    reservation(barbe, at(3, 11), S.CANCELLED_BY_CLIENT)
    reservation(coupe, at(4, 10), S.CANCELLED_BY_BUSINESS)
    reservation(coupe, at(4, 11), S.EXPIRED)  # not counted
    reservation(barbe, at(4, 12), S.PENDING, hold_expires_at=at(4, 8))  # lapsed: not counted
    reservation(barbe, at(5, 10), S.PENDING)  # awaiting the business: counted
    reservation(coupe, at(9, 10), S.CONFIRMED)
    reservation(coupe, at(10, 10), S.CONFIRMED)  # after the period
    reservation(coupe, at(1, 23, 59), S.CONFIRMED)  # before the period
    other, _ = business_with_owner(name="Autre")
    reservation(ServiceFactory(organization=other), at(3, 10), S.COMPLETED)
    manager = member(business, Role.MANAGER)
    return business, {"owner": owner, "manager": manager}, {"coupe": coupe, "barbe": barbe}


def stats(client, business, **params):
    return client.get(URL, {"organization": str(business.pk), **params})


def money(amount: int, currency: str = "XOF") -> dict:
    return {"amount": amount, "currency": currency}


def figures(item: dict) -> dict:
    """The figures of a group without the display strings."""
    picked = {
        name: item[name]
        for name in (
            "bookings",
            "pending",
            "confirmed",
            "completed",
            "cancelled",
            "no_show",
            "cancellation_rate",
            "no_show_rate",
        )
    }
    for name in ("revenue", "revenue_completed"):
        picked[name] = {k: item[name][k] for k in ("amount", "currency")}
    return picked


def expected(**values) -> dict:
    base = {
        "bookings": 0,
        "pending": 0,
        "confirmed": 0,
        "completed": 0,
        "cancelled": 0,
        "no_show": 0,
        "cancellation_rate": 0.0,
        "no_show_rate": 0.0,
        "revenue": money(0),
        "revenue_completed": money(0),
    }
    return {**base, **values}


TOTALS = expected(
    bookings=8,
    pending=1,
    confirmed=2,
    completed=2,
    cancelled=2,
    no_show=1,
    cancellation_rate=0.25,
    no_show_rate=0.3333,
    revenue=money(17000),
    revenue_completed=money(7000),
)


class TestFigures:
    def test_by_day(self, salon):
        business, users, _ = salon
        response = stats(
            authed_client(users["manager"]), business, **{"from": "2026-03-02", "to": "2026-03-09"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["group_by"] == "day"
        assert body["time_zone"] == "Africa/Dakar"
        assert body["date_from"] == "2026-03-02" and body["date_to"] == "2026-03-09"
        assert [g["key"] for g in body["groups"]] == [f"2026-03-0{d}" for d in range(2, 10)]
        groups = {g["key"]: figures(g) for g in body["groups"]}
        assert groups["2026-03-02"] == expected(
            bookings=3,
            completed=2,
            no_show=1,
            no_show_rate=0.3333,
            revenue=money(7000),
            revenue_completed=money(7000),
        )
        assert groups["2026-03-03"] == expected(
            bookings=2, confirmed=1, cancelled=1, cancellation_rate=0.5, revenue=money(5000)
        )
        assert groups["2026-03-04"] == expected(bookings=1, cancelled=1, cancellation_rate=1.0)
        assert groups["2026-03-05"] == expected(bookings=1, pending=1)
        for empty in ("2026-03-06", "2026-03-07", "2026-03-08"):
            assert groups[empty] == expected()
        assert groups["2026-03-09"] == expected(bookings=1, confirmed=1, revenue=money(5000))
        assert figures(body["totals"]) == TOTALS
        assert body["totals"]["other_currencies"] == []
        assert body["totals"]["revenue"]["display"]  # formatted for people

    def test_by_week(self, salon):
        business, users, _ = salon
        response = stats(
            authed_client(users["owner"]),
            business,
            **{"from": "2026-03-04", "to": "2026-03-09", "group_by": "week"},
        )
        body = response.json()
        # ISO weeks start on Monday; the period still only counts 4–9 March.
        assert [g["key"] for g in body["groups"]] == ["2026-03-02", "2026-03-09"]
        first, second = (figures(g) for g in body["groups"])
        assert first == expected(bookings=2, pending=1, cancelled=1, cancellation_rate=0.5)
        assert second == expected(bookings=1, confirmed=1, revenue=money(5000))

    def test_by_week_whole_weeks(self, salon):
        business, users, _ = salon
        response = stats(
            authed_client(users["owner"]),
            business,
            **{"from": "2026-03-02", "to": "2026-03-15", "group_by": "week"},
        )
        first, second = (figures(g) for g in response.json()["groups"])
        assert first == expected(
            bookings=7,
            pending=1,
            confirmed=1,
            completed=2,
            cancelled=2,
            no_show=1,
            cancellation_rate=round(2 / 7, 4),
            no_show_rate=0.3333,
            revenue=money(12000),
            revenue_completed=money(7000),
        )
        assert second == expected(bookings=2, confirmed=2, revenue=money(10000))

    def test_by_month(self, salon):
        business, users, _ = salon
        response = stats(
            authed_client(users["owner"]),
            business,
            **{"from": "2026-02-15", "to": "2026-03-09", "group_by": "month"},
        )
        body = response.json()
        assert [g["key"] for g in body["groups"]] == ["2026-02-01", "2026-03-01"]
        february, march = (figures(g) for g in body["groups"])
        assert february == expected()
        # 1 March (23:59) is in this period: one more confirmed reservation.
        assert march == expected(
            bookings=9,
            pending=1,
            confirmed=3,
            completed=2,
            cancelled=2,
            no_show=1,
            cancellation_rate=0.2222,
            no_show_rate=0.3333,
            revenue=money(22000),
            revenue_completed=money(7000),
        )

    def test_by_service(self, salon):
        business, users, services = salon
        response = stats(
            authed_client(users["owner"]),
            business,
            **{"from": "2026-03-02", "to": "2026-03-09", "group_by": "service"},
        )
        body = response.json()
        assert [g["label"] for g in body["groups"]] == ["Barbe", "Coupe"]
        assert body["groups"][0]["key"] == str(services["barbe"].pk)
        barbe, coupe = (figures(g) for g in body["groups"])
        assert barbe == expected(
            bookings=3,
            pending=1,
            completed=1,
            cancelled=1,
            cancellation_rate=0.3333,
            revenue=money(2000),
            revenue_completed=money(2000),
        )
        assert coupe == expected(
            bookings=5,
            confirmed=2,
            completed=1,
            cancelled=1,
            no_show=1,
            cancellation_rate=0.2,
            no_show_rate=0.5,
            revenue=money(15000),
            revenue_completed=money(5000),
        )
        assert figures(body["totals"]) == TOTALS

    def test_days_are_the_organisations(self, db, clock):
        business, owner = business_with_owner(time_zone="Europe/Paris", currency="EUR")
        service = ServiceFactory(organization=business, price_amount=2500)
        # 23:30 UTC on 3 March is 00:30 on 4 March in Paris (UTC+1).
        reservation(service, at(3, 23, 30), BookingStatus.COMPLETED)
        reservation(service, at(3, 22, 30), BookingStatus.COMPLETED)  # 23:30 on the 3rd
        response = stats(
            authed_client(owner), business, **{"from": "2026-03-03", "to": "2026-03-04"}
        )
        groups = {g["key"]: g for g in response.json()["groups"]}
        assert groups["2026-03-03"]["completed"] == 1
        assert groups["2026-03-04"]["completed"] == 1
        assert groups["2026-03-04"]["revenue"]["amount"] == 2500
        assert groups["2026-03-04"]["revenue"]["currency"] == "EUR"
        # The period's bounds are Paris days too.
        response = stats(
            authed_client(owner), business, **{"from": "2026-03-04", "to": "2026-03-04"}
        )
        assert response.json()["totals"]["completed"] == 1

    def test_reservations_in_a_former_currency_are_apart(self, salon):
        business, users, services = salon
        reservation(services["coupe"], at(6, 10), BookingStatus.COMPLETED, currency="EUR")
        response = stats(
            authed_client(users["owner"]),
            business,
            **{"from": "2026-03-02", "to": "2026-03-09", "group_by": "service"},
        )
        totals = response.json()["totals"]
        assert totals["completed"] == 3
        assert totals["revenue"]["amount"] == 17000
        assert [
            (o["currency"], o["revenue"]["amount"], o["revenue_completed"]["amount"])
            for o in totals["other_currencies"]
        ] == [("EUR", 5000, 5000)]

    def test_query_count_does_not_grow_with_reservations(
        self, salon, django_assert_max_num_queries
    ):
        business, users, services = salon
        client = authed_client(users["owner"])
        params = {"from": "2026-03-01", "to": "2026-03-31", "group_by": "week"}
        with django_assert_max_num_queries(6) as before:
            stats(client, business, **params)
        for day in range(11, 31):
            reservation(services["barbe"], at(day, 9), BookingStatus.COMPLETED)
        with django_assert_max_num_queries(6) as after:
            response = stats(client, business, **params)
        assert len(before.captured_queries) == len(after.captured_queries)
        assert response.json()["totals"]["completed"] == 22


class TestInputAndAccess:
    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"from": "2026-03-01"},
            {"to": "2026-03-01"},
            {"from": "yesterday", "to": "2026-03-01"},
            {"from": "2026-03-02", "to": "2026-03-01"},
            {"from": "2025-03-01", "to": "2026-03-03"},  # 367 days apart
            {"from": "2026-03-01", "to": "2026-03-31", "group_by": "year"},
            {"from": "2026-03-01", "to": "2026-03-31", "colour": "blue"},
        ],
    )
    def test_bad_input_is_400(self, salon, params):
        business, users, _ = salon
        response = stats(authed_client(users["owner"]), business, **params)
        assert_error(response, 400, "invalid")

    def test_longest_period_is_366_days(self, salon):
        business, users, _ = salon
        params = {"from": "2025-03-02", "to": "2026-03-03", "group_by": "month"}
        response = stats(authed_client(users["owner"]), business, **params)
        assert response.status_code == 200
        assert len(response.json()["groups"]) == 13

    def test_organization_is_required(self, salon):
        _, users, _ = salon
        response = authed_client(users["owner"]).get(
            URL, {"from": "2026-03-01", "to": "2026-03-31"}
        )
        assert_error(response, 400, "invalid")

    def test_roles(self, salon, api):
        business, _, _ = salon
        params = {"from": "2026-03-02", "to": "2026-03-09"}
        agent = authed_client(member(business, Role.AGENT))
        assert_error(stats(agent, business, **params), 403)
        plain = authed_client(member(business, Role.MEMBER))
        assert_error(stats(plain, business, **params), 403)
        stranger = authed_client(create_user("stranger@example.test"))
        assert_error(stats(stranger, business, **params), 404, "organization_not_found")
        staff = authed_client(create_user("staff@example.test", is_staff=True))
        assert stats(staff, business, **params).status_code == 200
        assert_error(stats(api, business, **params), 401)

    def test_another_organisation_is_404(self, salon):
        business, users, _ = salon
        other, _ = business_with_owner(name="Tierce")
        response = stats(
            authed_client(users["owner"]), other, **{"from": "2026-03-02", "to": "2026-03-09"}
        )
        assert_error(response, 404, "organization_not_found")
