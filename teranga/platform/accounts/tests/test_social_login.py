"""Social login (Google, Apple) through allauth headless's provider token flow.

The providers are mocked at the HTTP transport (``responses``) with their documented
shapes: Google's signing certificates (``oauth2/v1/certs``: key id -> PEM X.509
certificate, the format allauth reads) and Apple's JWKS (``auth/keys``). The ID tokens are
real RS256 JWTs signed with a key made here, with the documented claims.
"""

from __future__ import annotations

import datetime
import json
import time
import uuid

import jwt
import pytest
import responses
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from conftest import AUTH, create_user
from teranga.platform.audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

TOKEN_URL = f"{AUTH}/auth/provider/token"
ME = "/api/v1/me/"
GOOGLE_CERTS = "https://www.googleapis.com/oauth2/v1/certs"
APPLE_KEYS = "https://appleid.apple.com/auth/keys"
GOOGLE_ISSUER = "https://accounts.google.com"
APPLE_ISSUER = "https://appleid.apple.com"
GOOGLE_WEB = "1234-web.apps.googleusercontent.com"
GOOGLE_IOS = "1234-ios.apps.googleusercontent.com"
APPLE_SERVICE = "sn.teranga.web"
APPLE_BUNDLE = "sn.teranga.app"
KID = "test-key-1"


def _rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = _rsa_key()
OTHER_KEY = _rsa_key()


def _pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def google_certs(key=SIGNING_KEY) -> dict:
    """Google's ``oauth2/v1/certs`` body: ``{kid: PEM X.509 certificate}``."""
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "securetoken.system.gserviceaccount.com")]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return {KID: certificate.public_bytes(serialization.Encoding.PEM).decode()}


def apple_keys(key=SIGNING_KEY) -> dict:
    """Apple's ``auth/keys`` body: a JWKS."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}


def id_token(*, issuer: str, audience: str, email: str, verified, key=SIGNING_KEY, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": issuer,
        "aud": audience,
        "sub": claims.pop("sub", uuid.uuid4().hex),
        "email": email,
        "email_verified": verified,
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(payload, _pem(key), algorithm="RS256", headers={"kid": KID})


def google_token(email: str, *, verified=True, audience: str = GOOGLE_WEB, **claims) -> str:
    claims.setdefault("given_name", "Awa")
    claims.setdefault("family_name", "Diop")
    return id_token(
        issuer=GOOGLE_ISSUER, audience=audience, email=email, verified=verified, **claims
    )


def apple_token(email: str, *, verified="true", audience: str = APPLE_BUNDLE, **claims) -> str:
    # Apple writes email_verified as the string "true" (or a boolean in newer tokens).
    return id_token(
        issuer=APPLE_ISSUER, audience=audience, email=email, verified=verified, **claims
    )


def providers(*, google: list[str] | None = None, apple: list[str] | None = None) -> dict:
    """``SOCIALACCOUNT_PROVIDERS`` as config/settings.py builds it from the environment."""

    def apps(ids, **credentials):
        return [
            {"client_id": client_id, **credentials, "settings": {"hidden": n > 0}}
            for n, client_id in enumerate(ids or [])
        ]

    return {
        "google": {"SCOPE": ["openid", "email", "profile"], "APPS": apps(google, secret="s3")},
        "apple": {"APPS": apps(apple, secret="KEYID", key="TEAMID")},
    }


@pytest.fixture
def configured(settings):
    settings.SOCIALACCOUNT_PROVIDERS = providers(
        google=[GOOGLE_WEB, GOOGLE_IOS], apple=[APPLE_SERVICE, APPLE_BUNDLE]
    )
    return settings


@pytest.fixture
def idp():
    """Google's and Apple's key endpoints, mocked at the transport."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(GOOGLE_CERTS, json=google_certs())
        mock.get(APPLE_KEYS, json=apple_keys())
        yield mock


def sign_in(provider: str, token: dict, client: APIClient | None = None):
    client = client or APIClient()
    return client.post(
        TOKEN_URL, {"provider": provider, "process": "login", "token": token}, format="json"
    )


def google(email: str, *, client_id: str = GOOGLE_WEB, **kwargs):
    return sign_in(
        "google",
        {"client_id": client_id, "id_token": google_token(email, audience=client_id, **kwargs)},
    )


def apple(email: str, *, client_id: str = APPLE_BUNDLE, name: dict | None = None, **kwargs):
    token = {"client_id": client_id, "id_token": apple_token(email, audience=client_id, **kwargs)}
    if name is not None:
        token["name"] = name
    return sign_in("apple", token)


