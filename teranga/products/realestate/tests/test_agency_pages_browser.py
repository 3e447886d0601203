"""The agency's staff pages in a real browser: Debian's Chromium driven by Playwright,
against the real server (``manage.py serve`` in a subprocess, its own database, the demo
loaded: the DIGIT-HAB agency, its manager, agents, leads, visits and a deal).

* The demo agency manager signs in on ``/realestate/agencies/<id>/performance/`` (the
  app API, JWT): the three charts are drawn by the vendored Chart.js with painted pixels
  and the API's figures (``GET /api/v1/realestate/organizations/{id}/performance/``,
  read over HTTP with a JWT), the table has a row per agent; another period is asked
  through the form.
* On ``…/settings/`` the manager reads the agency's card and deposit rules, and the
  forms only admins change say so (the realestate roles: settings are the admins' and
  owners'). The demo agency's owner signs in and changes the deposit hold, the CRM
  automation and the agency's main colour: "saved" on the page, the API reads the new
  values, a reload shows them.
* No inline script, no error in the page. In English (``?lang=en``): the French and
  Wolof words of these pages come with the lead's merge of the catalogue.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest

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
PASSWORD = "Teranga-Agency-Pages-2026!"
MANAGER = "agence.manager@teranga.demo"
OWNER = "agence.owner@teranga.demo"
CHARTS = ("chart-agents", "chart-commission", "chart-weeks")


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("agency-pages-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
        DEMO_PASSWORD=PASSWORD,
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        unique = f"rep{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = redis_url
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "agencypages"):
        manage("migrate", "--noinput", env=env, timeout=300)
        manage("seed_demo", env=env, timeout=600)
        yield env


WORLD = """
import json
from teranga.platform.organizations.models import Organization
from teranga.products.realestate.demo import AGENCY_SLUG
agency = Organization.objects.get(slug=AGENCY_SLUG)
print(json.dumps({"agency": str(agency.pk), "name": agency.name}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("agency-pages-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def world(live_env, server):
    return shell(WORLD, live_env)


def api_token(server, email: str) -> str:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        login = client.post(
            "/_allauth/app/v1/auth/login", json={"email": email, "password": PASSWORD}
        )
    assert login.status_code == 200, login.text
    return login.json()["meta"]["access_token"]


def api_get(server, email: str, path: str, **params) -> dict:
    answer = httpx.get(
        f"{server.base}{path}",
        params=params,
        headers={"Authorization": f"Bearer {api_token(server, email)}"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def api_figures(server, world) -> dict:
    """The API's figures of this month, read over HTTP by the demo manager."""
    body = api_get(
        server, MANAGER, f"/api/v1/realestate/organizations/{world['agency']}/performance/"
    )
    assert body["team"] is True
    assert len(body["agents"]) >= 3  # the demo's manager and agents
    assert body["totals"]["leads_assigned"] > 0  # the demo's leads, made today
    return body


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
            viewport={"width": 1280, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return errors


def charts(page) -> dict:
    """What Chart.js drew on each canvas: labels, data, size and painted pixels."""
    return page.evaluate(
        """(ids) => Object.fromEntries(ids.map((id) => {
            const canvas = document.getElementById(id);
            const chart = canvas && Chart.getChart(canvas);
            if (!chart) return [id, null];
            const pixels = canvas.getContext("2d")
                .getImageData(0, 0, canvas.width, canvas.height).data;
            let painted = 0;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
            return [id, {
                type: chart.config.type,
                labels: chart.data.labels,
                legends: chart.data.datasets.map((d) => d.label),
                data: chart.data.datasets.map((d) => d.data),
                painted: painted,
            }];
        }))""",
        list(CHARTS),
    )


def sign_in(page, email: str) -> None:
    page.wait_for_selector("#login-view:not([hidden])", timeout=WAIT_MS)
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")


@pytest.mark.live
def test_the_manager_sees_the_performance_charts(browser, server, world, api_figures):
    url = f"{server.base}/realestate/agencies/{world['agency']}/performance/?lang=en"
    page = browser.new_page()
    errors = watch(page)
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert page.locator("body").get_attribute("data-mode") == "token"
    assert not page.locator("#dashboard-view").is_visible()
    sign_in(page, MANAGER)
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#organization-name").inner_text() == world["name"]
    drawn = charts(page)
    names = [row["name"] for row in api_figures["agents"]]
    for name in CHARTS:
        assert drawn[name] is not None, name
        assert drawn[name]["painted"] > 1000, (name, drawn[name]["painted"])
    assert drawn["chart-agents"]["type"] == "bar"
    assert drawn["chart-agents"]["labels"] == names
    assert drawn["chart-agents"]["legends"] == ["Leads assigned", "Visits done", "Deals"]
    assert drawn["chart-agents"]["data"][0] == [
        row["leads_assigned"] for row in api_figures["agents"]
    ]
    assert drawn["chart-agents"]["data"][2] == [row["deals"] for row in api_figures["agents"]]
    assert drawn["chart-weeks"]["type"] == "line"
    assert drawn["chart-weeks"]["labels"] == [week["week_start"] for week in api_figures["weeks"]]
    assert sum(drawn["chart-weeks"]["data"][0]) == api_figures["totals"]["leads_assigned"]
    rows = page.locator("#agents tbody tr")
    assert rows.count() == len(api_figures["agents"])
    assert page.locator("#total-leads").inner_text() == str(api_figures["totals"]["leads_assigned"])
    # Another period through the form: this year, from the API again.
    page.evaluate("delete document.body.dataset.drawn")
    page.select_option("#period", "year")
    page.click("#period-form button[type=submit]")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert "period=year" in page.url
    year = api_get(
        server,
        MANAGER,
        f"/api/v1/realestate/organizations/{world['agency']}/performance/",
        period="year",
    )
    assert page.locator("#range").inner_text() == f"{year['date_from']} → {year['date_to']}"
    assert charts(page)["chart-agents"]["data"][0] == [
        row["leads_assigned"] for row in year["agents"]
    ]
    assert not errors, errors


@pytest.mark.live
def test_settings_are_read_by_the_manager_and_saved_by_the_owner(browser, server, world):
    agency = world["agency"]
    url = f"{server.base}/realestate/agencies/{agency}/settings/?lang=en"
    page = browser.new_page()
    errors = watch(page)
    page.goto(url)
    sign_in(page, MANAGER)
    page.wait_for_selector("body[data-loaded='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#organization-name").inner_text() == world["name"]
    assert page.locator("#form-branding input[name=name]").input_value() == world["name"]
    # The manager reads the deposit rules; the admins' forms say why they are disabled.
    assert page.locator("#form-transactions input[name=hold_hours]").input_value() != ""
    refusal = "Only the agency's administrators change these settings."
    assert page.locator("#form-weights .status").inner_text() == refusal
    assert page.locator("#form-weights button[type=submit]").is_disabled()
    assert page.locator("#form-automation .status").inner_text() == refusal
    # Its colours are read (agents and above); changing them is the admins'.
    assert page.locator("#form-colours input[name=primary_color]").input_value() == "#0f766e"
    # Saving the deposit rules as a manager is refused, and said.
    page.fill("#form-transactions input[name=hold_hours]", "12")
    page.click("#form-transactions button[type=submit]")
    page.wait_for_selector("#form-transactions .status.failed", timeout=WAIT_MS)
    assert page.locator("#form-transactions .status").inner_text() == refusal

    # The owner signs in and changes the hold and the automation.
    page.click("#logout")
    page.evaluate("delete document.body.dataset.loaded")
    sign_in(page, OWNER)
    page.wait_for_selector("body[data-loaded='1']", timeout=WAIT_MS)
    assert not page.locator("#form-weights button[type=submit]").is_disabled()
    page.fill("#form-transactions input[name=hold_hours]", "72")
    page.click("#form-transactions button[type=submit]")
    page.wait_for_selector("#form-transactions[data-saved='1']", timeout=WAIT_MS)
    assert page.locator("#form-transactions .status").inner_text() == "Saved."
    page.uncheck("#form-automation input[name=assignment_notify]")
    page.fill("#form-automation input[name=assignment_task_due_hours]", "36")
    page.click("#form-automation button[type=submit]")
    page.wait_for_selector("#form-automation[data-saved='1']", timeout=WAIT_MS)
    page.fill("#form-colours input[name=primary_color]", "#aa3311")
    page.click("#form-colours button[type=submit]")
    page.wait_for_selector("#form-colours[data-saved='1']", timeout=WAIT_MS)
    assert not errors, errors
    # Saved: the API reads the new values, and so does the page after a reload.
    base = f"/api/v1/realestate/organizations/{agency}"
    assert api_get(server, OWNER, f"{base}/transaction-settings/")["hold_hours"] == 72
    automation = api_get(server, OWNER, f"{base}/crm-automation/")
    assert automation["assignment_notify"] is False
    assert automation["assignment_task_due_hours"] == 36
    assert api_get(server, OWNER, f"{base}/branding/")["primary_color"] == "#aa3311"
    page.evaluate("delete document.body.dataset.loaded")
    page.reload()
    page.wait_for_selector("body[data-loaded='1']", timeout=WAIT_MS)
    assert page.locator("#form-transactions input[name=hold_hours]").input_value() == "72"
    assert not page.locator("#form-automation input[name=assignment_notify]").is_checked()
    assert page.locator("#form-colours input[name=primary_color]").input_value() == "#aa3311"
    # Bad input is refused by the API and said; nothing changes.
    page.fill("#form-weights input[name=price]", "0")
    page.fill("#form-weights input[name=surface]", "0")
    page.fill("#form-weights input[name=rooms]", "0")
    page.fill("#form-weights input[name=distance]", "0")
    page.fill("#form-weights input[name=features]", "0")
    page.click("#form-weights button[type=submit]")
    page.wait_for_selector("#form-weights .status.failed", timeout=WAIT_MS)
    weights = api_get(server, OWNER, f"{base}/matching-weights/")
    assert weights["price"] > 0
    assert not errors, errors
