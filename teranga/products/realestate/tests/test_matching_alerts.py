"""Saved-search alerts: a new or changed property re-runs matching after commit; an
instant search tells the client's account once and never twice; daily searches get one
digest (by email for a client without an account who consents to email), sent once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from teranga.platform.notifications.models import Notification
from teranga.products.realestate.models import Client, MatchHit
from teranga.products.realestate.services.matching import (
    MATCH_DIGEST,
    MATCH_FOUND,
    matching_digests_send,
)

API = "/api/v1/realestate"

pytestmark = pytest.mark.django_db


def property_body(**extra) -> dict:
    return {
        "property_type": "apartment",
        "transaction": "sale",
        "status": "available",
        "title": "Appartement aux Almadies",
        "latitude": 14.745,
        "longitude": -17.52,
        "price": 50_000_000,
        "surface": 90,
        "rooms": 4,
        "bedrooms": 2,
        "features": ["parking"],
        **extra,
    }


def saved_search(agency, client, frequency) -> str:
    body = {
        "client": str(client.pk),
        "transaction": "sale",
        "budget_max": 60_000_000,
        "zones": [{"lat": 14.745, "lng": -17.52, "radius_km": 5, "label": "Almadies"}],
        "alert_frequency": frequency,
    }
    url = f"{API}/organizations/{agency.org.pk}/requests/"
    response = agency.api["agent"].post(url, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def new_property(agency, **extra) -> str:
    url = f"{API}/organizations/{agency.org.pk}/properties/"
    response = agency.api["agent"].post(url, property_body(**extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_instant_alert_once_never_twice(agency, django_capture_on_commit_callbacks):
    user = agency.users["client"]
    client = Client.objects.create(organization=agency.org, name="Awa Diop", user=user)
    with django_capture_on_commit_callbacks(execute=True):
        request_id = saved_search(agency, client, "instant")
    assert not Notification.objects.filter(kind=MATCH_FOUND).exists()  # nothing to match yet

    with django_capture_on_commit_callbacks(execute=True):
        property_id = new_property(agency)
        new_property(agency, price=90_000_000, title="Trop cher")  # over the tolerance
    (notice,) = Notification.objects.filter(kind=MATCH_FOUND)
    assert notice.recipient == user
    assert f"/o/realestate.property/{property_id}/" in notice.link
    assert notice.data["title"] == "Appartement aux Almadies"
    (hit,) = MatchHit.objects.all()
    assert str(hit.request_id) == request_id and hit.notified_at is not None

    # Re-running: a change of the property, a change of the request: never sent twice.
    with django_capture_on_commit_callbacks(execute=True):
        response = agency.api["agent"].patch(
            f"{API}/properties/{property_id}/", {"price": 49_000_000}, format="json"
        )
        assert response.status_code == 200, response.content
        response = agency.api["agent"].patch(
            f"{API}/requests/{request_id}/", {"budget_max": 65_000_000}, format="json"
        )
        assert response.status_code == 200, response.content
    assert Notification.objects.filter(kind=MATCH_FOUND).count() == 1
    assert MatchHit.objects.count() == 1

    # A property that is no longer available is not matched; available again, it is
    # the same match (already sent).
    with django_capture_on_commit_callbacks(execute=True):
        agency.api["agent"].patch(
            f"{API}/properties/{property_id}/", {"status": "reserved"}, format="json"
        )
        agency.api["agent"].patch(
            f"{API}/properties/{property_id}/", {"status": "available"}, format="json"
        )
    assert Notification.objects.filter(kind=MATCH_FOUND).count() == 1


def test_daily_digest_by_email(agency, django_capture_on_commit_callbacks):
    client = Client.objects.create(
        organization=agency.org, name="Moussa Sow", email="moussa@example.test", consent_email=True
    )
    silent = Client.objects.create(organization=agency.org, name="Sans consentement")
    with django_capture_on_commit_callbacks(execute=True):
        saved_search(agency, client, "daily")
        saved_search(agency, silent, "daily")
        new_property(agency, title="Premier")
        new_property(agency, title="Second", price=55_000_000)
    assert MatchHit.objects.filter(notified_at__isnull=True).count() == 4
    assert not Notification.objects.filter(kind__in=[MATCH_FOUND, MATCH_DIGEST]).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert matching_digests_send() == 1
    (digest,) = Notification.objects.filter(kind=MATCH_DIGEST)
    assert digest.recipient is None and digest.email == "moussa@example.test"
    assert digest.data["count"] == 2 and len(digest.data["lines"]) == 2
    assert not MatchHit.objects.filter(notified_at__isnull=True).exists()

    # Nothing new, or too soon: no digest.
    assert matching_digests_send() == 0
    with django_capture_on_commit_callbacks(execute=True):
        new_property(agency, title="Troisième")
    assert matching_digests_send() == 0  # within the day
    assert matching_digests_send(now=timezone.now() + timedelta(days=1, minutes=1)) == 1
    assert Notification.objects.filter(kind=MATCH_DIGEST).count() == 2
