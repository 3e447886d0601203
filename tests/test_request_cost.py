"""What every request costs (issue "Performance"): the parts of it that tests can pin.

The throughput figures are a command, ``python -m benchmarks.api_overhead``; here are the
outcomes that the changes behind them must keep: passwords hashed with Argon2 (and older
hashes upgraded at login), an authenticated read that does not read its session from
the database, revocation that still takes effect at once, the schema served from memory
in both formats, and numbers and amounts read through their caches unchanged.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from conftest import AUTH, DEFAULT_PASSWORD, authed_client, create_user, login
from teranga.core.money import Money

pytestmark = pytest.mark.django_db

REAL_HASHERS = [
    "teranga.platform.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_a_new_password_is_hashed_with_argon2id_at_owasp_parameters(api):
    response = api.post(
        f"{AUTH}/auth/signup",
        {"email": "new@example.com", "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code in (200, 401), response.content  # 401: verify the email
    user = get_user_model().objects.get(email="new@example.com")
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(DEFAULT_PASSWORD)


@override_settings(PASSWORD_HASHERS=REAL_HASHERS)
def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_the_next_login(api):
    user = create_user("old@example.com")
    # As stored before Argon2: Django's PBKDF2 (fewer iterations keep the test quick;
    # the upgrade does not depend on them).
    user.password = make_password(DEFAULT_PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert user.password.startswith("pbkdf2_sha256$")

    meta = login(api, "old@example.com")

    assert meta["access_token"]
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(DEFAULT_PASSWORD)
    # A wrong password neither logs in nor changes the hash.
    stored = user.password
    wrong = api.post(
        f"{AUTH}/auth/login", {"email": "old@example.com", "password": "nope-nope"}, format="json"
    )
    assert wrong.status_code == 400
    user.refresh_from_db()
    assert user.password == stored


def test_an_authenticated_read_takes_its_session_from_the_cache(make_user):
    user = make_user("me@example.com")
    client = authed_client(user)
    client.get("/api/v1/me/")  # the first read after login may fill the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "me@example.com"
    tables = " ".join(query["sql"] for query in captured.captured_queries)
    assert "django_session" not in tables
    # The user once (authentication), then the profile's facts: no duplicate load.
    assert len(captured.captured_queries) <= 2, tables


def test_a_logout_still_revokes_the_cached_session_at_once(make_user):
    user = make_user("out@example.com")
    client = authed_client(user)
    assert client.get("/api/v1/me/").status_code == 200  # cached now
    session_token = client.tokens.get("session_token")
    headers = {"HTTP_X_SESSION_TOKEN": session_token} if session_token else {}
    response = client.delete(f"{AUTH}/auth/session", **headers)
    assert response.status_code == 401  # allauth: logged out
    assert client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize(
    ("accept", "content_type", "suffix"),
    [
        ("application/vnd.oai.openapi", "application/vnd.oai.openapi; charset=utf-8", "yaml"),
        (
            "application/vnd.oai.openapi+json",
            "application/vnd.oai.openapi+json; charset=utf-8",
            "json",
        ),
    ],
)
def test_the_schema_is_served_from_memory_in_each_format(api, accept, content_type, suffix):
    first = api.get("/api/schema/", HTTP_ACCEPT=accept)
    with CaptureQueriesContext(connection) as captured:
        second = api.get("/api/schema/", HTTP_ACCEPT=accept, HTTP_ACCEPT_LANGUAGE="wo")
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == second["Content-Type"] == content_type
    assert second["Content-Disposition"] == f'inline; filename="Teranga API.{suffix}"'
    assert first.content == second.content  # one schema, English, whatever the language
    assert b"/api/v1/me/" in second.content
    assert not captured.captured_queries


def test_phone_numbers_read_through_the_cache_are_the_stored_ones(make_user):
    first = make_user("a@example.com", phone="+221771234567")
    second = make_user("b@example.com", phone="+33612345678")
    third = make_user("c@example.com", phone="+221771234567")
    users = {
        u.email: u for u in get_user_model().objects.filter(pk__in=[first.pk, second.pk, third.pk])
    }
    assert str(users["a@example.com"].phone) == "+221771234567"
    assert str(users["b@example.com"].phone) == "+33612345678"
    assert users["a@example.com"].phone.is_valid()
    # Two rows with the same number get their own objects: changing one changes no other.
    assert users["a@example.com"].phone is not users["c@example.com"].phone
    users["a@example.com"].phone.national_number = 779999999
    again = get_user_model().objects.get(pk=third.pk)
    assert str(again.phone) == "+221771234567"


def test_amounts_are_formatted_as_before_through_the_cache():
    with translation.override("fr"):
        assert Money(1500, "XOF").format() == Money(1500, "XOF").format()
        assert Money(1500, "XOF").format().replace("\u202f", " ").replace("\xa0", " ") == (
            "1 500 F CFA"
        )
        assert Money(1250, "EUR").format().replace("\xa0", " ").replace("\u202f", " ") == (
            "12,50 €"
        )
        assert Money(1250, "EUR").format("en_US") == "€12.50"
