"""The Booking product's broadcast segment ``booking.upcoming_clients``: the clients with
a pending or confirmed reservation of the organisation within the next ``days`` days,
optionally of one service; sent through the staff broadcast endpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import import_module

import pytest
from django.conf import settings
from django.urls import Resolver404, include, path, resolve

from conftest import create_user
from teranga.platform.notifications.broadcasts import broadcast_segments
from teranga.platform.notifications.models import Broadcast, Notification
from teranga.products.booking.segments import upcoming_clients
from teranga.products.booking.services.reservations import reservation_cancel, reservation_create
from teranga.products.booking.tests.factories import ServiceFactory

_root = import_module(settings.ROOT_URLCONF)
try:
    resolve(f"/api/v1/organizations/{'0' * 8}-0000-4000-8000-{'0' * 12}/broadcasts/")
    urlpatterns = _root.urlpatterns
except Resolver404:
    urlpatterns = [
        path("api/v1/", include("teranga.platform.notifications.api.broadcast_urls")),
        *_root.urlpatterns,
    ]
handler404 = getattr(_root, "handler404", None)
handler500 = getattr(_root, "handler500", None)
with_api = pytest.mark.urls(__name__)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def clients(shop):
    """alice: confirmed tomorrow; bob: confirmed in 10 days; carol: pending (a service
    that needs confirmation) in 2 days; dave: cancelled tomorrow; erin: in another
    business."""
    users = shop.users
    users["carol"] = create_user("carol@example.test")
    users["dave"] = create_user("dave@example.test")
    users["erin"] = create_user("erin@example.test")
    strict = ServiceFactory(
        organization=shop.business, name="Soin", requires_confirmation=True, payment_mode="on_site"
    )
    reservation_create(client=users["alice"], service_id=shop.service.pk, starts_at=at(3, 10))
    reservation_create(client=users["bob"], service_id=shop.service.pk, starts_at=at(12, 10))
    reservation_create(client=users["carol"], service_id=strict.pk, starts_at=at(4, 11))
    cancelled = reservation_create(
        client=users["dave"], service_id=shop.service.pk, starts_at=at(3, 15)
    )
    reservation_cancel(actor=shop.users["owner"], reservation_id=cancelled.pk, as_business=True)
    elsewhere = ServiceFactory(organization=shop.other, name="Ailleurs", payment_mode="on_site")
    reservation_create(client=users["erin"], service_id=elsewhere.pk, starts_at=at(3, 10))
    shop.strict = strict
    return shop


def emails(queryset) -> set[str]:
    return set(queryset.values_list("email", flat=True))


def test_registered():
    assert "booking.upcoming_clients" in broadcast_segments


def test_upcoming_clients_within_days_and_of_a_service(clients):
    business = clients.business
    assert emails(upcoming_clients(business, {"days": 7})) == {
        "alice@example.test",
        "carol@example.test",
    }
    assert emails(upcoming_clients(business, {"days": 30})) == {
        "alice@example.test",
        "bob@example.test",
        "carol@example.test",
    }
    only = upcoming_clients(business, {"days": 30, "service": clients.strict.pk})
    assert emails(only) == {"carol@example.test"}


@with_api
def test_broadcast_to_upcoming_clients(clients, django_capture_on_commit_callbacks):
    url = f"/api/v1/organizations/{clients.business.pk}/broadcasts/"
    body = {
        "segment": "booking.upcoming_clients",
        "params": {"days": 7},
        "title": "Retard",
        "body": "Nous avons 30 minutes de retard ce matin.",
        "channels": ["email", "sms", "websocket"],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.api["manager"].post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["recipients_count"] == 2
    assert response.json()["segment_params"] == {"days": 7}
    recipients = set(
        Notification.objects.filter(kind="organization.broadcast").values_list(
            "recipient__email", flat=True
        )
    )
    assert recipients == {"alice@example.test", "carol@example.test"}


@with_api
@pytest.mark.parametrize(
    "params",
    [{"days": 0}, {"days": 91}, {"days": "soon"}, {"service": "not-a-uuid"}, {"other": 1}],
)
def test_bad_params_are_400(clients, params):
    url = f"/api/v1/organizations/{clients.business.pk}/broadcasts/"
    body = {
        "segment": "booking.upcoming_clients",
        "params": params,
        "title": "Retard",
        "body": "Texte",
        "channels": ["email"],
    }
    response = clients.api["manager"].post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_segment_params"
    assert Broadcast.objects.count() == 0


@with_api
def test_another_businesss_service_is_refused(clients):
    elsewhere = ServiceFactory(organization=clients.other, name="Autre service")
    url = f"/api/v1/organizations/{clients.business.pk}/broadcasts/"
    body = {
        "segment": "booking.upcoming_clients",
        "params": {"service": str(elsewhere.pk)},
        "title": "Retard",
        "body": "Texte",
        "channels": ["email"],
    }
    response = clients.api["manager"].post(url, body, format="json")
    assert response.status_code == 400
    assert "service" in response.json()["error"]["fields"]["params"]
    assert Broadcast.objects.count() == 0
