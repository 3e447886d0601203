"""The support widget on somebody else's website, in Chromium (Debian's, driven by
Playwright) against the real server (``manage.py serve`` in a subprocess, its own
database with ``seed_demo``'s data).

A plain HTML page served by a separate tiny HTTP server on 127.0.0.1 (another port,
another origin) pastes the snippet that ``GET /api/v1/support/widget-config/`` gives. The
launcher appears in the desk's colour; opening it shows the widget page framed (channels,
business hours, open now); the demo client signs in inside the frame, sees their
conversation, and sends a message, which reaches the agents' inbox; with the panel
closed, an agent's reply (posted through the API with the agent's token) makes the
unread badge appear on the launcher (the frame's postMessage, origin-checked); opening
the panel shows the reply and clears the badge; a forged message from the host page
changes nothing. On Teranga's own ``/admin/`` pages the loader adds nothing."""

from __future__ import annotations

import functools
import os
import threading
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
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
WAIT_MS = 20_000
PASSWORD = "Teranga-Widget-2026!"
CLIENT = "client1@teranga.demo"
AGENT = "academy.agent1@teranga.demo"
AUTH = "/_allauth/app/v1"
GOLD = "rgb(212, 175, 55)"


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("support-widget-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
        DEMO_PASSWORD=PASSWORD,
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        unique = f"sw{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = redis_url
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "supportwidget"):
        manage("migrate", "--noinput", env=env, timeout=300)
        manage("seed_demo", env=env, timeout=300)
        yield env


# The demo desk keeps Paris office hours; the test opens it all week so that no
# automatic reply (which counts as unread) depends on when the test runs.
OPEN_ALL_WEEK = """
import json
from teranga.platform.messaging.models import SupportSettings
from teranga.platform.organizations.models import Organization
academy = Organization.objects.get(slug="calmness-trading")
hours = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(7)]
SupportSettings.objects.filter(organization=academy).update(business_hours=hours)
print(json.dumps({"organization": str(academy.pk)}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("support-widget-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def world(live_env, server):
    found = shell(OPEN_ALL_WEEK, live_env)
    config = httpx.get(
        f"{server.base}/api/v1/support/widget-config/",
        params={"org": found["organization"]},
        timeout=10,
    )
    assert config.status_code == 200, config.text
    return {**found, "config": config.json()}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test's output stays readable
        pass


@pytest.fixture(scope="module")
def website(world, tmp_path_factory):
    """Somebody's website on another origin, with the snippet pasted as given."""
    root = tmp_path_factory.mktemp("website")
    (root / "index.html").write_text(
        '<!doctype html>\n<html lang="fr"><head><meta charset="utf-8">'
        "<title>Calmness Trading — formations</title></head>\n<body>\n"
        "<h1>Apprenez le trading sereinement</h1>\n<p>Nos formations en direct.</p>\n"
        f"{world['config']['embed']['snippet']}\n</body></html>\n",
        encoding="utf-8",
    )
    httpd = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


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