def me(response) -> dict:
    """``GET /api/v1/me/`` with the access token allauth answered."""
    meta = response.json()["meta"]
    assert meta["is_authenticated"] is True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {meta['access_token']}")
    answer = client.get(ME)
    assert answer.status_code == 200, answer.content
    return answer.json()


def error_codes(response) -> list[str]:
    body = response.json()
    assert body["status"] == response.status_code
    return [error["code"] for error in body["errors"]]


# --- configuration -----------------------------------------------------------------


def test_config_lists_each_configured_provider_once(configured, api):
    response = api.get(f"{AUTH}/config")
    assert response.status_code == 200
    listed = response.json()["data"]["socialaccount"]["providers"]
    assert [(p["id"], p["client_id"]) for p in listed] == [
        ("apple", APPLE_SERVICE),
        ("google", GOOGLE_WEB),
    ]
    assert all("provider_token" in p["flows"] for p in listed)
    # The app client is offered the token flow only (the redirect flow is the browser
    # client's, which we do not enable): the web signs in with an ID token too.
    flows = {f["id"]: f for f in api.get(f"{AUTH}/auth/session").json()["data"]["flows"]}
    assert sorted(flows["provider_token"]["providers"]) == ["apple", "google"]
    assert "provider_redirect" not in flows


def test_provider_without_credentials_is_not_offered_and_refused(settings, api, idp):
    settings.SOCIALACCOUNT_PROVIDERS = providers()
    assert api.get(f"{AUTH}/config").json()["data"]["socialaccount"]["providers"] == []
    response = google("awa@example.com")
    assert response.status_code == 400
    assert error_codes(response) == ["invalid_token"]
    assert not get_user_model().objects.filter(email="awa@example.com").exists()


def test_social_app_from_the_admin_is_used_when_the_environment_is_empty(settings, api, idp):
    settings.SOCIALACCOUNT_PROVIDERS = providers()
    SocialApp.objects.create(provider="google", name="Google", client_id=GOOGLE_WEB, secret="s3")
    listed = api.get(f"{AUTH}/config").json()["data"]["socialaccount"]["providers"]
    assert [p["id"] for p in listed] == ["google"]
    response = google("admin-configured@example.com")
    assert response.status_code == 200, response.content
    assert me(response)["email"] == "admin-configured@example.com"


# --- Google --------------------------------------------------------------------------


def test_google_sign_up_of_a_new_user(configured, idp):
    response = google("Awa.Diop@Example.com", sub="google-sub-1")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["user"]["email"] == "awa.diop@example.com"
    profile = me(response)
    assert profile["email"] == "awa.diop@example.com"
    user = get_user_model().objects.get(email="awa.diop@example.com")
    assert (user.first_name, user.last_name) == ("Awa", "Diop")
    assert EmailAddress.objects.get(user=user).verified is True
    assert SocialAccount.objects.get(user=user).uid == "google-sub-1"
    # The sign-in is in the audit log (the accounts app's user_logged_in receiver).
    assert AuditEntry.objects.filter(subject=user, action=AuditAction.SIGN_IN).count() == 1

    # Signing in again with the same Google account reaches the same user.
    again = google("awa.diop@example.com", sub="google-sub-1")
    assert again.status_code == 200, again.content
    assert me(again)["id"] == profile["id"]
    assert get_user_model().objects.count() == 1


def test_google_ios_client_id_reaches_the_same_provider(configured, idp):
    response = google("ios@example.com", client_id=GOOGLE_IOS)
    assert response.status_code == 200, response.content
    assert me(response)["email"] == "ios@example.com"


def test_existing_user_with_the_verified_email_is_linked(configured, idp):
    user = create_user("fatou@example.com")
    response = google("fatou@example.com", sub="google-sub-fatou")
    assert response.status_code == 200, response.content
    assert me(response)["id"] == str(user.pk)
    assert get_user_model().objects.count() == 1
    account = SocialAccount.objects.get(provider="google")
    assert (account.user_id, account.uid) == (user.pk, "google-sub-fatou")


def test_unverified_provider_email_never_links(configured, idp):
    """allauth does not sign in to the existing account. With the address taken it cannot
    sign up either: it answers as for any signup on a taken address (no enumeration), a
    pending ``verify_email`` stage that only the address's owner could complete. Nothing
    is linked, no account is created, no token is handed out."""
    user = create_user("khady@example.com")
    response = google("khady@example.com", verified=False)
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["meta"]["is_authenticated"] is False
    assert "access_token" not in body["meta"]
    pending = [f["id"] for f in body["data"]["flows"] if f.get("is_pending")]
    assert pending == ["verify_email"]
    assert not SocialAccount.objects.exists()
    assert get_user_model().objects.get().pk == user.pk
    assert not AuditEntry.objects.filter(subject=user, action=AuditAction.SIGN_IN).exists()


