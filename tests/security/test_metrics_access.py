"""``/metrics`` is not public in PRODUCTION: a bearer token (``METRICS_TOKEN``) or an
allowed client address (``METRICS_ALLOWED_IPS``, CIDR allowed) is needed, and with
neither configured it answers 404. Outside PRODUCTION it stays open unless a token is
set. ``/health/live/`` stays public."""

from __future__ import annotations

import pytest
from django.test import Client

METRICS = "/metrics"
SAMPLE = b"django_http_requests_total_by_method_total"
TOKEN = "s3cret-scrape-token"


def scrape(*, token: str | None = None, address: str = "127.0.0.1", scheme: str = "Bearer"):
    headers = {"REMOTE_ADDR": address}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"{scheme} {token}"
    return Client().get(METRICS, **headers)


def assert_open(response):
    assert response.status_code == 200, response.content
    assert SAMPLE in response.content


def assert_hidden(response):
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    assert SAMPLE not in response.content


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    return settings


@pytest.fixture
def development(settings):
    settings.PRODUCTION = False
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    return settings


class TestProduction:
    def test_nothing_configured_answers_404(self, production):
        assert_hidden(scrape())
        assert_hidden(scrape(token="anything"))
        assert_hidden(scrape(token=""))

    def test_bearer_token(self, production):
        production.METRICS_TOKEN = TOKEN
        assert_open(scrape(token=TOKEN))
        assert_open(scrape(token=TOKEN, scheme="bearer"))
        assert_hidden(scrape())
        assert_hidden(scrape(token=TOKEN + "x"))
        assert_hidden(scrape(token=TOKEN[:-1]))
        assert_hidden(scrape(token=TOKEN, scheme="Basic"))

    def test_allowed_addresses(self, production):
        production.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"]
        assert_open(scrape(address="10.1.2.3"))
        assert_open(scrape(address="192.168.1.7"))
        assert_open(scrape(address="::ffff:10.9.9.9"))
        assert_open(scrape(address="2001:db8::1"))
        assert_hidden(scrape(address="192.168.1.8"))
        assert_hidden(scrape(address="127.0.0.1"))
        # A forwarded header is not the connection's address.
        assert_hidden(Client().get(METRICS, REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="10.0.0.1"))

    def test_token_or_address(self, production):
        production.METRICS_TOKEN = TOKEN
        production.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
        assert_open(scrape(address="10.0.0.5"))
        assert_open(scrape(token=TOKEN, address="8.8.8.8"))
        assert_hidden(scrape(token="wrong", address="8.8.8.8"))

    def test_health_stays_public(self, production):
        response = Client().get("/health/live/")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class TestOutsideProduction:
    def test_open_by_default(self, development):
        Client().get("/health/live/")
        assert_open(scrape())
        assert_open(scrape(address="8.8.8.8"))

    def test_a_token_closes_it(self, development):
        development.METRICS_TOKEN = TOKEN
        assert_hidden(scrape())
        assert_hidden(scrape(token="wrong"))
        assert_open(scrape(token=TOKEN))
