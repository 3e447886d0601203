"""The scanner page in a real browser: Debian's Chromium driven by Playwright on a phone
viewport, against the real server (``manage.py serve`` in a subprocess, its own
database).

(a) set up with a scanner device's setup code, sync (signature checked in the page),
scan a typed code: valid; again: refused; (b) offline: the page decides, queues, reloads
offline (service worker), and when the network returns uploads the queue once (a
re-upload of the same nonces counts nothing); (c) the vendored decoder reads a QR image
made by segno; (d) the camera: Chromium's fake capture device plays a video of a
ticket's QR code, and the page scans it."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
import segno

from tests.live import manage, own_database, process_env, with_path
from tests.skips import require
from tests.test_live_server import Server, shell

pytestmark = pytest.mark.live

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
PHONE = {"width": 390, "height": 844}
WAIT_MS = 15_000

require(
    f"Chromium ({CHROMIUM})",
    Path(CHROMIUM).exists(),
    "the browser tests drive Debian's Chromium (apt-get install chromium; `make install` does it)",
)


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("campus-scan-data")),
        EMBEDDED_WORKER="1",
        LOG_LEVEL="WARNING",
    )
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        current = urlparse(redis_url).path.lstrip("/") or "0"
        unique = f"csb{uuid.uuid4().hex[:8]}"
        env["REDIS_URL"] = with_path(redis_url, "/13" if current != "13" else "/14")
        env["HUEY_NAME"] = unique
        env["CHANNELS_PREFIX"] = unique
    with own_database(env, "campusscan"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


SEED = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from teranga.products.campus.models import CheckinList
from teranga.products.campus.services.scanners import scanner_create, scanner_signing_key
from teranga.products.campus.tests.factories import (
    EventFactory, TicketTypeFactory, UniversityFactory, issued_ticket,
)

university = UniversityFactory(name="Université du Navigateur", slug="univ-navigateur")
now = timezone.now()
event = EventFactory(organization=university, title="Gala de l'UCAD",
                     starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=4))
kind = TicketTypeFactory(event=event, name="Étudiant")
CheckinList.objects.create(event=event, organization=university, name="Entrée principale")
User = get_user_model()
tickets = []
for i in range(4):
    holder = User.objects.create_user(email=f"etudiant{i}@browser.example", password="x-Browser-1!",
                                      first_name=f"Awa {i}")
    tickets.append(issued_ticket(kind, holder).code)
device, token = scanner_create(organization=university, name="Téléphone porte A")
print(json.dumps({"event": str(event.pk), "tickets": tickets, "token": token,
                  "setup": f"{token}.{scanner_signing_key(device)}"}))
"""


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("campus-scan-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def world(live_env, server):
    return shell(SEED, live_env)


def launch(playwright, profile, *extra):
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=[*ARGS, *extra],
        locale="fr-FR",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,  # Playwright evaluates its wait predicates; the page needs no eval
    )


def scanner_page(context, server, world):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server.base}/campus/scan/")
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    if page.locator("#setup-view").is_visible():
        page.fill("#setup-code", world["setup"])
        page.click("#setup-form button[type=submit]")
    page.wait_for_function("Number(document.body.dataset.synced || 0) >= 1", timeout=WAIT_MS)
    page.errors = errors
    return page


def type_code(page, code: str, expected: str) -> None:
    before = page.evaluate("Number(document.body.dataset.scans || 0)")
    page.fill("#code", code)
    page.click("#manual-form button[type=submit]")
    page.wait_for_function(f"Number(document.body.dataset.scans || 0) > {before}", timeout=WAIT_MS)
    assert page.locator("#result").get_attribute("data-result") == expected


def device_api(server, world) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base}/api/v1/campus/scanner",
        headers={"Authorization": f"Scanner {world['token']}"},
        timeout=10,
    )


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="module")
def phone(playwright, server, world, tmp_path_factory):
    context = launch(playwright, tmp_path_factory.mktemp("chromium-phone"))
    try:
        yield context
    finally:
        context.close()


