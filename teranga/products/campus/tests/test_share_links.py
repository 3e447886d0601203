"""Share links through HTTP: create, the page counts visits and redirects (410 once
expired), staff counts, conversions counted once per paid order."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from teranga.platform.analytics.tests.factories import SiteFactory
from teranga.products.campus.models import (
    EventVisibility,
    OrderStatus,
    ShareConversion,
    ShareLink,
)

from .factories import issued_ticket
from .ticket_support import assert_error, event_of, free_type, order, paid_type

BASE = "/api/v1/campus"


def share(client, event, body=None):
    return client.post(f"{BASE}/events/{event.pk}/share/", body or {}, format="json")


def test_share_visit_and_staff_counts(campus, django_assert_max_num_queries):
    event = event_of(campus)
    response = share(campus.clients["student"], event, {"expires_in_hours": 2})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"].endswith(f"/campus/s/{body['code']}/")
    assert body["visits"] == 0 and body["conversions"] == 0
    browser = Client()
    for _ in range(3):
        page = browser.get(f"/campus/s/{body['code']}/")
        assert page.status_code == 302
        assert f"/o/campus.event/{event.pk}/" in page["Location"]
    assert page.cookies["campus_share"]
    for _ in range(4):
        share(campus.clients["student2"], event)
    manager = campus.clients["manager"]  # logs in before counting
    with django_assert_max_num_queries(8):
        listed = manager.get(f"{BASE}/events/{event.pk}/share-links/")
    assert listed.status_code == 200 and listed.json()["count"] == 5
    counts = {row["code"]: row["visits"] for row in listed.json()["results"]}
    assert counts[body["code"]] == 3
    # expired: 410 on the page and the API, no visit counted
    ShareLink.objects.filter(code=body["code"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert Client().get(f"/campus/s/{body['code']}/").status_code == 410
    gone = campus.clients["student"].post(
        f"{BASE}/share/{body['code']}/convert/", {"order": str(uuid.uuid4())}, format="json"
    )
    assert_error(gone, 410, "share_link_expired")
    assert ShareLink.objects.get(code=body["code"]).visits == 3
    assert Client().get("/campus/s/NOSUCHCODE/").status_code == 404


def test_share_permissions_and_bad_input(campus, api):
    private = event_of(campus, visibility=EventVisibility.INVITE)
    assert_error(share(campus.clients["student"], private), 404, "event_not_found")
    event = event_of(campus)
    for bad in ({"expires_in_hours": 0}, {"expires_in_hours": 10_000}, {"x": 1}):
        assert_error(share(campus.clients["student"], event, bad), 400, "invalid")
    assert api.post(f"{BASE}/events/{event.pk}/share/", {}, format="json").status_code == 401
    assert not ShareLink.objects.exists()
    url = f"{BASE}/events/{event.pk}/share-links/"
    assert_error(campus.clients["student"].get(url), 404, "event_not_found")
    assert_error(campus.clients["other_manager"].get(url), 404, "event_not_found")
    assert_error(campus.clients["agent"].get(url), 403)
    assert api.get(url).status_code == 401


def test_a_conversion_counts_once_per_paid_order(campus, django_capture_on_commit_callbacks):
    event = event_of(campus)
    code = share(campus.clients["student"], event).json()["code"]
    buyer = campus.clients["student2"]
    with django_capture_on_commit_callbacks(execute=True):
        placed = order(buyer, event, (free_type(event), 1))
    assert placed.status_code == 201, placed.content
    order_id = placed.json()["id"]
    url = f"{BASE}/share/{code}/convert/"
    # another's order: 404; nothing counted
    assert_error(
        campus.clients["student"].post(url, {"order": order_id}, format="json"),
        404,
        "order_not_found",
    )
    converted = buyer.post(url, {"order": order_id}, format="json")
    assert converted.status_code == 201, converted.content
    assert converted.json()["conversions"] == 1
    again = buyer.post(url, {"order": order_id}, format="json")
    assert_error(again, 409, "already_converted")
    assert ShareLink.objects.get(code=code).conversions == 1
    assert ShareConversion.objects.count() == 1


def test_a_conversion_needs_a_paid_order_of_the_event(campus):
    event = event_of(campus)
    code = share(campus.clients["student"], event).json()["code"]
    buyer = campus.clients["student2"]
    pending = order(buyer, event, (paid_type(event), 1))
    assert pending.status_code == 201
    url = f"{BASE}/share/{code}/convert/"
    assert_error(
        buyer.post(url, {"order": pending.json()["id"]}, format="json"), 409, "order_not_paid"
    )
    elsewhere = issued_ticket(paid_type(event_of(campus)), campus.student2).order
    assert elsewhere.status == OrderStatus.PAID
    assert_error(buyer.post(url, {"order": str(elsewhere.pk)}, format="json"), 400, "invalid")
    assert_error(buyer.post(url, {"order": "x"}, format="json"), 400, "invalid")
    assert_error(
        buyer.post(f"{BASE}/share/NOPE/convert/", {"order": str(elsewhere.pk)}, format="json"),
        404,
        "share_link_not_found",
    )
    assert not ShareConversion.objects.exists()
    assert ShareLink.objects.get(code=code).conversions == 0


def test_a_public_events_page_counts_in_the_organisers_analytics(campus):
    """The event's link page carries the organiser's analytics script (the link kind's
    ``organization``); a draft or invite-only event's page, or an unknown id, does not."""
    site = SiteFactory(organization=campus.university, domains=["ucad.example"])
    cache.clear()
    public = event_of(campus)
    page = Client().get(f"/o/campus.event/{public.pk}/").content.decode()
    assert f'data-site="{site.public_id}"' in page
    for event in (
        event_of(campus, visibility=EventVisibility.INVITE),
        event_of(campus, status="draft"),
    ):
        page = Client().get(f"/o/campus.event/{event.pk}/").content.decode()
        assert "teranga-analytics.js" not in page
    assert (
        "teranga-analytics.js"
        not in Client().get(f"/o/campus.event/{uuid.uuid4()}/").content.decode()
    )
    assert (
        "teranga-analytics.js" not in Client().get("/o/campus.event/not-a-uuid/").content.decode()
    )
