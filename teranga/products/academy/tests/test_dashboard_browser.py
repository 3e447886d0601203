"""The academy's dashboard page ``/academy/dashboard/<organization_id>/`` in a real
browser: Debian's Chromium driven by Playwright, against the real server (``manage.py
serve`` in a subprocess, its own database, the demo loaded: "Calmness Trading", its
three formations, enrolments, payments and attendance).

* A platform staff member signs in through ``/admin/login/`` and lands on the
  server-rendered page: both canvases hold a chart drawn by the vendored Chart.js (with
  painted pixels), and the table's figures are the API's
  (``GET /api/v1/academy/organizations/{id}/dashboard/``, read over HTTP with a JWT).
* A manager without a session signs in on the page itself (allauth's app API): a wrong
  password is said, the right one shows the same figures drawn from the API and the
  academy's name; a reload draws again without asking; "Sign out" brings the form back.
* Another academy's manager gets the 404 page with their session, and the API's 404
  said on the page when they sign in there.
* In French and in Wolof (``?lang=``), the headings, the table and the charts' legends
  are in that language.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

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
PASSWORD = "Teranga-Academy-Dashboard-2026!"
CHARTS = ("chart-enrolments", "chart-revenue")
#: What the page says in each language (the project's translations).
LABELS = {
    "fr": {
        "title": "Tableau de bord de l'académie",
        "headers": [
            "Formation",
            "Inscriptions actives",
            "En attente de paiement",
            "Sessions tenues",
            "Taux de présence (%)",
            "Chiffre d'affaires",
        ],
        "legends": ["Inscriptions actives", "Taux de présence (%)"],
        "revenue": "Chiffre d'affaires",
    },
    "wo": {
        "title": "Tablo akademi bi",
        "headers": [
            "Njàngale",
            "Bindu yu dox",
            "Mu ngi xaar fey",
            "Ndaje yi am",
            "Dayob teewaay (%)",
            "Xaalis bu dugg",
        ],
        "legends": ["Bindu yu dox", "Dayob teewaay (%)"],
        "revenue": "Xaalis bu dugg",
    },
}


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("academy-dash-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
        DEMO_PASSWORD=PASSWORD,
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        # The run's own Redis database, the server's tasks and channels under their own
        # names.
        unique = f"adb{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = redis_url
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "academydash"):
        manage("migrate", "--noinput", env=env, timeout=300)
        manage("seed_demo", env=env, timeout=600)
        yield env


SEED = f"""
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client
from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.products.academy.demo import ACADEMY_SLUG
from teranga.products.academy.tests.factories import AcademyFactory

User = get_user_model()
academy = Organization.objects.get(slug=ACADEMY_SLUG)
other = AcademyFactory(name="Autre Académie", slug="autre-academie-dash")

def make(email, organization=None, **extra):
    user = User.objects.create_user(email=email, password={PASSWORD!r}, **extra)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    if organization is not None:
        Membership.objects.create(organization=organization, user=user, role=Role.MANAGER)
    return user

manager = make("manager@calmness.example", academy)
rival = make("manager@autre.example", other)
make("staff@teranga.example", is_staff=True)

