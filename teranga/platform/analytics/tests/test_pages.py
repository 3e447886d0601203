"""The dashboard page ``/analytics/<site_id>/``, the ``{% analytics_script %}`` tag and the
vendored script.

Over HTTP (Django's test client): without a session the page is the sign-in shell;
another organisation is 404, a member below manager 403, a bad period 400; a manager's
page carries the report; the session's CSV export is audited; the tag renders the script
of the organisation's site, or nothing.

In a real browser (Debian's Chromium driven by Playwright, against the real server in a
subprocess with its own database, filled by the demo traffic generator): a manager's
session sees the eight cards with growth, the four tabs and the charts drawn by the
vendored Chart.js; a manager without a session signs in on the page; a page that
includes the vendored script sends its view with no cookie, and the flusher thread writes
it."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.template import Context, Template
from django.test import Client

from teranga.platform.audit.models import AuditAction, AuditEntry
from teranga.platform.organizations.models import Role
from tests.live import manage, own_database, process_env
from tests.skips import require
from tests.test_live_server import Server, shell

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
PASSWORD = "Teranga-Analytics-2026!"
CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/140.0.0.0 Safari/537.36"
)


@pytest.mark.django_db
def test_the_page_needs_a_session_and_the_right(shop, rival):
    _organization, users, site = shop
    _other, other_owner, _other_site = rival
    url = f"/analytics/{site.pk}/"
    anonymous = Client().get(url)
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert 'data-mode="token"' in html and 'id="login-view"' in html
    assert '"report": null' in html
    for user, status in ((other_owner, 404), (users[Role.AGENT], 403), (users[Role.MANAGER], 200)):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == status
    client = Client()
    client.force_login(users[Role.MANAGER])
    assert client.get(f"/analytics/{uuid.uuid4()}/").status_code == 404
    assert client.get(url, {"period": "1y"}).status_code == 400
    response = client.get(url, {"period": "7d"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert 'data-mode="session"' in html and '"cards": {"visitors"' in html
    assert "core/vendor/chart.umd.min.js" in html and "analytics/dashboard.js" in html
    assert "Unique visitors" in html and "cdn" not in html.lower()
    assert '<html lang="wo">' in client.get(url, {"lang": "wo"}).content.decode()


@pytest.mark.django_db
def test_the_sessions_export_is_audited(shop, rival):
    _organization, users, site = shop
    _other, other_owner, _other_site = rival
    client = Client()
    client.force_login(users[Role.MANAGER])
    response = client.get(f"/analytics/{site.pk}/export.csv", {"period": "90d"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert AuditEntry.objects.filter(action=AuditAction.DATA_EXPORTED).count() == 1
    client.force_login(other_owner)
    assert client.get(f"/analytics/{site.pk}/export.csv").status_code == 404
    assert Client().get(f"/analytics/{site.pk}/export.csv").status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.DATA_EXPORTED).count() == 1


@pytest.mark.django_db
def test_the_template_tag_renders_the_sites_script(shop, rival):
    organization, _users, site = shop
    template = Template("{% load analytics %}{% analytics_script organization %}")
    html = template.render(Context({"organization": organization}))
    assert f'data-site="{site.public_id}"' in html
    assert 'src="/static/analytics/teranga-analytics.js"' in html
    assert 'data-api="/api/v1/analytics/collect/"' in html and "defer" in html
    from teranga.platform.organizations.tests.factories import OrganizationFactory

    assert template.render(Context({"organization": OrganizationFactory()})) == ""
    assert template.render(Context({"organization": None})) == ""


@pytest.mark.django_db
def test_pages_on_a_sites_domains_may_send_across_origins(shop):
    _organization, _users, site = shop
    preflight = {
        "HTTP_ORIGIN": "https://shop.awa.example",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type",
    }
    client = Client()
    allowed = client.options("/api/v1/analytics/collect/", **preflight)
    assert allowed["Access-Control-Allow-Origin"] == "https://shop.awa.example"
    refused = client.options(
        "/api/v1/analytics/collect/", **{**preflight, "HTTP_ORIGIN": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in refused
    other_path = client.options("/api/v1/me/", **preflight)
    assert "Access-Control-Allow-Origin" not in other_path


# --- In Chromium -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("analytics-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
        ANALYTICS_FLUSH_SECONDS="0.5",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        unique = f"ana{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = redis_url
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "analytics"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


SEED = f"""
import json, random
from django.contrib.auth import get_user_model
from django.test import Client
from allauth.account.models import EmailAddress
from teranga.platform.analytics import demo
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory

