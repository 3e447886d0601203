"""/api/v1/me/: profile read and update, GDPR export and erasure, languages."""

from __future__ import annotations

import io
import json

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from conftest import AUTH, DEFAULT_PASSWORD
from teranga.platform.notifications.models import SmsMessage
from teranga.platform.notifications.services import sms_send

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
AVATAR = "/api/v1/me/avatar/"
EXPORT = "/api/v1/me/export/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_get_me(make_user, client_for):
    user = make_user("me@example.com", first_name="Awa", last_name="Diop", language="en")
    response = client_for(user).get(ME)
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(user.pk)
    assert body["email"] == "me@example.com"
    assert (body["first_name"], body["last_name"]) == ("Awa", "Diop")
    assert body["language"] == "en"
    assert body["phone"] is None and body["phone_verified"] is False
    assert body["avatar"] is None
    assert body["privacy_consent_at"] is None
    assert body["email_verified"] is True
    assert body["mfa_enabled"] is False
    assert body["date_joined"]


def test_me_requires_authentication(api):
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(ME)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
    assert api.get(EXPORT).status_code == 401
    bad_token = APIClient()
    bad_token.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert bad_token.get(ME).status_code == 401


def test_patch_me(make_user, client_for):
    user = make_user("patch@example.com")
    client = client_for(user)
    response = client.patch(
        ME,
        {"first_name": "Moussa", "last_name": "Sow", "language": "wo", "privacy_consent": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["first_name"] == "Moussa" and body["language"] == "wo"
    assert body["privacy_consent_at"]
    user.refresh_from_db()
    assert user.last_name == "Sow" and user.language == "wo"
    consent_at = user.privacy_consent_at
    assert consent_at is not None

    # Consent given again keeps the first date; false withdraws it.
    client.patch(ME, {"privacy_consent": True}, format="json")
    user.refresh_from_db()
    assert user.privacy_consent_at == consent_at
    client.patch(ME, {"privacy_consent": False}, format="json")
    user.refresh_from_db()
    assert user.privacy_consent_at is None


@pytest.mark.parametrize(
    "payload",
    [
        {"first_name": "X", "email": "hacker@example.com"},
        {"first_name": "X", "phone": "+221771234567"},
        {"first_name": "X", "is_staff": True},
        {"first_name": "X", "language": "de"},
        {"first_name": "X", "privacy_consent": "maybe"},
        {"first_name": "X" * 200},
    ],
)
def test_patch_me_bad_input_changes_nothing(make_user, client_for, payload):
    user = make_user("strict@example.com", first_name="Original")
    response = client_for(user).patch(ME, payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"]
    user.refresh_from_db()
    assert user.first_name == "Original"
    assert user.email == "strict@example.com"
    assert user.phone is None and user.is_staff is False and user.language == "fr"


def test_avatar_upload_and_replace(
    make_user, client_for, settings, django_capture_on_commit_callbacks
):
    user = make_user("avatar@example.com", first_name="Fatou")
    client = client_for(user)
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = client.put(AVATAR, {"avatar": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["avatar"].startswith("http://testserver/media/avatars/")
    assert response.json()["first_name"] == "Fatou"
    user.refresh_from_db()
    first_name = user.avatar.name
    assert (settings.MEDIA_ROOT / "public" / first_name).exists()

    again = SimpleUploadedFile("other.png", png_bytes(), content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.put(AVATAR, {"avatar": again}, format="multipart").status_code == 200
    user.refresh_from_db()
    assert user.avatar.name != first_name
    assert (settings.MEDIA_ROOT / "public" / user.avatar.name).exists()
    assert not (settings.MEDIA_ROOT / "public" / first_name).exists()  # the replaced file is gone

    second = user.avatar.name
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(AVATAR).status_code == 204
    user.refresh_from_db()
    assert not user.avatar and not (settings.MEDIA_ROOT / "public" / second).exists()
    assert client.get(ME).json()["avatar"] is None
    assert client.delete(AVATAR).status_code == 204  # idempotent


@pytest.mark.parametrize(
    "data",
    [
        {"avatar": ("x.png", b"this is not a picture")},
        {"avatar": ("x.png", b"")},
        {},
        {"avatar": ("x.png", None), "first_name": "Changed"},
    ],
)
def test_avatar_bad_upload_changes_nothing(make_user, client_for, data):
    user = make_user("fake@example.com", first_name="Keep")
    client = client_for(user)
    data = {
        k: SimpleUploadedFile(v[0], png_bytes() if v[1] is None else v[1], "image/png")
        if isinstance(v, tuple)
        else v
        for k, v in data.items()
    }
    response = client.put(AVATAR, data, format="multipart")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) & {"avatar", "first_name"}
    user.refresh_from_db()
    assert not user.avatar
    assert user.first_name == "Keep"


def test_profile_takes_json_and_the_avatar_multipart_only(make_user, client_for, api):
    user = make_user("media@example.com", first_name="Keep")
    client = client_for(user)
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    refused = client.patch(ME, {"avatar": upload, "first_name": "X"}, format="multipart")
    assert refused.status_code == 415
    assert refused.json()["error"]["code"] == "unsupported_media_type"
    unknown = client.patch(ME, {"avatar": None}, format="json")  # no longer a profile field
    assert unknown.status_code == 400 and "avatar" in unknown.json()["error"]["fields"]
    as_json = client.put(AVATAR, {"avatar": "x"}, format="json")
    assert as_json.status_code == 415
    assert as_json.json()["error"]["code"] == "unsupported_media_type"
    anonymous = api.put(AVATAR, {"avatar": upload}, format="multipart")
    assert anonymous.status_code == 401
    assert api.delete(AVATAR).status_code == 401
    user.refresh_from_db()
    assert not user.avatar and user.first_name == "Keep"


def test_export(make_user, client_for):
    user = make_user("export@example.com", first_name="Ndeye", phone="+221771234567")
    sms_send(to="+221771234567", body="code 123456", purpose="phone_verification")
    sms_send(to="+221770000001", body="someone else", purpose="phone_verification")
    client = client_for(user)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["profile"]["email"] == "export@example.com"
    assert data["profile"]["first_name"] == "Ndeye"
    assert data["emails"] == [{"email": "export@example.com", "primary": True, "verified": True}]
    assert len(data["sessions"]) == 1
    assert data["mfa_types"] == []
    assert [m["body"] for m in data["sms_messages"]] == ["code 123456"]


def test_export_is_throttled(make_user, client_for, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert "account_export" in rates and "account_erase" in rates
    user = make_user("throttle@example.com")
    client = client_for(user)
    limit = int(rates["account_export"].split("/")[0])
    statuses = [client.get(EXPORT).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [200] * limit
    assert statuses[-1] == 429
    assert client.get(ME).status_code == 200  # only the export scope is spent


@pytest.mark.parametrize("body", [{}, {"password": "wrong"}, {"password": ""}])
def test_delete_needs_the_password(make_user, client_for, body):
    user = make_user("keep@example.com", first_name="Keep")
    client = client_for(user)
    response = client.delete(ME, body, format="json")
    assert response.status_code == 400
    if body.get("password"):
        assert response.json()["error"]["code"] == "invalid_password"
    user.refresh_from_db()
    assert user.is_active and user.email == "keep@example.com" and user.first_name == "Keep"
    assert user.erased_at is None
    assert client.get(ME).status_code == 200


def test_delete_erases_personal_data_and_revokes_every_token(
    make_user, client_for, settings, django_capture_on_commit_callbacks
):
    user = make_user(
        "erase@example.com",
        first_name="Awa",
        last_name="Ndiaye",
        phone="+221771234567",
        phone_verified=True,
    )
    first = client_for(user)
    second = client_for(user)
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    assert first.put(AVATAR, {"avatar": upload}, format="multipart").status_code == 200
    user.refresh_from_db()
    avatar_path = settings.MEDIA_ROOT / "public" / user.avatar.name
    assert avatar_path.exists()
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    sms_send(to="+221771234567", body="code 654321", purpose="phone_verification")

    with django_capture_on_commit_callbacks(execute=True):
        response = first.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204

    user.refresh_from_db()
    assert user.email == f"erased-{user.pk}@erased.invalid"
    assert (user.first_name, user.last_name) == ("", "")
    assert user.phone is None and not user.phone_verified
    assert not user.avatar and not avatar_path.exists()
    assert user.is_active is False
    assert user.has_usable_password() is False
    assert user.erased_at is not None
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not Authenticator.objects.filter(user=user).exists()
    assert not UserSession.objects.filter(user=user).exists()
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(user.pk) for s in Session.objects.all()
    )
    assert not SmsMessage.objects.filter(body__contains="654321").exists()

    for client in (first, second):
        assert client.get(ME).status_code == 401
        refreshed = APIClient().post(
            f"{AUTH}/tokens/refresh",
            {"refresh_token": client.tokens["refresh_token"]},
            format="json",
        )
        assert refreshed.status_code >= 400
    relogin = APIClient().post(
        f"{AUTH}/auth/login", {"email": "erase@example.com", "password": DEFAULT_PASSWORD}
    )
    assert relogin.status_code == 400


def test_error_message_follows_accept_language(api):
    english = api.get(ME, HTTP_ACCEPT_LANGUAGE="en")
    french = api.get(ME, HTTP_ACCEPT_LANGUAGE="fr")
    assert english.status_code == french.status_code == 401
    assert english.json()["error"]["message"] == "Authentication credentials were not provided."
    assert french.json()["error"]["message"] != english.json()["error"]["message"]
    assert english["Content-Language"] == "en"


def test_accept_language_wins_over_the_profile_then_the_profile_decides(make_user, client_for):
    english_user = make_user("en@example.com", language="en")
    client = client_for(english_user)
    response = client.patch(ME, {"language": "xx"}, format="json", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    assert response.json()["error"]["message"] == "Certains champs sont invalides."

    # No header, or one naming no language we speak: the profile's language.
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "de-DE, it;q=0.5"}):
        response = client.patch(ME, {"language": "xx"}, format="json", **headers)
        assert response["Content-Language"] == "en"
        assert response.json()["error"]["message"] == "Some fields are invalid."


def test_one_language_per_answer_field_errors_included(make_user, client_for):
    """A Wolof answer has its message and its field errors in Wolof, not DRF's French
    or English: our catalogue carries the libraries' messages for Wolof."""
    client = client_for(make_user("wo@example.com", language="fr"))
    answers = {
        language: client.patch(ME, {"language": "xx"}, format="json", HTTP_ACCEPT_LANGUAGE=language)
        for language in ("wo", "fr", "en")
    }
    assert {a.status_code for a in answers.values()} == {400}
    assert answers["wo"]["Content-Language"] == "wo"
    wolof = answers["wo"].json()["error"]
    field_message = wolof["fields"]["language"][0]
    for other in ("fr", "en"):
        error = answers[other].json()["error"]
        assert wolof["message"] != error["message"]
        assert field_message != error["fields"]["language"][0]
    assert "xx" in field_message


def test_schema_documents_me_endpoints(api):
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    me = schema["paths"]["/api/v1/me/"]
    assert {"get", "patch", "delete"} <= set(me)
    assert "requestBody" in me["patch"] and "requestBody" in me["delete"]
    assert "204" in me["delete"]["responses"] and "401" in me["get"]["responses"]
    assert "/api/v1/me/export/" in schema["paths"]


def test_admin_lists_searches_and_adds_users(admin_client, make_user):
    from django.contrib.auth import get_user_model

    make_user("listed@example.com", first_name="Listed")
    listing = admin_client.get("/admin/accounts/user/?q=listed&is_active__exact=1")
    assert listing.status_code == 200
    assert b"listed@example.com" in listing.content
    added = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "Staff.Added@Example.com",
            "password1": "Str0ng-Pass-99!",
            "password2": "Str0ng-Pass-99!",
        },
    )
    assert added.status_code == 302, added.content
    user = get_user_model().objects.get(email="staff.added@example.com")
    assert user.check_password("Str0ng-Pass-99!")
    assert admin_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200
    duplicate = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "LISTED@example.com",
            "password1": "Str0ng-Pass-99!",
            "password2": "Str0ng-Pass-99!",
        },
    )
    assert duplicate.status_code == 200  # the form is shown again with the error
    assert get_user_model().objects.filter(email__iexact="listed@example.com").count() == 1


# --- Client profile (seed 001: name, first name, phone and address) ----------------------

CLIENT = "/api/v1/me/client/"


def test_client_profile_read_empty_then_update(make_user, client_for):
    user = make_user("cliente@example.test", first_name="Awa", last_name="Diop")
    client = client_for(user)
    response = client.get(CLIENT)
    assert response.status_code == 200
    assert response.json()["address"] == ""
    assert client.get(ME).json()["client"] is None

    response = client.put(
        CLIENT,
        {"address": "12 rue Carnot", "city": "Dakar", "region": "DK", "postal_code": "10200"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["region"] == "DK"
    response = client.patch(CLIENT, {"address_complement": "Plateau"}, format="json")
    assert response.json()["address"] == "12 rue Carnot"
    me = client.get(ME).json()
    assert me["client"]["city"] == "Dakar"
    assert me["client"]["address_complement"] == "Plateau"
    assert me["first_name"] == "Awa"


@pytest.mark.parametrize(
    "payload",
    [{"region": "ZZ"}, {"country": "US"}, {"city": "x" * 101}, {"unknown": 1}],
)
def test_client_profile_bad_input_changes_nothing(make_user, client_for, payload):
    user = make_user("cliente2@example.test")
    client = client_for(user)
    client.patch(CLIENT, {"city": "Thiès"}, format="json")
    response = client.patch(CLIENT, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert client.get(CLIENT).json()["city"] == "Thiès"


def test_client_profile_requires_authentication(api):
    assert api.get(CLIENT).status_code == 401
    assert api.patch(CLIENT, {"city": "Dakar"}, format="json").status_code == 401


def test_client_profile_erased_and_exported(make_user, client_for):
    user = make_user("cliente3@example.test")
    client = client_for(user)
    client.patch(CLIENT, {"address": "Rue 10", "city": "Saint-Louis"}, format="json")
    exported = client.get(EXPORT).json()
    assert exported["client_profile"]["address"] == "Rue 10"
    response = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204
    from teranga.platform.accounts.models import ClientProfile

    assert not ClientProfile.objects.filter(user=user).exists()