def test_new_user_with_an_unverified_email_must_verify_it(configured, idp):
    response = google("new-unverified@example.com", verified=False)
    assert response.status_code == 401, response.content
    flows = {f["id"]: f for f in response.json()["data"]["flows"]}
    assert flows["verify_email"]["is_pending"] is True
    address = EmailAddress.objects.get(email="new-unverified@example.com")
    assert address.verified is False


@pytest.mark.parametrize(
    "case",
    ["bad_signature", "wrong_audience", "expired", "wrong_issuer", "garbage"],
)
def test_bad_google_tokens_are_refused(configured, idp, case):
    email = "mallory@example.com"
    create_user(email)
    if case == "bad_signature":
        token = google_token(email, key=OTHER_KEY)
    elif case == "wrong_audience":
        token = google_token(email, audience="someone-else.apps.googleusercontent.com")
    elif case == "expired":
        token = google_token(email, exp=int(time.time()) - 60, iat=int(time.time()) - 3660)
    elif case == "wrong_issuer":
        token = id_token(
            issuer="https://evil.example", audience=GOOGLE_WEB, email=email, verified=True
        )
    else:
        token = "not-a-jwt"
    response = sign_in("google", {"client_id": GOOGLE_WEB, "id_token": token})
    assert response.status_code == 400, response.content
    assert error_codes(response) == ["invalid_token"]
    assert not SocialAccount.objects.exists()


def test_unknown_client_id_and_missing_token_are_refused(configured, idp):
    unknown = sign_in(
        "google", {"client_id": "stranger", "id_token": google_token("a@example.com")}
    )
    assert unknown.status_code == 400
    assert error_codes(unknown) == ["invalid_token"]
    missing = sign_in("google", {"client_id": GOOGLE_WEB})
    assert missing.status_code == 400
    assert error_codes(missing) == ["token_required"]


# --- Apple ---------------------------------------------------------------------------


def test_apple_sign_up_keeps_the_name_sent_on_first_sign_in(configured, idp):
    response = apple(
        "moussa@privaterelay.appleid.com",
        sub="001234.apple",
        name={"firstName": "Moussa", "lastName": "Ndiaye"},
    )
    assert response.status_code == 200, response.content
    assert me(response)["email"] == "moussa@privaterelay.appleid.com"
    user = get_user_model().objects.get(email="moussa@privaterelay.appleid.com")
    assert (user.first_name, user.last_name) == ("Moussa", "Ndiaye")
    assert EmailAddress.objects.get(user=user).verified is True
    assert SocialAccount.objects.get(user=user, provider="apple").uid == "001234.apple"


def test_apple_sign_in_links_the_verified_email(configured, idp):
    user = create_user("aminata@example.com")
    response = apple("aminata@example.com", client_id=APPLE_SERVICE, verified=True)
    assert response.status_code == 200, response.content
    assert me(response)["id"] == str(user.pk)
    assert SocialAccount.objects.get(provider="apple").user_id == user.pk


def test_apple_unverified_string_does_not_link(configured, idp):
    create_user("binta@example.com")
    response = apple("binta@example.com", verified="false")
    assert response.status_code == 401, response.content
    assert not SocialAccount.objects.exists()


def test_apple_token_signed_by_another_key_is_refused(configured, idp):
    token = apple_token("x@example.com", key=OTHER_KEY)
    response = sign_in("apple", {"client_id": APPLE_BUNDLE, "id_token": token})
    assert response.status_code == 400
    assert error_codes(response) == ["invalid_token"]


# --- the demo (make run): issue 21's "Done when" ---------------------------------------


def test_a_demo_user_signs_in_with_mocked_google_and_mocked_apple(configured, idp):
    from teranga.platform.organizations.demo import seed_demo

    logins = seed_demo()
    email = next(email for email, role, _ in logins if role == "client")
    user = get_user_model().objects.get(email=email)

    with_google = google(email, sub="demo-google")
    assert with_google.status_code == 200, with_google.content
    assert me(with_google)["id"] == str(user.pk)

    with_apple = apple(email, sub="demo-apple")
    assert with_apple.status_code == 200, with_apple.content
    assert me(with_apple)["id"] == str(user.pk)

    assert set(SocialAccount.objects.filter(user=user).values_list("provider", flat=True)) == {
        "google",
        "apple",
    }


def test_allauth_specification_documents_the_provider_token_flow(api):
    spec = api.get("/_allauth/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/_allauth/app/v1/auth/provider/token" in paths
    assert "/_allauth/app/v1/account/providers" in paths