def agent_token(base: str) -> str:
    response = httpx.post(
        f"{base}{AUTH}/auth/login", json={"email": AGENT, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["meta"]["access_token"]


@pytest.mark.live
def test_the_widget_on_another_website(browser, server, world, website):
    config = world["config"]
    assert config["embed"]["script_url"] == f"{server.base}/static/messaging/support-widget.js"
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    outside: list[str] = []

    def only_local(request):
        if not request.url.startswith(("http://127.0.0.1:", "data:", "about:")):
            outside.append(request.url)

    page.on("request", only_local)
    page.goto(f"{website}/")

    # The launcher, in the desk's colour; the panel closed.
    launcher = page.locator("#teranga-support-launcher")
    launcher.wait_for(state="visible", timeout=WAIT_MS)
    frame = page.frame_locator("#teranga-support-frame")
    frame.locator("body[data-ready='1']").wait_for(state="attached", timeout=WAIT_MS)
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == GOLD
    assert not page.locator("#teranga-support-panel").is_visible()
    assert not page.locator("#teranga-support-badge").is_visible()

    # Open: the framed page, in the website's language, with channels and hours.
    launcher.click()
    assert page.locator("#teranga-support-panel").is_visible()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert frame.locator("html").get_attribute("lang") == "fr"
    assert frame.locator("#organization-name").inner_text() == config["organization"]["name"]
    assert frame.locator("#desk-status").get_attribute("data-open") == "1"
    hrefs = {
        link.get_attribute("data-channel"): link.get_attribute("href")
        for link in frame.locator("#channels a").all()
    }
    assert hrefs == {channel["type"]: channel["url"] for channel in config["channels"]}
    assert set(hrefs) == {"whatsapp", "telegram", "discord", "email"}
    assert frame.locator("#hours tr").count() == 7
    assert frame.locator("#hours tr.today").count() == 1
    assert "00:00–24:00" in frame.locator("#hours tr.today").inner_text()

    # The demo client signs in inside the frame: their conversation and its answer.
    assert frame.locator("#login-view").is_visible()
    frame.locator("#email").fill(CLIENT)
    frame.locator("#password").fill("wrong password")
    frame.locator("#login-view button[type=submit]").click()
    frame.locator("#message:not([hidden])").wait_for(timeout=WAIT_MS)
    frame.locator("#password").fill(PASSWORD)
    frame.locator("#login-view button[type=submit]").click()
    frame.locator("#chat-view:not([hidden])").wait_for(timeout=WAIT_MS)
    frame.locator("#messages li.theirs").first.wait_for(timeout=WAIT_MS)
    assert frame.locator("#messages li.mine").count() >= 1  # the demo question

    # Sends a message: shown as theirs, and in the agents' inbox.
    frame.locator("#body").fill("Bonjour, le replay de mardi est-il en ligne ?")
    frame.locator("#send-form button[type=submit]").click()
    mine = frame.locator("#messages li.mine", has_text="le replay de mardi")
    mine.wait_for(timeout=WAIT_MS)
    conversation = frame.locator("body").get_attribute("data-conversation")
    assert conversation
    token = agent_token(server.base)
    headers = {"Authorization": f"Bearer {token}"}
    inbox = httpx.get(
        f"{server.base}/api/v1/organizations/{world['organization']}/support/inbox/",
        headers=headers,
        timeout=10,
    )
    assert inbox.status_code == 200, inbox.text
    assert conversation in [row["id"] for row in inbox.json()["results"]]
    # Everything read while the panel is open: no badge.
    frame.locator("body[data-unread='0']").wait_for(state="attached", timeout=WAIT_MS)
    assert not page.locator("#teranga-support-badge").is_visible()

    # Panel closed, an agent answers: the badge appears on the launcher.
    launcher.click()
    assert not page.locator("#teranga-support-panel").is_visible()
    reply = httpx.post(
        f"{server.base}/api/v1/conversations/{conversation}/messages/",
        json={"body": "Oui, il est en ligne depuis ce matin.", "client_id": "widget-agent-1"},
        headers=headers,
        timeout=10,
    )
    assert reply.status_code == 201, reply.text
    badge = page.locator("#teranga-support-badge")
    badge.wait_for(state="visible", timeout=WAIT_MS)
    assert badge.inner_text() == "1"
    assert "1" in launcher.get_attribute("aria-label")

    # A forged message from the website itself changes nothing.
    page.evaluate(
        "() => window.postMessage({source: 'teranga-support', type: 'unread', count: 7}, '*')"
    )
    page.wait_for_timeout(300)
    assert badge.inner_text() == "1"

    # Opening shows the reply and reads it: the badge goes.
    launcher.click()
    frame.locator("#messages li.theirs", has_text="en ligne depuis ce matin").wait_for(
        timeout=WAIT_MS
    )
    badge.wait_for(state="hidden", timeout=WAIT_MS)
    assert not errors, errors
    assert not outside, outside


@pytest.mark.live
def test_the_loader_stays_off_admin_pages(browser, server, world):
    page = browser.new_page()
    page.goto(f"{server.base}/admin/login/")
    loaded = page.evaluate(
        """([src, organization]) => new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = src;
            script.dataset.organization = organization;
            script.onload = () => resolve(window.TerangaSupportWidget.state);
            script.onerror = () => reject(new Error("not loaded"));
            document.body.appendChild(script);
        })""",
        [world["config"]["embed"]["script_url"], world["organization"]],
    )
    assert loaded == "off"
    page.wait_for_timeout(300)
    assert page.locator("#teranga-support, #teranga-support-launcher, iframe").count() == 0
