"""The console and the board in a real browser: Debian's Chromium driven by Playwright,
against the real server (``manage.py serve`` in a subprocess, its own database).

(a) the board shows the snapshot; (b) an agent signs in to the console, opens a session
and clicks "Appeler le suivant": the board, in a second page, shows the number; (c) the
board reconnects after its socket drops, recovers the call it missed and still shows new
calls. How fast the board shows a call is measured by ``benchmarks.smartqueue_board_fanout``
(p99 target 1 s), not asserted here: every wait is bounded, none is timed."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.live import manage, own_database, process_env, with_path
from tests.skips import require
from tests.test_live_server import Server, shell

pytestmark = pytest.mark.live

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Teranga-Browser-2026!"
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
WAIT_MS = 10_000

require(
    f"Chromium ({CHROMIUM})",
    Path(CHROMIUM).exists(),
    "the browser tests drive Debian's Chromium (apt-get install chromium; `make install` does it)",
)


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("sq-browser-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        current = urlparse(redis_url).path.lstrip("/") or "0"
        unique = f"sqb{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = with_path(redis_url, "/12" if current != "12" else "/11")
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "sqbrowser"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


SEED = f"""
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone
from teranga.platform.organizations.models import (
    Branch, Membership, Organization, OrganizationKind, Role, VerificationStatus,
)
from teranga.products.smartqueue.models import AgentSession, Counter, Queue, QueueService
from teranga.products.smartqueue.services.counters import counter_call_next
from teranga.products.smartqueue.services.tickets import ticket_issue

def agent(email, org):
    user = get_user_model().objects.create_user(email=email, password={PASSWORD!r})
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    Membership.objects.create(organization=org, user=user, role=Role.AGENT)
    return user

org = Organization.objects.create(
    kind=OrganizationKind.BANK, name="Banque du Navigateur", slug="banque-navigateur",
    verification_status=VerificationStatus.VERIFIED, verified_at=timezone.now(),
)
branch = Branch.objects.create(organization=org, name="Agence Médina")
service = QueueService.objects.create(organization=org, name="Caisse")
queue = Queue.objects.create(
    organization=org, branch=branch, service=service, name="Caisse", prefix="A",
    is_open=True, follows_hours=False,
)
counters = []
for name in ("Guichet 1", "Guichet 2"):
    counter = Counter.objects.create(organization=org, branch=branch, name=name, strategy="fifo")
    counter.queues.set([queue])
    counters.append(counter)
one = agent("awa@browser.example", org)
agent("moussa@browser.example", org)
AgentSession.objects.create(
    organization=org, counter=counters[0], agent=one, started_at=timezone.now()
)
for _ in range(6):
    ticket_issue(queue=queue, channel="kiosk")
counter_call_next(counter_id=counters[0].pk, agent=one)
print(json.dumps({{"branch": str(branch.pk), "counter1": str(counters[0].pk),
                   "counter2": str(counters[1].pk)}}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("sq-browser-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def world(live_env, server):
    return shell(SEED, live_env)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            locale="fr-FR",
            bypass_csp=True,  # Playwright evaluates its wait predicates; the pages need no eval
        )
        try:
            yield context
        finally:
            context.close()


def board(browser, server, world):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.base}/smartqueue/display/{world['branch']}/")
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    page.errors = errors
    return page


def agent_api(server, email: str) -> httpx.Client:
    response = httpx.post(
        f"{server.base}/_allauth/app/v1/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token = response.json()["meta"]["access_token"]
    return httpx.Client(
        base_url=f"{server.base}/api/v1/smartqueue",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )


def test_board_shows_the_snapshot(browser, server, world):
    page = board(browser, server, world)
    current = page.locator("#current .call")
    assert current.count() == 1
    assert current.locator(".number").inner_text() == "A001"
    assert current.locator(".counter").inner_text() == "Guichet 1"
    assert page.locator("#recent .recent-call .number").all_inner_texts() == ["A001"]
    assert page.locator("#queues").inner_text().replace("\u00a0", " ") == "A : 5"
    assert page.locator("#connection").get_attribute("data-state") == "online"
    assert page.errors == []
    page.close()


def test_console_call_next_shows_on_the_board(browser, server, world):
    tv = board(browser, server, world)
    console = browser.new_page()
    errors: list[str] = []
    console.on("pageerror", lambda error: errors.append(str(error)))
    console.goto(f"{server.base}/smartqueue/console/")
    console.fill("#email", "moussa@browser.example")
    console.fill("#password", PASSWORD)
    console.click("#login-form button[type=submit]")
    console.click(f"button[data-counter='{world['counter2']}']", timeout=WAIT_MS)
    console.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    assert console.locator("#counter-name").inner_text() == "Guichet 2"
    assert console.locator("#queue-list .waiting").inner_text() == "5"
    call_next = console.get_by_role("button", name="Appeler le suivant")
    call_next.click()
    tv.wait_for_function("document.body.dataset.lastCall === 'A002'", timeout=WAIT_MS)
    assert tv.locator("#flash-number").inner_text() == "A002"
    assert tv.locator("#current .call .number").all_inner_texts() == ["A002", "A001"]
    assert tv.evaluate("Number(document.body.dataset.chimes || 0)") >= 1
    console.wait_for_function("document.body.dataset.current === 'A002'", timeout=WAIT_MS)
    assert console.locator("#current-number").inner_text() == "A002"
    console.get_by_role("button", name="Commencer").click()
    console.wait_for_function(
        "document.getElementById('current-status').textContent.startsWith('En cours de service')",
        timeout=WAIT_MS,
    )
    assert errors == [] and tv.errors == []
    tv.close()
    console.close()


def test_board_reconnects_and_still_shows_calls(browser, server, world):
    tv = board(browser, server, world)
    agent = agent_api(server, "awa@browser.example")
    counter = f"/counters/{world['counter1']}"
    tv.evaluate("window.smartqueueBoard.ws.close()")  # the connection drops
    tv.wait_for_function("document.getElementById('connection').dataset.state !== 'online'")
    # While the board is away: A001 is finished, A003 called.
    for action in ("start", "finish"):
        assert agent.post(f"{counter}/{action}/", json={}).status_code == 200
    assert agent.post(f"{counter}/call-next/", json={}).json()["called"]["number"] == "A003"
    tv.wait_for_function("document.body.dataset.lastCall === 'A003'", timeout=WAIT_MS)
    assert tv.locator("#connection").get_attribute("data-state") == "online"
    assert "A001" not in tv.locator("#current").inner_text()
    # And live again after the reconnection.
    for action in ("start", "finish"):
        assert agent.post(f"{counter}/{action}/", json={}).status_code == 200
    assert agent.post(f"{counter}/call-next/", json={}).json()["called"]["number"] == "A004"
    tv.wait_for_function("document.body.dataset.lastCall === 'A004'", timeout=WAIT_MS)
    assert tv.errors == []
    tv.close()
