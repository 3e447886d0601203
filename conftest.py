"""Fixtures shared by every app's tests: API clients, users and real JWT logins."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

# No silent skips: counts the skipped tests per reason on every run and, under CI=true,
# fails the run on a skip not declared for the leg (tests/skips.py).
pytest_plugins = ["tests.skips"]

AUTH = "/_allauth/app/v1"
DEFAULT_PASSWORD = "Teranga-Test-2026!"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def create_user(email: str, password: str = DEFAULT_PASSWORD, *, verified: bool = True, **extra):
    """A user whose email address is (by default) already verified, as after signup."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)
    return user


def login(client: APIClient, email: str, password: str = DEFAULT_PASSWORD) -> dict:
    """Log in through allauth's app API; returns its ``meta`` (access and refresh tokens)."""
    response = client.post(
        f"{AUTH}/auth/login", {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["meta"]


def authed_client(user, password: str = DEFAULT_PASSWORD) -> APIClient:
    """A client carrying a real access token for ``user``."""
    client = APIClient()
    meta = login(client, user.email, password)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {meta['access_token']}")
    client.tokens = meta
    return client


@pytest.fixture
def make_user(db):
    return create_user


@pytest.fixture
def client_for(db):
    """``client_for(user)`` -> an APIClient logged in as that user with a real JWT."""
    return authed_client
