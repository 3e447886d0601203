"""The organiser's dashboard page ``/campus/dashboard/<organization_id>/``.

Over HTTP (Django's test client): a session is needed (an anonymous visitor is sent to
the sign-in page), another organisation is 404, a member below manager 403, bad
parameters 400, and the figures are written in the page.

In a real browser (Debian's Chromium driven by Playwright, against the real server:
``manage.py serve`` in a subprocess, its own database): a platform staff member signs in
through ``/admin/login/`` and lands on the server-rendered dashboard, whose charts the
vendored Chart.js draws (both canvases hold a chart with the figures) and whose totals
are in the page; a manager without a session signs in on the page itself (allauth's app
API, JWT) and sees the same figures drawn from the API (reviews included: the
organiser's rating and each top event's); a manager's session sees them too; another
organisation's manager gets 404."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.test import Client

from conftest import create_user
from teranga.platform.organizations.models import Membership, Role
from tests.live import manage, own_database, process_env
from tests.skips import require
from tests.test_live_server import Server, shell

from .factories import EventFactory, TicketTypeFactory, issued_ticket

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
PASSWORD = "Teranga-Dashboard-2026!"


# --- Over HTTP ---------------------------------------------------------------------------


def page_url(organization) -> str:
    return f"/campus/dashboard/{organization.pk}/"


@pytest.mark.django_db
def test_the_page_needs_a_session_and_the_right(campus):
    url = page_url(campus.university)
    # Without a session: the shell, whose script signs in through the API.
    anonymous = Client().get(url)
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert 'data-mode="token"' in html and 'id="login-view"' in html
    assert '"figures": null' in html
    for user, status in (
        (campus.other_manager, 404),
        (campus.student, 404),
        (campus.agent, 403),
        (campus.manager, 200),
    ):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client = Client()
    client.force_login(campus.manager)
    assert client.get("/campus/dashboard/nope/").status_code == 404
    assert client.get(url, {"period": "year"}).status_code == 400
    assert client.get(url, {"from": "2026-02-01", "to": "2025-01-01"}).status_code == 400


@pytest.mark.django_db
def test_the_page_shows_the_figures(campus):
    event = EventFactory(organization=campus.university, title="Nuit du code")
    kind = TicketTypeFactory(event=event, price=3000)
    for i in range(3):
        issued_ticket(kind, create_user(f"fan{i}@ucad.test"))
    member = create_user("club-manager@club.test")
    Membership.objects.create(organization=campus.club, user=member, role=Role.MANAGER)
    client = Client()
    client.force_login(campus.manager)
    response = client.get(page_url(campus.university), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nuit du code" in html
    assert 'id="total-tickets">3<' in html
    assert 'data-mode="session"' in html
    assert 'id="dashboard-data"' in html
    assert "core/vendor/chart.umd.min.js" in html
    assert "cdn" not in html.lower()
    assert response["Cache-Control"] == "private, no-store"


# --- In Chromium -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("campus-dash-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        # The run's own Redis database, the server's tasks and channels under their own
        # names.
        unique = f"cdb{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = redis_url
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "campusdash"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


SEED = f"""
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from allauth.account.models import EmailAddress
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.payments.models import Payment
from teranga.products.campus.models import Event, EventView, Review
from teranga.products.campus.tests.factories import (
    EventFactory, TicketTypeFactory, UniversityFactory, issued_ticket,
)

User = get_user_model()
university = UniversityFactory(name="Université du Tableau", slug="univ-tableau")
other = UniversityFactory(name="Autre Université", slug="autre-univ")
manager = User.objects.create_user(email="manager@tableau.example", password={PASSWORD!r})
Membership.objects.create(organization=university, user=manager, role=Role.MANAGER)
rival = User.objects.create_user(email="manager@autre.example", password={PASSWORD!r})
Membership.objects.create(organization=other, user=rival, role=Role.MANAGER)
for user in (manager, rival):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
staff = User.objects.create_user(email="staff@teranga.example", password={PASSWORD!r},
                                 is_staff=True)
today = timezone.localdate()
gala = EventFactory(organization=university, title="Gala des étudiants")
atelier = EventFactory(organization=university, title="Atelier Python")
for event, count, price in ((gala, 4, 5000), (atelier, 2, 1000)):
    kind = TicketTypeFactory(event=event, price=price)
    for i in range(count):
        buyer = User.objects.create_user(email=f"b{{i}}-{{event.pk.hex[:6]}}@tableau.example")
        ticket = issued_ticket(kind, buyer)
        Payment.objects.create(
            organization=university, payer=buyer, target_type="campus.order",
            target_id=str(ticket.order_id), description="Billet", subtotal_amount=price,
            amount=price, currency="XOF", provider="sandbox", status="succeeded",
            expires_at=timezone.now() + timedelta(minutes=10), succeeded_at=timezone.now(),
        )
for n in range(7):
    EventView.objects.create(event=gala, viewer=f"v{{n}}", day=today)
Event.objects.filter(pk=gala.pk).update(views_count=7)
# Reviews of the gala: 5 and 4 shown, a 1 hidden pending moderation (left out).
for n, (rating, hidden) in enumerate(((5, None), (4, None), (1, timezone.now()))):
    author = User.objects.create_user(email=f"r{{n}}@tableau.example")
    Review.objects.create(event=gala, organization=university, author=author, rating=rating,
                          reports_count=3 if hidden else 0, hidden_at=hidden)

