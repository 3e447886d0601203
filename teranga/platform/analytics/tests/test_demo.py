"""The demo traffic generator: sites, goals, a funnel and months of visits for the demo
organisations, the report filled, and a second run adds nothing."""

from __future__ import annotations

import pytest

from teranga.platform.analytics import demo
from teranga.platform.analytics.models import Event, Funnel, Goal, Site, Visit
from teranga.platform.analytics.selectors import site_report
from teranga.platform.organizations.tests.factories import OrganizationFactory


@pytest.mark.django_db
def test_the_demo_traffic_fills_the_report_and_is_idempotent(settings):
    settings.DEMO_HISTORY_DAYS = None  # the months of visits that `make run` loads
    OrganizationFactory(slug="salon-ndeye", name="Salon Ndèye")
    assert demo.load(password="x") == []
    site = Site.objects.get()
    visits, events = Visit.objects.count(), Event.objects.count()
    assert visits > 2000 and events > visits
    assert Goal.objects.filter(site=site).count() == 2 and Funnel.objects.count() == 1
    report = site_report(site=site, period="30d")
    assert report["cards"]["visitors"]["value"] > 500
    assert report["cards"]["visitors"]["growth"] is not None
    assert {row["name"] for row in report["devices"]} == {"desktop", "mobile", "tablet"}
    assert (
        report["funnels"][0]["steps"][0]["visitors"]
        > report["funnels"][0]["steps"][1]["visitors"]
        > 0
    )
    assert report["demographics"]["genders"]
    demo.load(password="x")
    assert (Visit.objects.count(), Event.objects.count(), Site.objects.count()) == (
        visits,
        events,
        1,
    )
