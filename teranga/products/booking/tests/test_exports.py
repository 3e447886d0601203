"""Reservation exports through HTTP: CSV parsed back with the csv module, PDF by its
signature, the filters, the cap, and who may export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.products.booking import exports
from teranga.products.booking.exports import CSV_COLUMNS
from teranga.products.booking.models import Reservation
from teranga.products.booking.tests.factories import ServiceFactory, business_with_owner

pytestmark = pytest.mark.django_db

URL = "/api/v1/booking/reservations/export/"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def reservation(service, starts_at, status, client):
    booking = Booking.objects.create(
        organization=service.organization,
        resource=service.resource,
        client=client,
        source="booking",
        offering=service.offering_key,
        title=service.name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=service.duration_minutes),
        occupied_from=starts_at,
        occupied_until=starts_at + timedelta(minutes=service.duration_minutes),
        status=status,
    )
    return Reservation.objects.create(
        booking=booking,
        organization=service.organization,
        service=service,
        price_amount=service.price_amount,
        currency=service.currency,
    )


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def parse_csv(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    return list(reader)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def atelier(db, clock):
    """A Paris business (EUR) with three reservations of two clients."""
    business, owner = business_with_owner(
        name="Atelier Lumière", slug="atelier-lumiere", time_zone="Europe/Paris", currency="EUR"
    )
    soin = ServiceFactory(organization=business, name="Soin visage", price_amount=4550)
    awa = create_user("awa@example.test", first_name="Awa", last_name="Fall", phone="+221771234567")
    sly = create_user("sly@example.test", first_name="=HYPERLINK(1)", last_name="")
    rows = {
        # 9:00 UTC is 10:00 in Paris (UTC+1 in March).
        "first": reservation(soin, at(3, 9), BookingStatus.COMPLETED, awa),
        "second": reservation(soin, at(4, 13, 30), BookingStatus.CANCELLED_BY_CLIENT, sly),
        "third": reservation(soin, at(12, 8), BookingStatus.CONFIRMED, awa),
    }
    agent = member(business, Role.AGENT)
    return business, owner, agent, rows


def export(client, business, **params):
    return client.get(URL, {"organization": str(business.pk), **params})


class TestCsv:
    def test_rows_in_local_time(self, atelier):
        business, _, agent, rows = atelier
        response = export(authed_client(agent), business)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        disposition = response["Content-Disposition"]
        assert disposition.startswith('attachment; filename="reservations-atelier-lumiere-')
        assert disposition.endswith('.csv"')
        assert response["Cache-Control"] == "private, no-store"
        assert response.content.startswith("\ufeff".encode())
        parsed = parse_csv(response)
        assert len(parsed) == 3
        first = parsed[0]
        assert first == {
            "reference": rows["first"].pk.hex[:8].upper(),
            "date": "2026-03-03",
            "start": "10:00",
            "end": "11:00",
            "service": "Soin visage",
            "client_name": "Awa Fall",
            "client_email": "awa@example.test",
            "client_phone": "+221771234567",
            "status": "completed",
            "price": "45.50",
            "currency": "EUR",
            "created_at": "2026-03-10T13:00:00+01:00",
        }
        assert [row["status"] for row in parsed] == [
            "completed",
            "cancelled_by_client",
            "confirmed",
        ]
        # Spreadsheet formulas are neutralised.
        assert parsed[1]["client_name"] == "'=HYPERLINK(1)"
        assert parsed[1]["start"] == "14:30"

    def test_export_is_in_the_audit_log(self, atelier):
        business, owner, agent, _ = atelier
        assert export(authed_client(agent), business).status_code == 200
        log = authed_client(owner).get(
            "/api/v1/audit/", {"organization": str(business.pk), "action": "data.exported"}
        )
        assert log.status_code == 200, log.content
        [entry] = log.json()["results"]
        assert entry["actor"] == str(agent.pk)
        assert entry["object_type"] == "booking.reservations"
        assert entry["after"] == {"format": "csv", "rows": 3}

    def test_filters_like_the_list(self, atelier):
        business, _, agent, _ = atelier
        client = authed_client(agent)
        parsed = parse_csv(export(client, business, status="confirmed"))
        assert [row["date"] for row in parsed] == ["2026-03-12"]
        parsed = parse_csv(export(client, business, date_from="2026-03-04", date_to="2026-03-04"))
        assert [row["status"] for row in parsed] == ["cancelled_by_client"]
        parsed = parse_csv(export(client, business, ordering="-starts_at"))
        assert [row["date"] for row in parsed] == ["2026-03-12", "2026-03-04", "2026-03-03"]
        parsed = parse_csv(export(client, business, date_from="2026-04-01"))
        assert parsed == []

    def test_xof_prices_have_no_minor_unit(self, db, clock):
        business, owner = business_with_owner(name="Salon Dakar")
        service = ServiceFactory(organization=business, price_amount=15000)
        reservation(service, at(3, 10), BookingStatus.CONFIRMED, create_user("k@example.test"))
        parsed = parse_csv(export(authed_client(owner), business))
        assert (parsed[0]["price"], parsed[0]["currency"]) == ("15000", "XOF")
        assert parsed[0]["client_phone"] == ""

    def test_query_count_does_not_grow_with_rows(self, atelier, django_assert_max_num_queries):
        business, owner, agent, rows = atelier
        client = authed_client(agent)
        with django_assert_max_num_queries(5) as few:
            export(client, business)
        service = rows["first"].service
        for day in range(13, 28):
            reservation(service, at(day, 9), BookingStatus.CONFIRMED, owner)
        with django_assert_max_num_queries(5) as many:
            response = export(client, business)
        assert len(parse_csv(response)) == 18
        assert len(few.captured_queries) == len(many.captured_queries)

    def test_too_many_rows_is_refused(self, atelier, monkeypatch):
        business, _, agent, _ = atelier
        monkeypatch.setattr(exports, "CSV_MAX_ROWS", 2)
        assert_error(export(authed_client(agent), business), 400, "export_too_large")
        response = export(authed_client(agent), business, status="confirmed")
        assert response.status_code == 200


class TestPdf:
    def test_pdf(self, atelier):
        business, _, agent, _ = atelier
        response = export(authed_client(agent), business, format="pdf", date_from="2026-03-01")
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].endswith('.pdf"')
        assert response.content.startswith(b"%PDF")
        assert len(response.content) > 1000

    def test_empty_pdf(self, atelier):
        business, _, agent, _ = atelier
        response = export(authed_client(agent), business, format="pdf", date_from="2027-01-01")
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")

    def test_pdf_cap(self, atelier, monkeypatch):
        business, _, agent, _ = atelier
        monkeypatch.setattr(exports, "PDF_MAX_ROWS", 2)
        response = export(authed_client(agent), business, format="pdf")
        assert_error(response, 400, "export_too_large")


class TestInputAndAccess:
    @pytest.mark.parametrize(
        "params",
        [
            {"format": "xlsx"},
            {"status": "lost"},
            {"date_from": "2026-03-05", "date_to": "2026-03-04"},
            {"ordering": "price"},
            {"colour": "blue"},
        ],
    )
    def test_bad_input_is_400(self, atelier, params):
        business, _, agent, _ = atelier
        assert_error(export(authed_client(agent), business, **params), 400, "invalid")

    def test_organization_is_required(self, atelier):
        _, _, agent, _ = atelier
        assert_error(authed_client(agent).get(URL, {"format": "csv"}), 400, "invalid")

    @pytest.mark.parametrize("file_format", ["csv", "pdf"])
    def test_roles(self, atelier, api, file_format):
        business, owner, _, _ = atelier
        plain = authed_client(member(business, Role.MEMBER))
        assert_error(export(plain, business, format=file_format), 403)
        stranger = authed_client(create_user("stranger@example.test"))
        assert_error(export(stranger, business, format=file_format), 404, "organization_not_found")
        other, other_owner = business_with_owner(name="Autre")
        response = export(authed_client(other_owner), business, format=file_format)
        assert_error(response, 404, "organization_not_found")
        assert_error(export(api, business, format=file_format), 401)
        staff = authed_client(create_user("staff@example.test", is_staff=True))
        assert export(staff, business, format=file_format).status_code == 200
        assert export(authed_client(owner), business, format=file_format).status_code == 200
