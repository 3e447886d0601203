"""The real server, end to end: ``manage.py serve`` in a subprocess, real HTTP and
WebSocket clients, tasks run by the embedded huey consumer threads.

The server runs with the real settings (not the test settings) in a fresh DATA_DIR.
When the test run has DATABASE_URL (PostgreSQL), the server gets its own database
(``<name>_live``, created and dropped here); when it has REDIS_URL, the server uses
another Redis database number with its own huey name and channels prefix, and still
runs its task consumer in-process (EMBEDDED_WORKER=1), so one process serves all.

Every wait is bounded; everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from tests.live import LiveServer, manage, own_database, process_env, with_path

pytestmark = pytest.mark.live

AUTH = "/_allauth/app/v1"
PASSWORD = "Teranga-Live-2026!"

EVENT_TIMEOUT = 20.0


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    """The environment of the server and of its management commands."""
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("live-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="INFO",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        current = urlparse(redis_url).path.lstrip("/") or "0"
        number = "15" if current != "15" else "14"
        unique = f"live{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = with_path(redis_url, f"/{number}")
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "live"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


def shell(code: str, env: dict) -> dict:
    """Run Python in ``manage.py shell``; its last output line is JSON."""
    output = manage("shell", "-c", code, env=env)
    return json.loads(output.strip().splitlines()[-1])


class Server(LiveServer):
    def __init__(self, env: dict, log_path: Path):
        super().__init__(env, log_path)


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("live-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def people(live_env, server):
    """An owner and a staff member, with verified email addresses."""
    code = f"""
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

def make(email, **extra):
    user = get_user_model().objects.create_user(email=email, password={PASSWORD!r}, **extra)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user

owner = make("owner@live.example")
staff = make("staff@live.example", is_staff=True)
print(json.dumps({{"owner": str(owner.pk), "staff": str(staff.pk)}}))
"""
    return shell(code, live_env)


def login(server: Server, email: str) -> str:
    response = httpx.post(
        f"{server.base}{AUTH}/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["meta"]["access_token"]


def receive_json(ws, timeout: float = EVENT_TIMEOUT) -> dict:
    return json.loads(ws.recv(timeout=timeout))


def wait_for_event(ws, event_type: str) -> dict:
    """Read messages (at most 50, for at most EVENT_TIMEOUT s) until an event of a type."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    for _ in range(50):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        message = receive_json(ws, timeout=remaining)
        if message.get("type") == "event" and message["event"].get("type") == event_type:
            return message
    pytest.fail(f"no {event_type} event within {EVENT_TIMEOUT}s")


# --- HTTP ---------------------------------------------------------------------------------


