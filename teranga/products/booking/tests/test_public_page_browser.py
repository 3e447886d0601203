"""The public booking page on a phone: Debian's Chromium driven by Playwright at a phone's
size (390×844) on a slow-3G-like network (CDP ``Network.emulateNetworkConditions``),
against the real server (``manage.py serve`` in a subprocess, its own database with
``seed_demo``'s data).

* A demo client books Salon Ndèye from ``/b/salon-ndeye/`` without an account, verifying
  their phone with the SMS code read from the sandbox outbox, sees the confirmation,
  opens the manage link and cancels. The first load weighs under 100 KB.
* A client with an account signs in on the page and books.
* Two browsers race for the last slot: one gets it, the other a clear message.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.live import manage, own_database, process_env
from tests.skips import require
from tests.test_live_server import Server, shell

pytestmark = pytest.mark.live

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
#: Like DevTools' "Slow 3G": 400 ms round trip, about 400 kbit/s each way.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,
    "uploadThroughput": 50_000,
}
PASSWORD = "Teranga-Live-2026!"

require(
    f"Chromium ({CHROMIUM})",
    Path(CHROMIUM).exists(),
    "the browser tests drive Debian's Chromium (apt-get install chromium; `make install` does it)",
)

SEED = f"""
import json
from datetime import time
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from teranga.platform.organizations.models import Organization, OrganizationKind, VerificationStatus
from teranga.platform.scheduling.models import AvailabilityRule, Resource
from teranga.products.booking.models import PublicPage, Service

user = get_user_model().objects.create_user(email="awa@phone.example", password={PASSWORD!r})
EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
# A business with one slot a week (Wednesday 10:00-10:30), bookable a week ahead: the last slot.
org = Organization.objects.create(
    kind=OrganizationKind.BUSINESS, name="Course au dernier créneau", slug="dernier-creneau",
    verification_status=VerificationStatus.VERIFIED,
)
resource = Resource.objects.create(organization=org, name="Unique")
AvailabilityRule.objects.create(
    organization=org, resource=resource, weekday=2, starts_at=time(10), ends_at=time(10, 30)
)
Service.objects.create(
    organization=org, resource=resource, name="Dernier créneau", price_amount=2000,
    currency="XOF", payment_mode="on_site", duration_minutes=30, max_advance_days=7,
    min_notice_minutes=0,
)
PublicPage.objects.create(organization=org, slug="dernier-creneau", is_enabled=True)
print(json.dumps({{"ok": True}}))
"""

OUTBOX = """
import json
from teranga.core.encryption import phone_hash
from teranga.platform.notifications.models import SmsMessage
rows = SmsMessage.objects.filter(to_hash=phone_hash({phone!r})).order_by("-created_at")
print(json.dumps([row.body for row in rows]))
"""


@pytest.fixture(scope="module")
def live_env(tmp_path_factory):
    env = process_env(
        DATA_DIR=str(tmp_path_factory.mktemp("booking-page-data")),
        EMBEDDED_WORKER="0",
        LOG_LEVEL="WARNING",
    )
    with own_database(env, "bookingpage"):
        manage("migrate", "--noinput", env=env, timeout=300)
        manage("seed_demo", env=env, timeout=600)
        shell(SEED, env)
        yield env


@pytest.fixture(scope="module")
def server(live_env, tmp_path_factory):
    srv = Server(live_env, tmp_path_factory.mktemp("booking-page-log") / "server.log")
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _phone(browser, locale="fr-SN"):
    """A phone-sized context on a slow 3G network; (context, page, transferred bytes)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale=locale)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    transferred: list[int] = []

    def count(response):
        try:
            sizes = response.request.sizes()
        except Exception:  # a response whose sizes are gone (navigated away)
            return
        transferred.append(sizes["responseBodySize"] + sizes["responseHeadersSize"])

    page.on("requestfinished", lambda request: count(request.response()))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return context, page, transferred


def _code(live_env, phone: str, after: int = 0) -> str:
    for _attempt in range(20):
        bodies = shell(OUTBOX.format(phone=phone), live_env)
        codes = [re.search(r"\b(\d{6})\b", body) for body in bodies if "code" in body.lower()]
        codes = [match.group(1) for match in codes if match]
        if len(codes) > after:
            return codes[0]
        time.sleep(0.5)
    raise AssertionError(f"no code for {phone} in the outbox")


def _fill_guest(page, name: str, phone: str) -> None:
    page.fill("#id_name", name)
    page.fill("#id_phone", phone)
    page.click("#book-guest button[type=submit]")
    page.wait_for_selector("#verify")