def session(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value

print(json.dumps({{
    "academy": str(academy.pk),
    "name": academy.name,
    "rival": session(rival),
}}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("academy-dash-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def world(live_env, server):
    return shell(SEED, live_env)


@pytest.fixture(scope="module")
def api_figures(server, world) -> list[dict]:
    """The API's figures, read over HTTP by the academy's manager with a JWT."""
    with httpx.Client(base_url=server.base, timeout=30) as client:
        login = client.post(
            "/_allauth/app/v1/auth/login",
            json={"email": "manager@calmness.example", "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        token = login.json()["meta"]["access_token"]
        answer = client.get(
            f"/api/v1/academy/organizations/{world['academy']}/dashboard/",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
    rows = answer.json()["formations"]
    # The demo's figures: three formations, members enrolled and paid, sessions held.
    assert len(rows) == 3
    assert sum(row["enrolments_active"] for row in rows) >= 2
    assert sum(row["enrolments_pending"] for row in rows) >= 1
    assert any(row["revenue"] > 0 for row in rows)
    assert any(row["sessions_held"] > 0 and row["attendance_rate"] > 0 for row in rows)
    return rows


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


def watch(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def charts(page) -> dict:
    """What Chart.js drew on each canvas: labels, legends, data, size, and how many of
    its pixels are painted."""
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
                labels: chart.data.labels,
                legends: chart.data.datasets.map((d) => d.label),
                data: chart.data.datasets.map((d) => d.data),
                width: chart.width,
                height: chart.height,
                painted: painted,
            }];
        }))""",
        list(CHARTS),
    )


def table(page) -> list[list[str]]:
    return page.evaluate(
        """() => [...document.querySelectorAll("#formations tbody tr")].map(
            (tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent.trim()))"""
    )


def amount(text: str) -> str:
    """``"499,00 €"`` -> ``"499,00"`` (Intl's spaces, narrow or not, left out)."""
    return "".join(ch for ch in text if ch.isdigit() or ch in ",.")


def assert_the_api_figures(page, rows: list[dict]) -> None:
    drawn = charts(page)
    titles = [row["title"] for row in rows]
    for name in CHARTS:
        assert drawn[name] is not None, name
        assert drawn[name]["labels"] == titles
        assert drawn[name]["width"] > 0 and drawn[name]["height"] > 0
        assert drawn[name]["painted"] > 1000, (name, drawn[name]["painted"])  # bars, axes
    assert drawn["chart-enrolments"]["data"] == [
        [row["enrolments_active"] for row in rows],
        [round(row["attendance_rate"] * 100) for row in rows],
    ]
    assert drawn["chart-revenue"]["data"] == [[row["revenue"] / 100 for row in rows]]
    cells = table(page)
    assert [row[:5] for row in cells] == [
        [
            row["title"],
            str(row["enrolments_active"]),
            str(row["enrolments_pending"]),
            str(row["sessions_held"]),
            str(round(row["attendance_rate"] * 100)),
        ]
        for row in rows
    ]
    for shown, row in zip(cells, rows, strict=True):
        assert amount(shown[5]) == euros(row["revenue"]) and "€" in shown[5]


def euros(minor: int) -> str:
    return f"{minor // 100},{minor % 100:02d}"


@pytest.mark.live
def test_staff_signs_in_and_sees_the_charts(browser, server, world, api_figures):
    url = f"{server.base}/academy/dashboard/{world['academy']}/"
    page = browser.new_page()
    errors = watch(page)
    page.goto(f"{server.base}/admin/login/?next=/academy/dashboard/{world['academy']}/")
    page.fill("#id_username", "staff@teranga.example")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(url, timeout=WAIT_MS)
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("body").get_attribute("data-mode") == "session"
    assert page.locator("#organization-name").inner_text() == world["name"]
    assert not page.locator("#login-view").is_visible()
    assert not page.locator("#logout").is_visible()  # the Django session: the admin's
    assert_the_api_figures(page, api_figures)
    # Before its script runs, the page writes the same rows (the revenue read as money,
    # not minor units).
    session = next(c["value"] for c in browser.cookies() if c["name"] == "sessionid")
    html = httpx.get(url, cookies={"sessionid": session}, headers={"Accept-Language": "fr"})
    assert html.status_code == 200
    for row in api_figures:
        assert row["title"] in html.text
        assert f">{row['revenue']} EUR<" not in html.text
        assert f"{euros(row['revenue'])}\xa0€" in html.text


@pytest.mark.live
def test_a_manager_signs_in_on_the_page(browser, server, world, api_figures):
    url = f"{server.base}/academy/dashboard/{world['academy']}/"
    page = browser.new_page()
    errors = watch(page)
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    assert page.locator("body").get_attribute("data-mode") == "token"
    assert page.locator("#login-view").is_visible()
    assert not page.locator("#dashboard-view").is_visible()
    assert page.locator("#organization-name").inner_text() == ""  # nothing told anonymously
    page.fill("#email", "manager@calmness.example")
    page.fill("#password", "wrong password")
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("#message:not([hidden])", timeout=WAIT_MS)
    assert page.locator("#message").inner_text() == "E-mail ou mot de passe incorrect."
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#dashboard-view").is_visible()
    assert not page.locator("#login-view").is_visible()
    assert not page.locator("#message").is_visible()
    assert page.locator("#organization-name").inner_text() == world["name"]
    assert_the_api_figures(page, api_figures)
    # Signed in, a reload draws again from the API without asking.
    page.evaluate("delete document.body.dataset.drawn")
    page.reload()
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not page.locator("#login-view").is_visible()
    assert charts(page)["chart-revenue"]["painted"] > 1000
    # Signing out brings the form back; the figures are hidden.
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])", timeout=WAIT_MS)
    assert not page.locator("#dashboard-view").is_visible()
    assert not page.locator("#logout").is_visible()
    assert page.evaluate("sessionStorage.getItem('academy.access')") is None


@pytest.mark.live
def test_another_academys_manager_gets_404(browser, server, world):
    url = f"{server.base}/academy/dashboard/{world['academy']}/"
    # With their session: the 404 page, no figures.
    host = urlparse(server.base).hostname
    browser.add_cookies(
        [{"name": "sessionid", "value": world["rival"], "domain": host, "path": "/"}]
    )
    page = browser.new_page()
    response = page.goto(url)
    assert response.status == 404
    assert "dashboard-data" not in page.content()
    browser.clear_cookies()
    # Signing in on the page: the API's 404, said on the page; no figures shown.
    page = browser.new_page()
    errors = watch(page)
    page.goto(url)
    page.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    page.evaluate("document.body.dataset.ready = '0'")
    page.fill("#email", "manager@autre.example")
    page.fill("#password", PASSWORD)
    page.click("#login-view button[type=submit]")
    page.wait_for_selector("body[data-status='404']", timeout=WAIT_MS)
    assert not errors, errors
    assert page.locator("#message").is_visible()
    assert not page.locator("#dashboard-view").is_visible()
    assert table(page) == []
    # They may sign out and sign in as someone else.
    assert page.locator("#logout").is_visible()
    page.click("#logout")
    page.wait_for_selector("#login-view:not([hidden])", timeout=WAIT_MS)
    assert not page.locator("#message").is_visible()


@pytest.mark.live
@pytest.mark.parametrize("language", ["fr", "wo"])
def test_the_page_speaks_french_and_wolof(browser, live_env, server, world, api_figures, language):
    host = urlparse(server.base).hostname
    staff = shell(
        "import json\n"
        "from django.contrib.auth import get_user_model\n"
        "from django.test import Client\n"
        "client = Client()\n"
        "client.force_login(get_user_model().objects.get(email='staff@teranga.example'))\n"
        "print(json.dumps({'session': client.cookies['sessionid'].value}))\n",
        live_env,
    )
    browser.add_cookies(
        [{"name": "sessionid", "value": staff["session"], "domain": host, "path": "/"}]
    )
    page = browser.new_page()
    errors = watch(page)
    page.goto(f"{server.base}/academy/dashboard/{world['academy']}/?lang={language}")
    page.wait_for_selector("body[data-drawn='1']", timeout=WAIT_MS)
    assert not errors, errors
    words = LABELS[language]
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text().startswith(words["title"])
    assert page.locator("#formations thead th").all_inner_texts() == words["headers"]
    drawn = charts(page)
    assert drawn["chart-enrolments"]["legends"] == words["legends"]
    assert drawn["chart-revenue"]["legends"] == [words["revenue"]]
    assert drawn["chart-enrolments"]["labels"] == [row["title"] for row in api_figures]
    # The sign-in form, for a visitor without a session, in the same language.
    browser.clear_cookies()
    anonymous = browser.new_page()
    anonymous.goto(f"{server.base}/academy/dashboard/{world['academy']}/?lang={language}")
    anonymous.wait_for_selector("body[data-ready='1']", timeout=WAIT_MS)
    sign_in = {"fr": "Se connecter", "wo": "Dugg"}[language]
    assert anonymous.locator("#login-view button[type=submit]").inner_text() == sign_in
