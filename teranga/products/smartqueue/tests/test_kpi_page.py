"""The manager's KPI page ``/smartqueue/kpi/<organization_id>/``.

Over HTTP (Django's test client): without a session the page is the sign-in shell;
another organisation is 404, a member below manager 403, bad parameters 400, and a
manager's page carries the forecast, the staffing advice and today's KPIs.

In a real browser (Debian's Chromium driven by Playwright, against the real server in a
subprocess with its own database): a manager's session sees next week's forecast drawn
by the vendored Chart.js (the expected line and the 90 % band, with data) and the
staffing table filled for the target; a manager without a session signs in on the page
(allauth's app API, JWT) and sees the same from the API; another organisation's manager
is told 404."""

from __future__ import annotations

import os
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.test import Client

from teranga.products.smartqueue.models import ArrivalForecast
from teranga.products.smartqueue.selectors.days import local_day
from teranga.products.smartqueue.services.forecast import forecasts_compute
from tests.live import manage, own_database, process_env
from tests.skips import require
from tests.test_live_server import Server, shell

from .forecast_world import open_branch, seed_history

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 15_000
PASSWORD = "Teranga-Kpi-2026!"


def page_url(bank) -> str:
    return f"/smartqueue/kpi/{bank.org.pk}/"


@pytest.mark.django_db
def test_the_page_needs_a_session_and_the_right(bank):
    url = page_url(bank)
    anonymous = Client().get(url)
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert 'data-mode="token"' in html and 'id="login-view"' in html
    assert '"figures": null' in html
    for name, status in (("other_owner", 404), ("alice", 404), ("agent1", 403), ("manager", 200)):
        client = Client()
        client.force_login(bank.users[name])
        assert client.get(url).status_code == status, name
    client = Client()
    client.force_login(bank.users["manager"])
    assert client.get("/smartqueue/kpi/nope/").status_code == 404
    assert client.get(url, {"date": "demain"}).status_code == 400
    assert client.get(url, {"branch": "x"}).status_code == 400