def test_links_point_at_the_server_when_public_url_is_unset(server, people, live_env):
    """Without PUBLIC_URL, the links we hand out start with the address the server
    listens on (here a free port, not 8000), and open."""
    assert "PUBLIC_URL" not in live_env
    token = login(server, "owner@live.example")
    created = httpx.post(
        f"{server.base}/api/v1/calendar/feeds/",
        json={"name": "Agenda"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    url = created.json()["url"]
    assert url.startswith(f"{server.base}/calendar/") and url.endswith(".ics")
    feed = httpx.get(url, timeout=10)
    assert feed.status_code == 200 and feed.text.startswith("BEGIN:VCALENDAR")
    home = httpx.get(f"{server.base}/", timeout=10)
    assert home.status_code == 200 and "/api/docs/" in home.text


def test_ready_reports_every_check_ok(server):
    response = httpx.get(f"{server.base}/health/ready/", timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "Database(alias='default')": "OK",
        "Cache(alias='default')": "OK",
        "ChannelLayer()": "OK",
        "TaskEngine()": "OK",
    }
    assert httpx.get(f"{server.base}/health/live/", timeout=10).status_code == 200


def test_api_docs_and_schema_answer(server):
    assert httpx.get(f"{server.base}/api/docs/", timeout=30).status_code == 200
    schema = httpx.get(f"{server.base}/api/schema/", timeout=30)
    assert schema.status_code == 200
    assert "openapi" in schema.text[:200]


def test_api_docs_run_under_the_strict_csp(server):
    """Swagger UI and ReDoc draw in Chromium with the site's CSP (script-src 'self'
    alone): their start-up scripts are files, not inline."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            refused: list[str] = []
            # ReDoc asks for Google's fonts too, which the CSP refuses (no CDN): only
            # scripts matter here.
            page.on(
                "console",
                lambda message: (
                    refused.append(message.text)
                    if "Content Security Policy" in message.text and "script" in message.text
                    else None
                ),
            )
            page.goto(f"{server.base}/api/docs/")
            page.wait_for_selector(".swagger-ui .information-container", timeout=60_000)
            page.goto(f"{server.base}/api/redoc/")
            page.wait_for_selector(
                "redoc .api-content, #redoc-container .api-content", timeout=60_000
            )
            assert refused == []
        finally:
            browser.close()


def test_request_id_is_echoed(server):
    response = httpx.get(
        f"{server.base}/health/live/", headers={"X-Request-ID": "live-test-42"}, timeout=10
    )
    assert response.headers["X-Request-ID"] == "live-test-42"
    generated = httpx.get(f"{server.base}/health/live/", timeout=10).headers["X-Request-ID"]
    assert generated and generated != "live-test-42"


# --- WebSockets -------------------------------------------------------------------------


def test_websocket_without_token_is_closed_4401(server):
    with (
        ws_connect(f"{server.ws_base}/ws/notifications/", open_timeout=10) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


def test_websocket_with_subprotocol_token_gets_snapshot(server, people):
    token = login(server, "owner@live.example")
    with ws_connect(
        f"{server.ws_base}/ws/notifications/", subprotocols=["bearer", token], open_timeout=10
    ) as ws:
        assert ws.subprotocol == "bearer"
        snapshot = receive_json(ws)
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"] == {"user": people["owner"]}
        ws.send(json.dumps({"type": "ping"}))
        assert receive_json(ws) == {"type": "pong"}


def test_task_enqueued_by_another_process_reaches_the_socket(server, people, live_env):
    """A task queued from a separate process is run by the server's embedded consumer
    threads, and its broadcast reaches the socket through the server's channel layer."""
    token = login(server, "owner@live.example")
    with ws_connect(f"{server.ws_base}/ws/notifications/?token={token}", open_timeout=10) as ws:
        snapshot = receive_json(ws)
        assert snapshot["type"] == "snapshot"
        shell(
            "import json\n"
            "from teranga.platform.realtime.broadcast import user_group\n"
            "from teranga.platform.realtime.tasks import deliver_broadcast\n"
            f"deliver_broadcast.enqueue(group=user_group({people['owner']!r}), "
            "event={'type': 'live.ping', 'n': 1})\n"
            "print(json.dumps({'ok': True}))",
            live_env,
        )
        message = wait_for_event(ws, "live.ping")
        assert message["event"] == {"type": "live.ping", "n": 1}
        assert message["seq"] > snapshot["seq"]


def test_verification_decision_is_pushed_to_the_owner(server, people, live_env):
    created = shell(
        f"""
import json
from django.contrib.auth import get_user_model
from teranga.platform.organizations.models import Membership, Organization
owner = get_user_model().objects.get(pk={people["owner"]!r})
org = Organization.objects.create(name="Live Org", slug="live-org", kind="business")
Membership.objects.create(organization=org, user=owner, role="owner")
print(json.dumps({{"organization": str(org.pk)}}))
""",
        live_env,
    )
    organization = created["organization"]
    owner_token = login(server, "owner@live.example")
    staff_token = login(server, "staff@live.example")
    with ws_connect(
        f"{server.ws_base}/ws/notifications/?token={owner_token}", open_timeout=10
    ) as ws:
        assert receive_json(ws)["type"] == "snapshot"
        response = httpx.post(
            f"{server.base}/api/v1/organizations/{organization}/verification/decision/",
            json={"status": "verified", "note": "ok"},
            headers={"Authorization": f"Bearer {staff_token}"},
            timeout=30,
        )
        assert response.status_code in (200, 201), response.text
        message = wait_for_event(ws, "organization.verification_changed")
        assert message["event"]["organization"] == organization
        assert message["event"]["status"] == "verified"


# --- shutdown (keep last: it stops the module's server) ----------------------------------


def test_sigint_stops_the_server_cleanly(server):
    server.process.send_signal(signal.SIGINT)
    try:
        code = server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"server still running 15 s after SIGINT:\n{server.output()}")
    assert code == 0, server.output()
    output = server.output()
    assert "embedded task consumer stopped" in output
    assert "Application shutdown complete" in output