def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value

print(json.dumps({{
    "university": str(university.pk),
    "manager": session(manager),
    "rival": session(rival),
}}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("campus-dash-log") / "server.log")
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


def open_dashboard(page, url):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert not errors, errors
    return page


def charts(page) -> dict:
    """What Chart.js drew on each canvas: its type, labels and first dataset."""
    return page.evaluate(
        """() => Object.fromEntries(["chart-periods", "chart-top"].map((id) => {
            const chart = Chart.getChart(document.getElementById(id));
            return [id, chart && {
                labels: chart.data.labels,
                data: chart.data.datasets.map((d) => d.data),
                width: chart.width,
            }];
        }))"""
    )


@pytest.mark.live
def test_staff_signs_in_and_sees_the_charts(browser, server, world):
    url = f"{server.base}/campus/dashboard/{world['university']}/"
    page = browser.new_page()
    page.goto(f"{server.base}/admin/login/?next=/campus/dashboard/{world['university']}/")
    page.fill("#id_username", "staff@teranga.example")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(url, timeout=WAIT_MS)
    open_dashboard(page, url)
    assert page.locator("#total-events").inner_text() == "2"
    assert page.locator("#total-tickets").inner_text() == "6"
    assert page.locator("#total-views").inner_text() == "7"
    assert "22" in page.locator("#total-revenue").inner_text()  # 4 × 5 000 + 2 × 1 000
    drawn = charts(page)
    assert drawn["chart-top"]["labels"] == ["Gala des étudiants", "Atelier Python"]
    assert drawn["chart-top"]["data"][0] == [4, 2]
    assert drawn["chart-top"]["width"] > 0
    periods = drawn["chart-periods"]
    assert len(periods["labels"]) == 60  # the last 30 days and the next 30
    assert sum(periods["data"][0]) == 22000  # revenue
    assert sum(periods["data"][1]) == 6  # tickets
    rows = page.locator("#top-events tbody tr")
    assert rows.count() == 2
    assert "Gala des étudiants" in rows.nth(0).inner_text()
    # Reviews: the organiser's rating and each top event's (the hidden one left out).
    assert page.locator("#total-rating").inner_text().startswith("4,5")
    assert page.locator("#total-reviews").inner_text() == "2"
    assert "4,5" in rows.nth(0).inner_text() and "(2)" in rows.nth(0).inner_text()
    assert "—" in rows.nth(1).inner_text()
    # Monthly periods: the form reloads the page.
    page.select_option("select[name=period]", "month")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**period=month**", timeout=WAIT_MS)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    monthly = charts(page)["chart-periods"]
    assert sum(monthly["data"][0]) == 22000 and len(monthly["labels"]) in (2, 3)


@pytest.mark.live
def test_a_managers_session_sees_it_another_organisation_does_not(browser, server, world):
    host = urlparse(server.base).hostname
    url = f"{server.base}/campus/dashboard/{world['university']}/"
    browser.add_cookies(
        [{"name": "sessionid", "value": world["manager"], "domain": host, "path": "/"}]
    )
    page = open_dashboard(browser.new_page(), url)
    assert page.locator("#total-tickets").inner_text() == "6"
    assert charts(page)["chart-top"]["data"][0] == [4, 2]
    browser.clear_cookies()
    browser.add_cookies(
        [{"name": "sessionid", "value": world["rival"], "domain": host, "path": "/"}]
    )
    response = browser.new_page().goto(url)
    assert response.status == 404


@pytest.mark.live
def test_a_manager_signs_in_on_the_page(browser, server, world):
    url = f"{server.base}/campus/dashboard/{world['university']}/"
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "?period=week")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert page.locator("#login-view").is_visible()
    assert not page.locator("#dashboard-view").is_visible()
    page.fill("#email", "manager@tableau.example")
    page.fill("#password", "wrong password")
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("#message:not([hidden])", timeout=WAIT_MS)
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("#dashboard-view:not([hidden])", timeout=WAIT_MS)
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#organization-name").inner_text() == "Université du Tableau"
    assert page.locator("#total-tickets").inner_text() == "6"
    assert page.locator("#total-events").inner_text() == "2"
    drawn = charts(page)
    assert drawn["chart-top"]["data"][0] == [4, 2]
    assert sum(drawn["chart-periods"]["data"][0]) == 22000
    # Weekly periods (the page's query went to the API): every label is a Monday.
    from datetime import date

    assert all(
        date.fromisoformat(label).weekday() == 0 for label in drawn["chart-periods"]["labels"]
    )
    assert page.locator("#top-events tbody tr").count() == 2
    # The reviews, drawn by the script from the API as the server writes them.
    assert page.locator("#total-rating").inner_text().startswith("4,5")
    assert page.locator("#total-reviews").inner_text() == "2"
    first_row = page.locator("#top-events tbody tr").nth(0).inner_text()
    assert "4,5" in first_row and "(2)" in first_row
    # Signed in, a reload draws again from the API without asking.
    page.reload()
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not page.locator("#login-view").is_visible()
    # Another organisation's manager: the API's 404, said on the page.
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])", timeout=WAIT_MS)
    page.evaluate("document.body.dataset.ready = '0'")
    page.fill("#email", "manager@autre.example")
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-status='404']", timeout=WAIT_MS)
    assert page.locator("#message").is_visible()
    assert not page.locator("#dashboard-view").is_visible()
