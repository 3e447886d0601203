"""The devices API: register (or take over) a push token, list mine, remove one — my own
devices only, bad input refused with nothing changed, writes throttled; erasure; admin."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import include, path

import teranga.platform.notifications.device_admin  # noqa: F401  (until admin.py imports it)
from teranga.platform.notifications.devices import (
    MAX_ACTIVE_DEVICES,
    device_register,
    devices_erase,
)
from teranga.platform.notifications.models import Device

pytestmark = pytest.mark.django_db

# The admin's URLs are built once; these include the Device admin registered above.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/devices/", include("teranga.platform.notifications.api.device_urls")),
]

API = "/api/v1/devices/"
TOKEN = "dGVzdC10b2tlbi0x:APA91bH" + "k3jS9_q-Lm2" * 12
OTHER_TOKEN = "ZXhhbXBsZS0y:APA91bF" + "Zx8_Yw7-Vu6" * 12


def token(n: int) -> str:
    return f"fcm-{n:03d}:APA91b" + "x" * 60


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    return error


@pytest.fixture
def ana(make_user):
    return make_user("ana-devices@example.com")


@pytest.fixture
def bob(make_user):
    return make_user("bob-devices@example.com")


def test_register_then_register_again(ana, client_for):
    client = client_for(ana)
    created = client.post(API, {"token": TOKEN, "platform": "android", "name": "Pixel 7"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["token"] == TOKEN and body["platform"] == "android"
    assert body["name"] == "Pixel 7" and body["is_active"] is True
    assert body["deactivated_reason"] == "" and body["last_seen_at"]
    device = Device.objects.get()
    assert (device.user, str(device.pk)) == (ana, body["id"])

    again = client.post(API, {"token": TOKEN, "platform": "android"})
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert again.json()["name"] == "Pixel 7"  # no name given: kept
    assert again.json()["last_seen_at"] >= body["last_seen_at"]
    assert Device.objects.count() == 1


def test_register_reactivates_a_deactivated_device(ana, client_for):
    device = Device.objects.create(
        user=ana, token=TOKEN, platform="ios", is_active=False,
        deactivated_reason="invalid_token:unregistered",
    )
    response = client_for(ana).post(API, {"token": TOKEN, "platform": "ios", "name": ""})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.is_active and device.deactivated_reason == "" and device.name == ""


def test_a_token_moves_to_the_user_who_registers_it(ana, bob, client_for):
    client_for(ana).post(API, {"token": TOKEN, "platform": "android", "name": "Ana's phone"})
    response = client_for(bob).post(API, {"token": TOKEN, "platform": "android"})
    assert response.status_code == 200
    device = Device.objects.get()
    assert device.user == bob and device.name == ""  # the old owner's name does not follow
    assert client_for(ana).get(API).json()["count"] == 0
    assert [d["token"] for d in client_for(bob).get(API).json()["results"]] == [TOKEN]


def test_list_shows_only_mine(ana, bob, client_for):
    device_register(user=ana, token=TOKEN, platform="android")
    device_register(user=ana, token=token(1), platform="web", name="Firefox")
    device_register(user=bob, token=OTHER_TOKEN, platform="ios")
    response = client_for(ana).get(API)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {d["token"] for d in body["results"]} == {TOKEN, token(1)}
    assert set(body["results"][0]) == {
        "id", "token", "platform", "name", "is_active", "deactivated_reason", "last_seen_at",
        "created_at",
    }


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"platform": "android"}, "token"),
        ({"token": "", "platform": "android"}, "token"),
        ({"token": "short", "platform": "android"}, "token"),
        ({"token": "x" * 513, "platform": "android"}, "token"),
        ({"token": "has spaces in it " * 3, "platform": "android"}, "token"),
        ({"token": "tök€n-" * 10, "platform": "android"}, "token"),
        ({"token": 12345, "platform": "android"}, "token"),
        ({"token": TOKEN}, "platform"),
        ({"token": TOKEN, "platform": "windows"}, "platform"),
        ({"token": TOKEN, "platform": "android", "name": "n" * 101}, "name"),
        ({"token": TOKEN, "platform": "android", "user": "someone"}, "user"),
    ],
)
def test_bad_input_is_400_and_changes_nothing(ana, client_for, payload, field):
    Device.objects.create(user=ana, token=OTHER_TOKEN, platform="ios", name="kept")
    response = client_for(ana).post(API, payload, format="json")
    error = error_of(response, 400, "invalid")
    assert field in error["fields"]
    assert list(Device.objects.values_list("token", "name")) == [(OTHER_TOKEN, "kept")]


def test_malformed_json_is_400(ana, client_for):
    response = client_for(ana).post(API, "{not json", content_type="application/json")
    error_of(response, 400, "malformed_request")
    assert not Device.objects.exists()


def test_anonymous_is_401(api, ana):
    Device.objects.create(user=ana, token=TOKEN, platform="android")
    error_of(api.get(API), 401, "not_authenticated")
    error_of(api.post(API, {"token": OTHER_TOKEN, "platform": "android"}), 401, "not_authenticated")
    error_of(api.delete(API, {"token": TOKEN}), 401, "not_authenticated")
    device = Device.objects.get()
    error_of(api.delete(f"{API}{device.pk}/"), 401, "not_authenticated")
    assert Device.objects.count() == 1


def test_remove_by_token(ana, client_for):
    device_register(user=ana, token=TOKEN, platform="android")
    client = client_for(ana)
    assert client.delete(API, {"token": TOKEN}).status_code == 204
    assert not Device.objects.exists()
    error_of(client.delete(API, {"token": TOKEN}), 404, "device_not_found")


def test_remove_by_token_in_the_query(ana, client_for):
    device_register(user=ana, token=TOKEN, platform="android")
    assert client_for(ana).delete(f"{API}?token={TOKEN}").status_code == 204
    assert not Device.objects.exists()


def test_remove_needs_a_token(ana, client_for):
    device_register(user=ana, token=TOKEN, platform="android")
    client = client_for(ana)
    assert "token" in error_of(client.delete(API), 400, "invalid")["fields"]
    assert "token" in error_of(client.delete(API, {"token": "x"}), 400, "invalid")["fields"]
    extra = client.delete(API, {"token": TOKEN, "all": True})
    assert "all" in error_of(extra, 400, "invalid")["fields"]
    assert Device.objects.count() == 1


def test_another_users_device_is_404(ana, bob, client_for):
    theirs, _created = device_register(user=bob, token=OTHER_TOKEN, platform="ios")
    client = client_for(ana)
    error_of(client.delete(API, {"token": OTHER_TOKEN}), 404, "device_not_found")
    error_of(client.delete(f"{API}{theirs.pk}/"), 404, "device_not_found")
    error_of(client.delete(f"{API}{uuid.uuid4()}/"), 404, "device_not_found")
    assert client.delete(f"{API}not-a-uuid/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.user == bob and theirs.is_active


def test_remove_by_id(ana, client_for):
    mine, _created = device_register(user=ana, token=TOKEN, platform="web")
    assert client_for(ana).delete(f"{API}{mine.pk}/").status_code == 204
    assert not Device.objects.exists()


def test_writes_are_throttled(ana, client_for):
    client = client_for(ana)
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "devices": "2/min"}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        assert client.post(API, {"token": token(1), "platform": "android"}).status_code == 201
        assert client.delete(API, {"token": token(1)}).status_code == 204
        response = client.post(API, {"token": token(2), "platform": "android"})
        error_of(response, 429, "throttled")
        assert "Retry-After" in response.headers
        assert client.get(API).status_code == 200  # reads are not in the scope
    assert not Device.objects.exists()


def test_at_most_ten_active_devices(ana):
    for n in range(MAX_ACTIVE_DEVICES + 2):
        device_register(user=ana, token=token(n), platform="android")
    active = Device.objects.filter(user=ana, is_active=True)
    assert active.count() == MAX_ACTIVE_DEVICES
    retired = Device.objects.filter(user=ana, is_active=False)
    assert sorted(retired.values_list("token", flat=True)) == [token(0), token(1)]
    assert set(retired.values_list("deactivated_reason", flat=True)) == {"superseded"}
    # Registering a retired one again brings it back and retires the least recent.
    device_register(user=ana, token=token(0), platform="android")
    assert Device.objects.get(token=token(0)).is_active
    assert not Device.objects.get(token=token(2)).is_active


def test_devices_erase(ana, bob):
    device_register(user=ana, token=TOKEN, platform="android")
    device_register(user=ana, token=token(1), platform="web")
    device_register(user=bob, token=OTHER_TOKEN, platform="ios")
    assert devices_erase(user=ana) == 2
    assert list(Device.objects.values_list("token", flat=True)) == [OTHER_TOKEN]


def test_schema_documents_the_devices_endpoints(api):
    schema = api.get("/api/schema/?format=json").json()
    collection = schema["paths"]["/api/v1/devices/"]
    assert set(collection) >= {"get", "post", "delete"}
    assert collection["post"]["tags"] == ["devices"]
    assert {"200", "201", "400", "401", "429"} <= set(collection["post"]["responses"])
    assert "404" in collection["delete"]["responses"]
    assert "404" in schema["paths"]["/api/v1/devices/{device_id}/"]["delete"]["responses"]


@pytest.mark.urls(__name__)
def test_admin_lists_devices_with_short_tokens(ana, client):
    device_register(user=ana, token=TOKEN, platform="android", name="Pixel")
    root = get_user_model().objects.create_superuser(email="root-dev@example.com", password="x")
    client.force_login(root)
    page = client.get("/admin/notifications/device/", {"q": "ana-devices"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "ana-devices@example.com" in html and TOKEN[:12] in html
    assert TOKEN not in html
    assert client.get("/admin/notifications/device/", {"platform__exact": "ios"}).status_code == 200
    change = client.get(f"/admin/notifications/device/{Device.objects.get().pk}/change/")
    assert change.status_code == 200 and TOKEN not in change.content.decode()