User = get_user_model()
academy = OrganizationFactory(name="Académie Dorée", slug="academie-doree")
spec = dict(demo.SITES["calmness-trading"], domains=["127.0.0.1"], daily=12)
site = demo._site(academy, spec)
demo._traffic(site, spec, random.Random(7))
other = OrganizationFactory(name="Autre", slug="autre-analytics")
manager = User.objects.create_user(email="manager@doree.example", password={PASSWORD!r})
Membership.objects.create(organization=academy, user=manager, role=Role.MANAGER)
rival = User.objects.create_user(email="manager@autre.example", password={PASSWORD!r})
Membership.objects.create(organization=other, user=rival, role=Role.MANAGER)
for user in (manager, rival):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
client = Client()
client.force_login(manager)
print(json.dumps({{"site": str(site.pk), "public_id": site.public_id,
                   "manager": client.cookies["sessionid"].value}}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("analytics-log") / "server.log")
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


def drawn(page, canvas: str) -> dict:
    return page.evaluate(
        """(id) => {
            const chart = Chart.getChart(document.getElementById(id));
            return chart && {labels: chart.data.labels,
                             data: chart.data.datasets.map((d) => d.data)};
        }""",
        canvas,
    )


def assert_dashboard(page):
    for key in (
        "visitors",
        "pageviews",
        "visits",
        "views_per_visit",
        "bounce_rate",
        "visit_duration",
        "conversions",
        "conversion_rate",
    ):
        card = page.locator(f'[data-card="{key}"]')
        assert card.locator(".value").inner_text().strip(), key
        assert card.locator(".growth").inner_text().strip(), key
    assert page.locator(".stat").count() == 8
    series = drawn(page, "chart-timeseries")
    assert len(series["labels"]) == 30 and sum(series["data"][0]) > 0
    assert sum(drawn(page, "chart-devices")["data"][0]) > 0
    page.click('[data-tab="traffic"]')
    assert page.locator('[data-panel="traffic"]').is_visible()
    assert not page.locator('[data-panel="overview"]').is_visible()
    assert "Google" in drawn(page, "chart-sources")["labels"]
    assert page.locator('[data-table="countries"] tbody tr').count() >= 3
    page.click('[data-tab="behaviour"]')
    assert page.locator('[data-table="browsers"] tbody tr').count() >= 3
    page.click('[data-tab="conversions"]')
    assert page.locator('[data-table="goals"] tbody tr').count() == 3
    funnel = drawn(page, "chart-funnel")
    assert len(funnel["labels"]) == 3 and funnel["data"][0][0] >= funnel["data"][0][-1]


@pytest.mark.live
def test_a_managers_session_sees_the_dashboard(browser, server, world):
    host = urlparse(server.base).hostname
    browser.add_cookies(
        [{"name": "sessionid", "value": world["manager"], "domain": host, "path": "/"}]
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.base}/analytics/{world['site']}/")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#site-name").inner_text() == "Calmness Trading — site"
    assert_dashboard(page)
    # Another period: the page reloads with it.
    page.select_option("#period", "7d")
    page.wait_for_url("**period=7d**", timeout=WAIT_MS)
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert len(drawn(page, "chart-timeseries")["labels"]) == 7


@pytest.mark.live
def test_a_manager_signs_in_on_the_page(browser, server, world):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.base}/analytics/{world['site']}/")
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert page.locator("#login-view").is_visible()
    page.fill("#email", "manager@doree.example")
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert_dashboard(page)
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])", timeout=WAIT_MS)
    page.evaluate("document.body.dataset.ready = '0'")
    page.fill("#email", "manager@autre.example")
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-status='404']", timeout=WAIT_MS)
    assert not page.locator("#dashboard-view").is_visible()


@pytest.mark.live
def test_the_vendored_script_sends_a_view_without_cookie(browser, live_env, server, world):
    page = browser.new_page()
    # Headless Chromium says so in its user agent, and crawlers' views are dropped.
    page.set_extra_http_headers({"User-Agent": CHROME})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    html = (
        "<!doctype html><html><head><title>Shop</title>"
        '<script defer src="/static/analytics/teranga-analytics.js" '
        f'data-site="{world["public_id"]}">'
        '</script></head><body><button data-analytics-event="signup">Go</button></body></html>'
    )
    url = f"{server.base}/shop/plain.html?utm_source=browser-test"
    page.route(
        url,
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            body=html,
            headers={"Content-Security-Policy": "script-src 'self'"},
        ),
    )
    with page.expect_response("**/api/v1/analytics/collect/") as answer:
        page.goto(url)
    assert answer.value.status == 202
    assert "set-cookie" not in answer.value.headers
    with page.expect_response("**/api/v1/analytics/collect/") as clicked:
        page.click("button")
    assert clicked.value.status == 202
    assert not errors, errors
    assert browser.cookies() == []
    code = """
import json
from teranga.platform.analytics.models import Event, Visit
visit = Visit.objects.filter(utm_source="browser-test").first()
names = sorted(Event.objects.filter(visit=visit).values_list("name", flat=True)) if visit else []
print(json.dumps({"names": names, "browser": visit.browser if visit else ""}))
"""
    deadline = time.monotonic() + 20
    found = shell(code, live_env)
    while found["names"] != ["pageview", "signup"] and time.monotonic() < deadline:
        time.sleep(0.5)
        found = shell(code, live_env)
    assert found == {"names": ["pageview", "signup"], "browser": "Chrome"}