def test_scan_online_then_offline_and_sync_back(phone, server, world, live_env):
    page = scanner_page(phone, server, world)
    assert page.evaluate("document.body.dataset.verified") == "1"  # signature checked
    assert page.locator("#event option:checked").inner_text() == "Gala de l'UCAD"
    assert page.locator("#list option:checked").inner_text() == "Entrée principale"
    first, second = world["tickets"][:2]
    # Online: the server decides.
    type_code(page, f"TERANGA-CAMPUS:{first}", "valid")
    assert "Awa 0" in page.locator("#result").inner_text()
    type_code(page, first, "already_in")
    assert page.locator("#result").get_attribute("data-offline") == "0"
    # Offline: the page decides from its copy, and queues.
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=WAIT_MS)
    phone.set_offline(True)
    page.wait_for_function(
        "document.getElementById('connection').dataset.state === 'offline'", timeout=WAIT_MS
    )
    type_code(page, second, "valid")
    assert page.locator("#result").get_attribute("data-offline") == "1"
    type_code(page, second.lower(), "already_in")
    type_code(page, first, "already_in")  # admitted online earlier: the copy knows it
    type_code(page, "NOPE", "unknown")
    assert page.evaluate("document.body.dataset.pending") == "4"
    queued = page.evaluate("JSON.parse(localStorage.getItem('campus.scan.queue'))")
    # The page reloads offline (service worker) and keeps its queue.
    page.reload()
    page.wait_for_function("document.body.dataset.ready === '1'", timeout=WAIT_MS)
    assert page.evaluate("document.body.dataset.pending") == "4"
    type_code(page, second, "already_in")
    # Back online: the queue is uploaded, once.
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.body.dataset.pending === '0'", timeout=WAIT_MS)
    scans = shell(
        f"""
import json
from teranga.products.campus.models import Scan
rows = Scan.objects.filter(ticket__code={second!r}).order_by("scanned_at")
print(json.dumps([r.result for r in rows]))
""",
        live_env,
    )
    assert scans == ["valid", "already_in", "already_in"]
    # The same scans uploaded again (a retry after a lost answer): nothing counted twice.
    body = {
        "scans": [
            {k: s[k] for k in ("nonce", "code", "list", "direction", "scanned_at", "local_result")}
            for s in queued
        ]
    }
    with device_api(server, world) as api:
        report = api.post("/scans/", json=body).json()
    assert report["summary"]["duplicates"] == 4 and report["summary"]["accepted"] == 0
    assert page.errors == []
    page.close()


def test_vendored_decoder_reads_a_qr_image(phone, server, world):
    page = scanner_page(phone, server, world)
    content = f"TERANGA-CAMPUS:{world['tickets'][2]}"
    uri = segno.make_qr(content, error="m").png_data_uri(scale=6, border=4)
    assert page.evaluate("src => window.campusScanner.decodeImage(src)", uri) == content
    page.close()


def qr_y4m(content: str, path: Path, *, width=640, height=480, frames=10) -> None:
    """A short Y4M video (4:2:0) of the QR code of ``content``, for Chromium's fake
    camera."""
    qr = segno.make_qr(content, error="m")
    matrix = qr.matrix
    scale = min(width, height) // (len(matrix) + 8)
    size = len(matrix) * scale
    left, top = (width - size) // 2, (height - size) // 2
    luma = bytearray([235]) * (width * height)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(luma)
            out.write(chroma)
            out.write(chroma)


def test_camera_scans_a_ticket(playwright, server, world, tmp_path):
    code = world["tickets"][3]
    video = tmp_path / "ticket.y4m"
    qr_y4m(f"TERANGA-CAMPUS:{code}", video)
    context = launch(
        playwright,
        tmp_path / "profile",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    try:
        context.grant_permissions(["camera"], origin=server.base)
        page = scanner_page(context, server, world)
        page.click("#camera")
        page.wait_for_function(
            "document.body.dataset.decoded && document.body.dataset.lastResult",
            timeout=WAIT_MS,
        )
        assert page.evaluate("document.body.dataset.decoded") == f"TERANGA-CAMPUS:{code}"
        assert page.locator("#result").get_attribute("data-result") == "valid"
        assert page.errors == []
    finally:
        context.close()
