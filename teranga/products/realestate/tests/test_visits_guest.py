"""Guests book visits without an account: through the API and through the form of the
public property page (CSRF-protected), told by SMS with the signed link of the page where
they cancel; rate limited per phone and per address; two guests racing for one slot →
exactly one visit (real threads)."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client as BrowserClient
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from teranga.core.links import public_base
from teranga.platform.notifications.models import Notification
from teranga.platform.notifications.selectors import sms_messages_to
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.products.realestate.models import PropertyStatus, Visit, VisitStatus
from teranga.products.realestate.tests.factories import PropertyFactory
from teranga.products.realestate.tests.test_visits_api import BASE, slots_of

pytestmark = pytest.mark.django_db

PHONE = "+221771234567"


@pytest.fixture
def prop(agency):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"])


def guest_book(prop, starts_at, *, client=None, **body):
    payload = {"starts_at": starts_at, "name": "Fatou Ndiaye", "phone": "77 123 45 67", **body}
    return (client or APIClient()).post(
        f"{BASE}/properties/{prop.pk}/guest-visits/", payload, format="json"
    )


def spaced(slots: list[dict], gap: timedelta = timedelta(minutes=90)) -> list[str]:
    """Start times of ``slots`` far enough apart that a visit at one leaves the next free
    (a visit lasts an hour and keeps the agent a quarter of an hour after it)."""
    chosen: list[str] = []
    for slot in slots:
        start = parse_datetime(slot["starts_at"])
        if not chosen or start - parse_datetime(chosen[-1]) >= gap:
            chosen.append(slot["starts_at"])
    return chosen


def night_after(starts_at: str) -> str:
    """03:00 (the property's time) on the day after the slot's: outside the visiting
    hours, and always more than the two hours' notice and less than 90 days ahead, so
    only the hours can refuse it (03:00 of the slot's own day is past or too soon,
    depending on when the test runs)."""
    return (parse_datetime(starts_at).replace(hour=3, minute=0) + timedelta(days=1)).isoformat()


def page_path(link: str) -> str:
    assert link.startswith(public_base() + "/realestate/visits/"), link
    return link[len(public_base()) :].split("?")[0]


def csrf_of(response) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert found, response.content[:500]
    return found.group(1).decode()


def test_guest_books_through_the_api_then_cancels_through_the_signed_link(agency, prop):
    starts_at = slots_of(APIClient(), prop)[0]["starts_at"]
    response = guest_book(prop, starts_at, email="fatou@example.test", message="Avec ma sœur")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "requested"
    assert body["visitor_name"] == "Fatou Ndiaye"
    assert body["agency"] == agency.org.name
    assert parse_datetime(body["starts_at"]) == parse_datetime(starts_at)
    visit = Visit.objects.get(pk=body["id"])
    assert visit.visitor is None and str(visit.guest_phone) == PHONE
    assert visit.guest_email == "fatou@example.test" and visit.message == "Avec ma sœur"
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.PENDING
    # The guest is told by SMS, with their link; the agent hears of the request.
    (sms,) = sms_messages_to(phone=PHONE)
    assert body["manage_link"] in sms.body
    assert Notification.objects.filter(
        recipient=agency.users["agent"], kind="realestate.visit.created"
    ).exists()
    # The agency sees it with the guest's phone; the slot is taken.
    staff = agency.api["agent"].get(f"{BASE}/visits/{visit.pk}/").json()
    assert staff["guest_phone"] == PHONE and staff["visitor_name"] == "Fatou Ndiaye"
    assert starts_at not in [s["starts_at"] for s in slots_of(APIClient(), prop)]

    # The signed page: shown to whoever holds the link; a forged token is 404.
    path = page_path(body["manage_link"])
    browser = BrowserClient(enforce_csrf_checks=True)
    page = browser.get(path)
    assert page.status_code == 200
    assert prop.title in page.content.decode() and "cancel/" in page.content.decode()
    assert browser.get(path[:-6] + "xxxxx/").status_code == 404
    assert browser.get("/realestate/visits/not-a-token/").status_code == 404
    # Cancelling needs the form's CSRF token.
    assert browser.post(path + "cancel/").status_code == 403
    assert Visit.objects.get(pk=visit.pk).status == VisitStatus.REQUESTED
    token = csrf_of(page)
    cancelled = browser.post(path + "cancel/", {"csrfmiddlewaretoken": token, "reason": "Empêché"})
    assert cancelled.status_code == 302
    assert cancelled["Location"] == path + "?done=cancelled"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.CANCELLED and visit.cancellation_reason == "Empêché"
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.CANCELLED_BY_CLIENT
    assert Notification.objects.filter(
        recipient=agency.users["agent"], kind="realestate.visit.cancelled"
    ).exists()
    assert starts_at in [s["starts_at"] for s in slots_of(APIClient(), prop)]
    # Twice: the page says why, nothing changes.
    again = browser.post(path + "cancel/", {"csrfmiddlewaretoken": token})
    assert again.status_code == 409
    # A registered visitor's visit has no guest page.
    from teranga.products.realestate.visit_notices import guest_link

    mine = agency.api["client"].post(
        f"{BASE}/properties/{prop.pk}/visits/", {"starts_at": starts_at}, format="json"
    )
    assert mine.status_code == 201, mine.content
    assert (
        browser.get(page_path(guest_link(Visit.objects.get(pk=mine.json()["id"])))).status_code
        == 404
    )


def test_guest_bad_input_changes_nothing(agency, prop):
    starts_at = slots_of(APIClient(), prop)[0]["starts_at"]
    bad_phone = guest_book(prop, starts_at, phone="12")
    assert bad_phone.status_code == 400
    assert bad_phone.json()["error"]["code"] == "invalid_phone"
    for body in (
        {"name": ""},
        {"name": "x" * 121},
        {"email": "not-an-email"},
        {"message": "x" * 2001},
    ):
        response = guest_book(prop, starts_at, **body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid"
    assert guest_book(prop, "tomorrow").json()["error"]["code"] == "invalid"
    outside = guest_book(prop, night_after(starts_at))
    assert outside.status_code == 400
    assert outside.json()["error"]["code"] == "outside_availability"
    # A property that is not public is 404 to guests; one sold is not visitable.
    prop.status = PropertyStatus.DRAFT
    prop.save(update_fields=["status"])
    assert guest_book(prop, starts_at).status_code == 404
    assert Visit.objects.count() == 0 and Booking.objects.count() == 0
    assert not sms_messages_to(phone=PHONE)


def test_guest_booking_is_rate_limited_per_phone_and_per_address(agency, prop, monkeypatch):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["realestate_guest_visit_phone"] == "5/hour"
    monkeypatch.setitem(rates, "realestate_guest_visit_phone", "2/hour")
    monkeypatch.setitem(rates, "realestate_guest_visit_address", "4/hour")
    slots = spaced(slots_of(APIClient(), prop))
    assert len(slots) >= 4
    assert guest_book(prop, slots[0]).status_code == 201
    assert guest_book(prop, slots[1], phone="+221 77 123 45 67").status_code == 201
    refused = guest_book(prop, slots[2])  # the same number, written otherwise
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    # Another number from the same address still books, until the address's budget ends.
    assert guest_book(prop, slots[2], phone="771234568").status_code == 201
    crowded = guest_book(prop, slots[3], phone="771234569")
    assert crowded.status_code == 429
    # Another address with a new number is not affected.
    elsewhere = guest_book(
        prop, slots[3], phone="771234569", client=APIClient(REMOTE_ADDR="10.1.2.3")
    )
    assert elsewhere.status_code == 201, elsewhere.content
    assert Visit.objects.count() == 4
    assert len(sms_messages_to(phone=PHONE)) == 2


def test_the_public_page_books_a_visit_through_its_form(agency, prop):
    browser = BrowserClient(enforce_csrf_checks=True)
    page = browser.get(f"/realestate/properties/{prop.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Book a visit" in html
    starts = re.findall(r'<option value="(\d+)"', html)
    assert starts
    form = {
        "csrfmiddlewaretoken": csrf_of(page),
        "start": starts[0],
        "name": "Ousmane Sarr",
        "phone": "77 765 43 21",
        "email": "",
        "message": "",
    }
    url = f"/realestate/properties/{prop.pk}/visit/"
    # Without the CSRF token: refused, nothing booked.
    no_token = browser.post(url, {k: v for k, v in form.items() if k != "csrfmiddlewaretoken"})
    assert no_token.status_code == 403
    # A bad phone: the form says so beside the field.
    bad = browser.post(url, {**form, "phone": "12"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400
    assert "Enter a valid phone number." in bad.content.decode()
    assert Visit.objects.count() == 0
    booked = browser.post(url, form, HTTP_ACCEPT_LANGUAGE="en")
    assert booked.status_code == 302, booked.content[:500]
    assert booked["Location"].startswith("/realestate/visits/")
    assert booked["Location"].endswith("?done=booked")
    visit = Visit.objects.get()
    assert visit.guest_name == "Ousmane Sarr" and visit.status == VisitStatus.REQUESTED
    assert visit.starts_at == datetime.fromtimestamp(int(starts[0]), tz=visit.starts_at.tzinfo)
    assert visit.language == "en"
    (sms,) = sms_messages_to(phone="+221777654321")
    assert "received your request" in sms.body
    shown = browser.get(booked["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert shown.status_code == 200 and "Your request is sent" in shown.content.decode()
    # The slot is no longer offered; booking it again shows why (409), in the page.
    again = browser.get(f"/realestate/properties/{prop.pk}/")
    assert f'value="{starts[0]}"' not in again.content.decode()
    taken = browser.post(
        url,
        {**form, "phone": "771112233", "csrfmiddlewaretoken": csrf_of(again)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert taken.status_code == 409
    assert Visit.objects.count() == 1


# --- Concurrency (real threads, real transactions) -----------------------------------------


def require_shareable_database() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail("Threaded tests need a file-backed SQLite test database.")


def race(calls) -> list:
    """Run every call from its own thread, all at once; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 — reported by the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def outcome(result) -> tuple[int, str | None]:
    if isinstance(result, Exception):
        return 500, repr(result)
    code = None if result.status_code < 300 else result.json()["error"]["code"]
    return result.status_code, code


@pytest.mark.django_db(transaction=True)
def test_guests_racing_for_one_slot_get_exactly_one_visit(agency, prop):
    require_shareable_database()
    starts_at = slots_of(APIClient(), prop)[0]["starts_at"]
    calls = [
        (lambda i=i: guest_book(prop, starts_at, phone=f"77123450{i}", name=f"Guest {i}"))
        for i in range(4)
    ]
    outcomes = [outcome(r) for r in race(calls)]
    assert sum(1 for status, _ in outcomes if status == 201) == 1, outcomes
    assert all(o == (409, "slot_full") for o in outcomes if o[0] != 201), outcomes
    assert Visit.objects.filter(property=prop).count() == 1
    assert Booking.objects.filter(starts_at=parse_datetime(starts_at)).count() == 1
