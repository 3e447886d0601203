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


@pytest.fixture(autouse=True)
def _no_channel_layer_of_a_closed_loop():
    """A test whose event loop ended while a socket was still receiving leaves the Redis
    channel layer counting that receive, with its lock bound to the dead loop: every later
    receive then fails ("bound to a different event loop"). Such a layer is of no use any
    more; the next test gets a fresh one. (A layer in good state is kept.) A loop that is
    not running counts as ended: between tests nothing runs it (asgiref may not have
    closed it yet), so its receive can never finish."""
    from channels.layers import channel_layers

    for alias, layer in list(channel_layers.backends.items()):
        loop = getattr(layer, "receive_event_loop", None)
        if (
            getattr(layer, "receive_count", 0)
            and loop is not None
            and (loop.is_closed() or not loop.is_running())
        ):
            del channel_layers.backends[alias]
    yield


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


def issue_tokens(user) -> dict:
    """The access and refresh tokens a password login gives the app, issued in process:
    the same session (Django's login and allauth's signal: the user session, the last
    login, the audit entry), the same record of a password authentication in it, and the
    same token strategy (``HEADLESS_TOKEN_STRATEGY``). What the login endpoint itself
    does (checking the password, rate limits, MFA, the known-device token) is tested
    through HTTP with :func:`login`; most tests only need a signed-in caller, and the
    round trip through the whole middleware stack cost ~50 ms per user, several users
    per test."""
    from allauth.account import signals as account_signals
    from allauth.account.adapter import get_adapter
    from allauth.account.internal.flows.login import record_authentication
    from allauth.headless import app_settings as headless_settings
    from allauth.headless.tokens.strategies.jwt import internal
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    request = RequestFactory().post(
        f"{AUTH}/auth/login", HTTP_USER_AGENT="pytest", REMOTE_ADDR="127.0.0.1"
    )
    SessionMiddleware(lambda request: None).process_request(request)
    request.user = AnonymousUser()
    record_authentication(request, user, method="password", email=user.email)
    get_adapter(request).login(request, user)
    # allauth's own signal, as its login flow sends it: the user session (device list)
    # and the audit entry.
    account_signals.user_logged_in.send(
        sender=user.__class__, request=request, response=None, user=user
    )
    request.session.save()
    access = headless_settings.TOKEN_STRATEGY.create_access_token(request)
    refresh = internal.create_refresh_token(user, request.session)
    request.session.save()
    return {"is_authenticated": True, "access_token": access, "refresh_token": refresh}


def authed_client(user, password: str = DEFAULT_PASSWORD) -> APIClient:
    """A client carrying a real access token for ``user``. With the default password the
    tokens are issued in process (:func:`issue_tokens`); with another one, the test is
    about that password (the demo's, one set from the environment), so it logs in
    through the API."""
    client = APIClient()
    meta = (
        issue_tokens(user) if password == DEFAULT_PASSWORD else login(client, user.email, password)
    )
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
