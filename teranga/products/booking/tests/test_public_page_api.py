"""The public booking page's API (``/api/v1/booking/organizations/{id}/public-page/``):
managers choose the address and register host names; agents read; other organisations'
pages are 404; the slug and host rules; the guest seen by the business."""

from __future__ import annotations

import pytest
from django.test import override_settings

from teranga.products.booking.models import PublicPage, PublicPageHost

URL = "/api/v1/booking/organizations/{}/public-page/"


def _url(shop, suffix=""):
    return URL.format(shop.business.pk) + suffix


def test_manager_creates_enables_and_renames_the_page(shop):
    api = shop.api["manager"]
    assert api.get(_url(shop)).status_code == 404
    response = api.patch(_url(shop), {"is_enabled": True}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["slug"] == "salon-awa" and body["is_enabled"] is True
    assert body["url"].endswith("/b/salon-awa/") and body["hosts"] == []
    response = api.patch(_url(shop), {"slug": "chez-awa"}, format="json")
    assert response.json()["slug"] == "chez-awa"
    assert PublicPage.objects.get().slug == "chez-awa"
    assert shop.api["agent"].get(_url(shop)).json()["slug"] == "chez-awa"


@pytest.mark.parametrize(
    "slug",
    ["ab", "admin", "api", "static", "Chez Awa", "chez--awa", "-awa", "a" * 61, "chez_awa"],
)
def test_bad_slugs_are_refused_and_change_nothing(shop, slug):
    api = shop.api["manager"]
    api.patch(_url(shop), {"slug": "chez-awa"}, format="json")
    response = api.patch(_url(shop), {"slug": slug}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_slug", "invalid")
    assert PublicPage.objects.get().slug == "chez-awa"


def test_slug_of_another_business_is_taken(shop):
    PublicPage.objects.create(organization=shop.other, slug="chez-awa")
    response = shop.api["manager"].patch(_url(shop), {"slug": "chez-awa"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "slug_taken"


def test_roles_and_other_organisations(shop):
    assert (
        shop.api["agent"].patch(_url(shop), {"is_enabled": True}, format="json").status_code == 403
    )
    assert shop.api["plain"].get(_url(shop)).status_code == 403
    assert shop.api["other_owner"].get(_url(shop)).status_code == 404
    assert shop.api["other_owner"].patch(_url(shop), {}, format="json").status_code == 404
    assert shop.api["alice"].get(_url(shop)).status_code == 404
    assert not PublicPage.objects.exists()


@override_settings(PAGES_BASE_DOMAIN="rdv.teranga.sn")
def test_hosts_allow_list(shop):
    api = shop.api["manager"]
    api.patch(_url(shop), {"slug": "chez-awa", "is_enabled": True}, format="json")
    response = api.post(_url(shop, "hosts/"), {"host": "Salon-Awa.example.SN."}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["host"] == "salon-awa.example.sn"
    sub = api.post(_url(shop, "hosts/"), {"host": "awa.rdv.teranga.sn"}, format="json")
    assert sub.status_code == 201
    for bad in [
        "deep.awa.rdv.teranga.sn",
        "rdv.teranga.sn",
        "localhost",
        "127.0.0.1",
        "no_underscore.sn",
        "x" * 300,
    ]:
        response = api.post(_url(shop, "hosts/"), {"host": bad}, format="json")
        assert response.status_code == 400, bad
    taken = api.post(_url(shop, "hosts/"), {"host": "salon-awa.example.sn"}, format="json")
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "host_taken"
    assert sorted(h["host"] for h in api.get(_url(shop)).json()["hosts"]) == [
        "awa.rdv.teranga.sn",
        "salon-awa.example.sn",
    ]
    host_id = PublicPageHost.objects.get(host="awa.rdv.teranga.sn").pk
    # Another business cannot remove it, an agent may not.
    assert shop.api["agent"].delete(_url(shop, f"hosts/{host_id}/")).status_code == 403
    other_url = URL.format(shop.other.pk) + f"hosts/{host_id}/"
    assert shop.api["other_owner"].delete(other_url).status_code == 404
    assert api.delete(_url(shop, f"hosts/{host_id}/")).status_code == 204
    assert api.delete(_url(shop, f"hosts/{host_id}/")).status_code == 404
    assert PublicPageHost.objects.count() == 1


def test_host_needs_a_page_first(shop):
    response = shop.api["manager"].post(
        _url(shop, "hosts/"), {"host": "a.example.sn"}, format="json"
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "page_not_found"


def test_business_sees_the_guest_in_its_reservations(shop):
    from datetime import UTC, datetime

    from teranga.products.booking.services.reservations import Guest, reservation_create

    reservation = reservation_create(
        client=None,
        service_id=shop.service.pk,
        starts_at=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
        guest=Guest(name="Fatou Sow", phone="+221771234567"),
    )
    response = shop.api["agent"].get(
        "/api/v1/booking/reservations/", {"organization": str(shop.business.pk)}
    )
    assert response.status_code == 200, response.json()
    rows = response.json()["results"]
    row = next(r for r in rows if r["id"] == str(reservation.pk))
    assert row["client"] is None
    assert row["guest"] == {"name": "Fatou Sow", "phone": "+221771234567"}
