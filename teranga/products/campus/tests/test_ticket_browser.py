"""The ticket page on a phone: Debian's Chromium driven by Playwright at a phone's size,
against the real server (``manage.py serve`` in a subprocess, its own database). The
page fits the screen without scrolling sideways, and the QR code read back from a
screenshot of the screen is the ticket's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.live import manage, own_database, process_env
from tests.skips import require
from tests.test_live_server import Server, shell

pytestmark = pytest.mark.live

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

require(
    f"Chromium ({CHROMIUM})",
    Path(CHROMIUM).exists(),
    "the browser tests drive Debian's Chromium (apt-get install chromium; `make install` does it)",
)

SEED = """
import json
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from teranga.core.codes import random_code
from teranga.platform.organizations.models import Organization, OrganizationKind
from teranga.products.campus.models import Event, Order, OrderLine, Ticket, TicketType

org = Organization.objects.create(kind=OrganizationKind.UNIVERSITY, name="UCAD", slug="ucad-phone")
starts = timezone.now() + timedelta(days=2)
event = Event.objects.create(
    organization=org, university=org, title="Nuit du code", starts_at=starts,
    ends_at=starts + timedelta(hours=3), status="published", address="Amphi A, UCAD, Dakar",
)
kind = TicketType.objects.create(
    event=event, organization=org, name="Étudiant", kind="paid", price=2000, quota=10, taken=1,
    sold=1,
)
holder = get_user_model().objects.create_user(email="awa@phone.example", password="x" * 20)
order = Order.objects.create(
    organization=org, event=event, buyer=holder, status="paid", total=2000, currency="XOF",
)
OrderLine.objects.create(order=order, ticket_type=kind, quantity=1, unit_price=2000)
ticket = Ticket.objects.create(
    organization=org, event=event, order=order, ticket_type=kind, holder=holder,
    code=random_code(length=20), price=2000,
)
print(json.dumps({"code": ticket.code}))
"""


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("campus-ticket-data")),
        EMBEDDED_WORKER="0",
        LOG_LEVEL="WARNING",
    )
    with own_database(env, "campustickets"):
        manage("migrate", "--noinput", env=env, timeout=300)
        yield env


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("campus-ticket-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


def test_the_ticket_page_on_a_phone(live_env, server, tmp_path):
    import zxingcpp
    from PIL import Image
    from playwright.sync_api import sync_playwright

    code = shell(SEED, live_env)["code"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            phone = browser.new_context(
                viewport={"width": 360, "height": 740}, device_scale_factor=2, locale="wo-SN"
            )
            page = phone.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            response = page.goto(f"{server.base}/campus/tickets/{code}/?lang=en")
            assert response.status == 200
            assert page.locator("h1").inner_text() == "Nuit du code"
            assert page.get_by_text("Show this QR code at the entrance.").is_visible()
            # It fits a phone's width: nothing to scroll sideways.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            shot = page.screenshot(full_page=True)
            found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
            assert [f.text for f in found] == [f"TERANGA-CAMPUS:{code}"]
            french = phone.new_page()
            french.goto(f"{server.base}/campus/tickets/{code}/?lang=fr")
            assert french.locator("html").get_attribute("lang") == "fr"
            assert errors == []
        finally:
            browser.close()
