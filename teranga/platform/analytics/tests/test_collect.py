"""Collection over HTTP: ``POST /api/v1/analytics/collect/`` buffers, the flush writes in
batches; no cookie, no raw address, a visitor hash that changes with the day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from teranga.platform.analytics import services
from teranga.platform.analytics.models import Event, Salt, Visit

URL = "/api/v1/analytics/collect/"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
ADDRESS = "203.0.113.77"


def send(site, *, path="/", address=ADDRESS, agent=IPHONE, **body):
    client = APIClient()
    payload = {"site": site.public_id, "url": f"https://awa.example{path}", **body}
    return client.post(URL, payload, format="json", REMOTE_ADDR=address, HTTP_USER_AGENT=agent)


@pytest.mark.django_db
def test_a_page_view_is_buffered_then_written_without_cookie_or_address(shop):
    _organization, _users, site = shop
    response = send(
        site,
        path="/promo/?utm_source=newsletter&utm_medium=email&utm_campaign=tabaski",
        referrer="https://www.google.com/search?q=awa",
    )
    assert response.status_code == 202, response.content
    assert not response.cookies and "Set-Cookie" not in response
    # Buffered, not written.
    assert Event.objects.count() == 0 and services.records_pending() == 1
    assert services.events_flush() == 1
    assert services.records_pending() == 0
    event = Event.objects.get()
    visit = Visit.objects.get()
    assert (event.name, event.pathname, event.hostname) == ("pageview", "/promo/", "awa.example")
    assert event.visit_id == visit.pk and event.organization_id == site.organization_id
    assert (visit.device, visit.browser, visit.os) == ("mobile", "Mobile Safari", "iOS")
    assert visit.source == "newsletter"  # utm_source wins over the referrer
    assert (visit.utm_medium, visit.utm_campaign) == ("email", "tabaski")
    assert (visit.pageviews, visit.entry_page, visit.country) == (1, "/promo/", "")
    # The address is nowhere: not in any column of any analytics row.
    for row in (*Visit.objects.values(), *Event.objects.values()):
        assert ADDRESS not in " ".join(str(value) for value in row.values())


@pytest.mark.django_db
def test_the_buffer_never_holds_the_address(shop):
    _organization, _users, site = shop
    from teranga.platform.analytics import buffer

    send(site)
    (record,) = buffer.current().take(10)
    assert ADDRESS not in record and "203.0.113" not in record


@pytest.mark.django_db
def test_the_visitor_hash_changes_with_the_day_and_old_salts_go(shop):
    _organization, _users, site = shop
    with time_machine.travel(datetime(2026, 3, 2, 10, tzinfo=UTC), tick=False):
        send(site)
        send(site, path="/b/")  # the same visitor, same visit
        services.events_flush()
    with time_machine.travel(datetime(2026, 3, 3, 10, tzinfo=UTC), tick=False):
        send(site)
        services.events_flush()
        assert services.salts_rotate() == 1
        assert list(Salt.objects.values_list("day", flat=True)) == [datetime(2026, 3, 3).date()]
    first, second, third = Event.objects.order_by("occurred_at")
    assert first.visitor_id == second.visitor_id and first.visit_id == second.visit_id
    assert third.visitor_id != first.visitor_id
    assert Visit.objects.count() == 2
    assert Visit.objects.get(pk=first.visit_id).pageviews == 2
    # Another address is another visitor the same day.
    with time_machine.travel(datetime(2026, 3, 3, 11, tzinfo=UTC), tick=False):
        send(site, address="198.51.100.4")
        services.events_flush()
    assert Event.objects.values("visitor_id").distinct().count() == 3


@pytest.mark.django_db
def test_requests_write_nothing_and_the_flush_writes_in_batches(shop, settings):
    _organization, _users, site = shop
    send(site)  # warms the site and the salt of the day
    with CaptureQueriesContext(connection) as during_requests:
        for n in range(60):
            assert send(site, path=f"/p{n % 7}/", address=f"198.51.100.{n}").status_code == 202
    assert len(during_requests.captured_queries) == 0
    settings.ANALYTICS_FLUSH_EVENTS = 1000
    with CaptureQueriesContext(connection) as flushing:
        assert services.events_flush() == 61
    inserts = [q for q in flushing.captured_queries if q["sql"].startswith("INSERT")]
    # Visits, events: one bulk statement each (SQLite splits one past its 999 variables).
    assert len(inserts) <= 4
    assert len(flushing.captured_queries) <= 10
    assert Event.objects.count() == 61 and Visit.objects.count() == 61
    # In batches of N: 25 records at 10 a batch is three batches.
    settings.ANALYTICS_FLUSH_EVENTS = 10
    for n in range(25):
        send(site, address=f"192.0.2.{n}")
    with CaptureQueriesContext(connection) as flushing:
        assert services.events_flush() == 25
    inserts = [q for q in flushing.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 6


@pytest.mark.django_db
def test_the_full_buffer_wakes_the_flusher(shop, settings):
    _organization, _users, site = shop
    from teranga.platform.analytics import buffer

    woken = []
    settings.ANALYTICS_FLUSH_EVENTS = 3
    original = buffer.flusher.wake
    buffer.flusher.wake = lambda: woken.append(True)
    try:
        for _n in range(3):
            send(site)
    finally:
        buffer.flusher.wake = original
    assert woken == [True]


@pytest.mark.django_db
def test_custom_events_and_crawlers(shop):
    _organization, _users, site = shop
    send(site, name="signup", agent=WINDOWS)
    send(site, agent="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert services.events_flush() == 1
    visit = Visit.objects.get()
    assert (visit.device, visit.browser, visit.os) == ("desktop", "Chrome", "Windows")
    assert (visit.pageviews, visit.events) == (0, 1)
    assert Event.objects.get().name == "signup"


@pytest.mark.django_db
def test_bad_input_is_refused_and_nothing_is_buffered(shop, rival):
    _organization, _users, site = shop
    _other, _owner, other_site = rival
    client = APIClient()
    cases = [
        ({"site": site.public_id}, 400, "invalid"),
        ({"site": site.public_id, "url": "javascript:alert(1)"}, 400, "invalid"),
        ({"site": site.public_id, "url": "https://awa.example/", "name": "<b>"}, 400, "invalid"),
        ({"site": site.public_id, "url": "https://awa.example/", "extra": 1}, 400, "invalid"),
        ({"site": "x" * 17, "url": "https://awa.example/"}, 400, "invalid"),
        ({"site": "nope", "url": "https://awa.example/"}, 404, "site_not_found"),
        # Another organisation's site, for a page that is not on its domains.
        ({"site": other_site.public_id, "url": "https://awa.example/"}, 400, "domain_not_allowed"),
        ({"site": site.public_id, "url": "https://evil.example/"}, 400, "domain_not_allowed"),
    ]
    for body, status, code in cases:
        response = client.post(URL, body, format="json", REMOTE_ADDR=ADDRESS)
        assert response.status_code == status, (body, response.content)
        assert response.json()["error"]["code"] == code
    # Sub-domains of a site's domain, and Teranga's own host, are accepted.
    ok = client.post(
        URL, {"site": site.public_id, "url": "https://shop.awa.example/"}, format="json"
    )
    own = client.post(
        URL, {"site": site.public_id, "url": "http://testserver/b/awa/"}, format="json"
    )
    assert (ok.status_code, own.status_code) == (202, 202)
    assert services.records_pending() == 2
    site.is_active = False
    site.save()
    services._sites.clear()
    assert send(site).status_code == 404


@pytest.mark.django_db
def test_collect_is_rate_limited_per_address(shop, monkeypatch):
    from teranga.core.throttling import ScopedRateThrottle

    _organization, _users, site = shop
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "analytics_collect", "3/min")
    statuses = [send(site).status_code for _n in range(4)]
    assert statuses == [202, 202, 202, 429]
    assert send(site, address="198.51.100.9").status_code == 202
    assert services.records_pending() == 4