def test_guest_books_salon_ndeye_by_sms_code_then_cancels(server, live_env, browser):
    context, page, transferred = _phone(browser)
    try:
        started = time.monotonic()
        response = page.goto(f"{server.base}/b/salon-ndeye/", wait_until="load")
        load_seconds = time.monotonic() - started
        assert response.status == 200
        assert page.locator("#business").inner_text() == "Salon Ndèye"
        weight = sum(transferred)
        print(f"\nfirst load of /b/salon-ndeye/: {weight} bytes, {load_seconds:.1f} s on slow 3G")
        assert weight < 100_000
        # Phone-sized: nothing to scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # The men's cut (paid at the salon): a slot of a later day (beyond the 12 h notice).
        cut = page.locator("section.service", has_text="Coupe homme")
        later = cut.locator("details").nth(2)
        later.locator("summary").click()
        later.locator("a.slot").first.click()
        page.wait_for_selector("#book-guest")
        _fill_guest(page, "Aïssatou Diallo", "77 123 45 67")
        page.fill("#id_code", _code(live_env, "+221771234567"))
        page.click("#verify button[type=submit]")
        page.wait_for_selector("#confirmed")
        assert "Coupe homme" in page.locator("#summary").inner_text()
        manage_url = page.locator("#manage-link").get_attribute("href")
        assert manage_url.startswith(server.base + "/b/salon-ndeye/manage/")
        # The manage link went by SMS too.
        bodies = shell(OUTBOX.format(phone="+221771234567"), live_env)
        assert any(manage_url in body for body in bodies)
        page.goto(manage_url)
        page.click("#cancel button[type=submit]")
        page.wait_for_selector("#done")
        assert page.locator("#status").inner_text() != ""
        assert page.errors == []
    finally:
        context.close()


def test_signed_in_client_books_on_the_page(server, live_env, browser):
    context, page, _transferred = _phone(browser, locale="en-US")
    try:
        page.goto(f"{server.base}/b/salon-ndeye/?lang=en")
        cut = page.locator("section.service", has_text="Coupe homme")
        later = cut.locator("details").nth(3)
        later.locator("summary").click()
        later.locator("a.slot").first.click()
        page.fill("#id_email", "awa@phone.example")
        page.fill("#id_password", PASSWORD)
        page.click("#book-signin button[type=submit]")
        page.wait_for_selector("#confirmed")
        assert page.locator("#confirmed").inner_text() == "Your booking is confirmed"
        assert page.locator("html").get_attribute("lang") == "en"
    finally:
        context.close()


def test_two_browsers_race_for_the_last_slot(server, live_env, browser):
    first = _phone(browser)
    second = _phone(browser)
    try:
        phones = ["+221770000001", "+221770000002"]
        for (_context, page, _t), phone in zip((first, second), phones, strict=True):
            page.goto(f"{server.base}/b/dernier-creneau/")
            slots = page.locator("a.slot")
            assert slots.count() == 1  # the last slot
            slots.first.click()
            _fill_guest(page, "Client pressé", phone)
        for (_context, page, _t), phone in zip((first, second), phones, strict=True):
            page.fill("#id_code", _code(live_env, phone))
        # Both send at once.
        for _context, page, _t in (first, second):
            page.click("#verify button[type=submit]", no_wait_after=True)
        outcomes = []
        for _context, page, _t in (first, second):
            page.wait_for_selector("#confirmed, #error")
            outcomes.append("ok" if page.locator("#confirmed").count() else "refused")
        assert sorted(outcomes) == ["ok", "refused"]
        loser = (first, second)[outcomes.index("refused")][1]
        message = loser.locator("#error")
        assert message.get_attribute("data-code") == "slot_full"
        assert message.is_visible() and message.inner_text().strip()
        # The winner's booking stands; the slot is gone from the page.
        check = second[1] if outcomes[0] == "refused" else first[1]
        check.goto(f"{server.base}/b/dernier-creneau/")
        assert check.locator("a.slot").count() == 0
    finally:
        first[0].close()
        second[0].close()


def test_page_is_served_at_a_registered_host_only(server, live_env):
    import httpx

    shell(
        """
import json
from teranga.products.booking.models import PublicPage, PublicPageHost
page = PublicPage.objects.get(slug="salon-ndeye")
PublicPageHost.objects.get_or_create(page=page, host="salon-ndeye.example.sn")
print(json.dumps({}))
""",
        live_env,
    )
    ok = httpx.get(f"{server.base}/", headers={"Host": "salon-ndeye.example.sn"}, timeout=10)
    assert ok.status_code == 200 and "Salon Ndèye" in ok.text
    refused = httpx.get(f"{server.base}/", headers={"Host": "autre.example.sn"}, timeout=10)
    assert refused.status_code == 400