@pytest.mark.django_db
def test_the_page_carries_the_figures(bank):
    open_branch(bank.branch)
    seed_history(bank.normal, today=local_day(bank.org), weeks=3, per_day=40)
    forecasts_compute(organization=bank.org)
    client = Client()
    client.force_login(bank.users["manager"])
    today = local_day(bank.org)
    day = next(  # a coming weekday with open hours (not a holiday)
        today + timedelta(days=n)
        for n in range(1, 14)
        if ArrivalForecast.objects.filter(
            branch=bank.branch, hour_start__date=today + timedelta(days=n)
        ).count()
        >= 5
    )
    response = client.get(page_url(bank), {"date": str(day)}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    html = response.content.decode()
    # The staffing table is on the page without JavaScript too.
    assert html.count("<tr data-counters=") >= 5
    assert 'data-mode="session"' in html and 'id="kpi-data"' in html
    assert '"series": [{"branch"' in html and '"hours": [' in html
    assert "core/vendor/chart.umd.min.js" in html and "smartqueue/kpi.js" in html
    assert "cdn" not in html.lower()
    assert response["Cache-Control"] == "private, no-store"
    assert bank.branch.name in html and 'id="kpi-issued">0<' in html


# --- In Chromium -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("sq-kpi-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        unique = f"sqk{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = redis_url
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "sqkpi"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


SEED = f"""
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.test import Client
from allauth.account.models import EmailAddress
from teranga.platform.organizations.models import Membership, Role
from teranga.products.smartqueue.models import ArrivalForecast
from teranga.products.smartqueue.selectors.days import local_day
from teranga.products.smartqueue.services.forecast import forecasts_compute
from teranga.products.smartqueue.tests.factories import (
    BankFactory, CounterFactory, DakarBranchFactory, QueueFactory, QueueServiceFactory,
)
from teranga.products.smartqueue.tests.forecast_world import open_branch, seed_history

User = get_user_model()
bank = BankFactory(name="Banque du Tableau", slug="banque-tableau")
branch = DakarBranchFactory(organization=bank, name="Agence Centrale")
open_branch(branch)
service = QueueServiceFactory(organization=bank, name="Opérations courantes")
queue = QueueFactory(organization=bank, branch=branch, service=service, prefix="A")
for n in range(3):
    CounterFactory(organization=bank, branch=branch, name=f"Guichet {{n + 1}}", queues=[queue])
seed_history(queue, today=local_day(bank), weeks=4, per_day=90)
forecasts_compute(organization=bank)
other = BankFactory(name="Autre Banque", slug="autre-banque-kpi")
manager = User.objects.create_user(email="manager@tableau.example", password={PASSWORD!r})
Membership.objects.create(organization=bank, user=manager, role=Role.MANAGER)
rival = User.objects.create_user(email="manager@autre.example", password={PASSWORD!r})
Membership.objects.create(organization=other, user=rival, role=Role.MANAGER)
for user in (manager, rival):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
client = Client()
client.force_login(manager)
print(json.dumps({{"bank": str(bank.pk), "manager": client.cookies["sessionid"].value}}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("sq-kpi-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def world(live_env, server):
    return shell(SEED, live_env)


@pytest.fixture
def browser(tmp_path):
    require(
        f"Debian's Chromium ({CHROMIUM})",
        Path(CHROMIUM).exists(),
        "make system-packages (apt-get install chromium)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            locale="fr-FR",
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def drawn(page) -> dict:
    """What Chart.js drew: labels and each dataset's label and data."""
    return page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("chart-forecast"));
            return chart && {
                labels: chart.data.labels,
                datasets: chart.data.datasets.map((d) => ({label: d.label, data: d.data,
                                                           fill: d.fill})),
                width: chart.width,
            };
        }"""
    )


def assert_forecast_and_staffing(page):
    chart = drawn(page)
    assert chart is not None and chart["width"] > 0
    high, low, expected = chart["datasets"]
    points = len(chart["labels"])
    assert points >= 20  # a week of open hours (holidays aside)
    assert len(expected["data"]) == len(high["data"]) == len(low["data"]) == points
    assert sum(expected["data"]) > 0
    assert high["fill"] == "+1"  # the band between high and low
    assert all(lo <= e <= hi for lo, e, hi in zip(low["data"], expected["data"], high["data"]))
    rows = page.locator("#staffing tbody tr[data-counters]")
    assert rows.count() >= 1
    counters = [int(rows.nth(i).get_attribute("data-counters")) for i in range(rows.count())]
    assert max(counters) >= 1
    first = rows.nth(0).inner_text()
    assert ":00" in first and "%" in first


@pytest.mark.live
def test_a_managers_session_sees_the_forecast_and_the_staffing(browser, server, world):
    host = urlparse(server.base).hostname
    browser.add_cookies(
        [{"name": "sessionid", "value": world["manager"], "domain": host, "path": "/"}]
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.base}/smartqueue/kpi/{world['bank']}/")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#organization-name").inner_text() == "Banque du Tableau"
    # A weekday with open hours: the next Tuesday.
    day = page.evaluate(
        """() => { const d = new Date(); d.setDate(d.getDate() + ((9 - d.getDay()) % 7 || 7));
                   return d.toISOString().slice(0, 10); }"""
    )
    page.fill("#date", day)
    page.click("#filters button[type=submit]")
    page.wait_for_url(f"**date={day}**", timeout=WAIT_MS)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert page.locator("#staffing-day").inner_text() == day
    assert page.locator("#counters-available").inner_text() == "3"
    assert "80" in page.locator("#target").inner_text()
    assert_forecast_and_staffing(page)


@pytest.mark.live
def test_a_manager_signs_in_on_the_page(browser, server, world):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    url = f"{server.base}/smartqueue/kpi/{world['bank']}/"
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert page.locator("#login-view").is_visible()
    page.fill("#email", "manager@tableau.example")
    page.fill("#password", "wrong password")
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("#message:not([hidden])", timeout=WAIT_MS)
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#kpi-view").is_visible()
    # Wednesday next week: the staffing table from the API.
    page.evaluate("document.body.dataset.drawn = '0'")
    wednesday = page.evaluate(
        """() => { const d = new Date(); d.setDate(d.getDate() + ((10 - d.getDay()) % 7 || 7));
                   return d.toISOString().slice(0, 10); }"""
    )
    page.goto(f"{url}?date={wednesday}")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert page.locator("#staffing-day").inner_text() == wednesday
    assert_forecast_and_staffing(page)
    # Another organisation's manager: the API's 404, said on the page.
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])", timeout=WAIT_MS)
    page.evaluate("document.body.dataset.ready = '0'")
    page.fill("#email", "manager@autre.example")
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-status='404']", timeout=WAIT_MS)
    assert page.locator("#message").is_visible()
    assert not page.locator("#kpi-view").is_visible()
