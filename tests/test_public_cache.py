"""HTTP caching of the public reads (``teranga.core.public_cache``): the directory and
pages of organisations, Booking's categories and services, SmartQueue's services and
queues, the geo reference lists.

Through HTTP on the real database and the real cache (local memory by default, Redis
with ``REDIS_URL``): ETag and ``Cache-Control`` on every answer, 304 to a matching
``If-None-Match``, a server-side hit that needs (almost) no query, and a change made
through the API, a service or a model save seen by the very next request.
"""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import authed_client
from teranga.core.throttling import SimpleRateThrottle
from teranga.platform.contract import periodic_jobs
from teranga.platform.geo.models import Region
from teranga.platform.organizations.models import Role, VerificationStatus
from teranga.platform.organizations.tests.factories import (
    BranchFactory,
    ClosureFactory,
    OpeningHoursFactory,
    OrganizationFactory,
    member,
    user,
)
from teranga.products.booking.models import ServiceCategory
from teranga.products.booking.tests.factories import BusinessFactory, ServiceFactory
from teranga.products.smartqueue.models import Queue, ServiceHours
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)

API = "/api/v1"


class World:
    """A verified organisation with a branch (and an inactive one), hours and a closure;
    an organisation pending verification; a business with a public and an inactive
    service; a bank with a service and a queue; their owners and managers."""

    def __init__(self):
        self.org = OrganizationFactory(name="Teranga Conseil", slug="teranga-conseil")
        self.branch = BranchFactory(organization=self.org, name="Siège")
        self.hidden_branch = BranchFactory(organization=self.org, name="Annexe", is_active=False)
        OpeningHoursFactory(branch=self.branch)
        ClosureFactory(organization=self.org)
        self.owner = member(self.org, Role.OWNER)
        self.pending = OrganizationFactory(
            name="Pas encore", verification_status=VerificationStatus.PENDING, verified_at=None
        )
        self.pending_owner = member(self.pending, Role.OWNER)

        self.business = BusinessFactory(name="Salon Awa", slug="salon-awa")
        self.business_owner = member(self.business, Role.OWNER)
        self.service = ServiceFactory(organization=self.business, name="Coupe", rules=False)
        self.hidden_service = ServiceFactory(
            organization=self.business, name="Soin secret", is_active=False, rules=False
        )

        self.bank = BankFactory(name="Banque Teranga", slug="banque-teranga")
        self.bank_branch = DakarBranchFactory(organization=self.bank, name="Agence Plateau")
        self.sq_service = QueueServiceFactory(organization=self.bank, name="Opérations")
        self.sq_hidden = QueueServiceFactory(
            organization=self.bank, name="Service interne", is_active=False
        )
        self.queue = QueueFactory(
            organization=self.bank, branch=self.bank_branch, service=self.sq_service, prefix="A"
        )
        self.bank_manager = member(self.bank, Role.MANAGER)
        self.staff = user(is_staff=True)


@pytest.fixture
def world(db):
    return World()


ENDPOINTS = {
    "directory": lambda w: f"{API}/organizations/",
    "organization": lambda w: f"{API}/organizations/{w.org.pk}/",
    "branches": lambda w: f"{API}/organizations/{w.org.pk}/branches/",
    "branch": lambda w: f"{API}/organizations/{w.org.pk}/branches/{w.branch.pk}/",
    "opening_hours": lambda w: (
        f"{API}/organizations/{w.org.pk}/branches/{w.branch.pk}/opening-hours/"
    ),
    "closures": lambda w: f"{API}/organizations/{w.org.pk}/closures/",
    "booking_categories": lambda w: f"{API}/booking/categories/",
    "booking_services": lambda w: f"{API}/booking/services/",
    "booking_service": lambda w: f"{API}/booking/services/{w.service.pk}/",
    "sq_services": lambda w: f"{API}/smartqueue/services/?organization={w.bank.pk}",
    "sq_service": lambda w: f"{API}/smartqueue/services/{w.sq_service.pk}/",
    "sq_service_hours": lambda w: f"{API}/smartqueue/services/{w.sq_service.pk}/hours/",
    "sq_queues": lambda w: f"{API}/smartqueue/queues/?organization={w.bank.pk}",
    "sq_queue": lambda w: f"{API}/smartqueue/queues/{w.queue.pk}/",
    "geo_regions": lambda w: f"{API}/geo/regions/",
    "geo_region": lambda w: f"{API}/geo/regions/DK/",
}
#: Queries a server-side hit may need: the detail pages of SmartQueue look up the
#: organisation of the object they name (its scope); everything else needs none.
HIT_QUERIES = {"sq_service": 1, "sq_service_hours": 1, "sq_queue": 1}


def get(client, url, **headers):
    return client.get(url, headers=headers)


# --- Every endpoint ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENDPOINTS)
def test_etag_cache_control_and_304(world, api, name):
    url = ENDPOINTS[name](world)
    first = get(api, url)
    assert first.status_code == 200, first.content
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 10  # strong
    cache_control = first["Cache-Control"]
    assert "public" in cache_control and "max-age=" in cache_control
    assert "stale-while-revalidate=" in cache_control
    vary = {v.strip().lower() for v in first["Vary"].split(",")}
    assert {"accept-language", "authorization"} <= vary

    # Served from the server-side cache: the same bytes, (almost) no query.
    with CaptureQueriesContext(connection) as queries:
        again = get(api, url)
    assert again.status_code == 200
    assert again.content == first.content and again["ETag"] == etag
    assert len(queries) <= HIT_QUERIES.get(name, 0), [q["sql"] for q in queries]

    # A matching If-None-Match: 304, no body, the same ETag and caching headers.
    for header in (etag, f"W/{etag}", "*", f'"other", {etag}'):
        not_modified = get(api, url, if_none_match=header)
        assert not_modified.status_code == 304, header
        assert not_modified.content == b""
        assert not_modified["ETag"] == etag
        assert "public" in not_modified["Cache-Control"]
    # A tag that does not match: the whole answer.
    changed = get(api, url, if_none_match='"not-this-one"')
    assert changed.status_code == 200 and changed.content == first.content


@pytest.mark.parametrize("name", ["directory", "booking_services", "sq_queue", "geo_region"])
def test_304_when_the_server_side_copy_is_gone(world, api, name):
    """The 304 is decided on the answer itself, not only on a cached copy."""
    from django.core.cache import cache

    url = ENDPOINTS[name](world)
    etag = get(api, url)["ETag"]
    cache.clear()
    assert get(api, url, if_none_match=etag).status_code == 304


@pytest.mark.parametrize("name", ["directory", "booking_categories", "sq_services"])
def test_each_language_has_its_own_etag(world, api, name):
    url = ENDPOINTS[name](world)
    french = get(api, url, accept_language="fr")
    english = get(api, url, accept_language="en")
    assert french["Content-Language"] == "fr" and english["Content-Language"] == "en"
    assert french["ETag"] != english["ETag"]
    # Each kept apart on the server: a French copy is never answered in English.
    assert get(api, url, accept_language="en")["ETag"] == english["ETag"]
    assert get(api, url, accept_language="en", if_none_match=french["ETag"]).status_code == 200
    assert get(api, url, accept_language="fr", if_none_match=french["ETag"]).status_code == 304


def test_the_query_string_is_part_of_the_key(world, api):
    everything = get(api, f"{API}/booking/services/")
    none = get(api, f"{API}/booking/services/?q=introuvable")
    assert everything.json()["count"] == 1 and none.json()["count"] == 0
    assert everything["ETag"] != none["ETag"]


def test_a_cached_answer_is_still_throttled(world, api, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "directory", "3/min")
    url = ENDPOINTS["directory"](world)
    assert [get(api, url).status_code for _ in range(4)] == [200, 200, 200, 429]


# --- A change is seen at once -----------------------------------------------------------


def warm(api, url):
    """Two reads: the second comes from the server-side cache."""
    first = get(api, url)
    assert get(api, url).content == first.content
    return first


def test_organization_renamed_through_the_api(world, api):
    directory, detail = ENDPOINTS["directory"](world), ENDPOINTS["organization"](world)
    before = warm(api, directory)
    warm(api, detail)
    response = authed_client(world.owner).patch(detail, {"name": "Teranga Audit"}, format="json")
    assert response.status_code == 200, response.content

    after = get(api, directory)
    assert after["ETag"] != before["ETag"]
    assert "Teranga Audit" in {row["name"] for row in after.json()["results"]}
    assert get(api, detail).json()["name"] == "Teranga Audit"
    assert get(api, directory, if_none_match=before["ETag"]).status_code == 200


def test_organization_suspended_is_hidden_at_once(world, api):
    directory, detail = ENDPOINTS["directory"](world), ENDPOINTS["organization"](world)
    warm(api, directory)
    warm(api, detail)
    response = authed_client(world.staff).post(
        f"{detail}verification/decision/",
        {"status": "suspended", "note": "Fraude"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert get(api, detail).status_code == 404
    assert world.org.name not in {row["name"] for row in get(api, directory).json()["results"]}


def test_opening_hours_replaced(world, api, django_capture_on_commit_callbacks):
    url = ENDPOINTS["opening_hours"](world)
    before = warm(api, url)
    manager = authed_client(world.owner)
    week = [{"weekday": 2, "opens_at": "10:00", "closes_at": "12:00"}]
    with django_capture_on_commit_callbacks(execute=True):
        assert manager.put(url, week, format="json").status_code == 200
    after = get(api, url)
    assert after["ETag"] != before["ETag"]
    assert [row["weekday"] for row in after.json()] == [2]


def test_opening_hours_of_a_branch_without_any(world, api, django_capture_on_commit_callbacks):
    """A first week is a bulk insert (no signal): the after-commit announcement bumps."""
    branch = BranchFactory(organization=world.org, name="Nouvelle")
    url = f"{API}/organizations/{world.org.pk}/branches/{branch.pk}/opening-hours/"
    assert warm(api, url).json() == []
    week = [{"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"}]
    with django_capture_on_commit_callbacks(execute=True):
        assert authed_client(world.owner).put(url, week, format="json").status_code == 200
    assert [row["opens_at"] for row in get(api, url).json()] == ["08:00"]


def test_booking_new_service_and_price_change(world, api):
    listing, detail = ENDPOINTS["booking_services"](world), ENDPOINTS["booking_service"](world)
    warm(api, listing)
    warm(api, detail)
    owner = authed_client(world.business_owner)
    created = owner.post(
        listing,
        {
            "organization": str(world.business.pk),
            "name": "Tresses",
            "price_amount": 8000,
            "duration_minutes": 60,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    names = {row["name"] for row in get(api, listing).json()["results"]}
    assert names == {"Coupe", "Tresses"}

    response = owner.patch(detail, {"price_amount": 7000}, format="json")
    assert response.status_code == 200, response.content
    assert get(api, detail).json()["price"]["amount"] == 7000
    prices = {row["name"]: row["price"]["amount"] for row in get(api, listing).json()["results"]}
    assert prices["Coupe"] == 7000


def test_booking_tags_and_business_changes(world, api):
    listing = ENDPOINTS["booking_services"](world)
    warm(api, listing)
    owner = authed_client(world.business_owner)
    detail = ENDPOINTS["booking_service"](world)
    assert owner.patch(detail, {"tags": ["bio"]}, format="json").status_code == 200
    assert [t["slug"] for t in get(api, listing).json()["results"][0]["tags"]] == ["bio"]

    world.business.city = "Thiès"  # through a model save, as the admin does
    world.business.save()
    assert get(api, listing).json()["results"][0]["organization"]["city"] == "Thiès"

    world.business.verification_status = VerificationStatus.SUSPENDED
    world.business.save()
    assert get(api, listing).json()["count"] == 0
    assert get(api, detail).status_code == 404


def test_booking_category_renamed(world, api):
    url = ENDPOINTS["booking_categories"](world)
    before = warm(api, url)
    category = ServiceCategory.objects.get(slug="beaute-coiffure")
    category.name = "Beauté"
    category.save()
    after = get(api, url)
    assert after["ETag"] != before["ETag"]
    assert "Beauté" in {row["name"] for row in after.json()}
    service = get(api, ENDPOINTS["booking_service"](world)).json()
    assert service["category"]["name"] == "Beauté"


def test_queue_closed_through_the_api(world, api):
    queue_url, queues = ENDPOINTS["sq_queue"](world), ENDPOINTS["sq_queues"](world)
    services = ENDPOINTS["sq_services"](world)
    assert warm(api, queue_url).json()["is_open"] is True
    warm(api, queues)
    warm(api, services)
    manager = authed_client(world.bank_manager)
    response = manager.post(f"{queue_url}close/", {"expire_waiting": False}, format="json")
    assert response.status_code == 200, response.content
    assert get(api, queue_url).json()["is_open"] is False
    assert get(api, queues).json()["results"][0]["is_open"] is False
    assert get(api, services).json()["results"][0]["queues"][0]["is_open"] is False


def test_ticket_taken_changes_the_waiting_figures(world, api):
    queue_url = ENDPOINTS["sq_queue"](world)
    assert warm(api, queue_url).json()["waiting"] == 0
    client = authed_client(user())
    taken = client.post(f"{queue_url}tickets/", {}, format="json")
    assert taken.status_code == 201, taken.content
    assert get(api, queue_url).json()["waiting"] == 1
    assert get(api, ENDPOINTS["sq_queues"](world)).json()["results"][0]["waiting"] == 1


def test_service_hours_and_price(world, api):
    hours_url, service_url = ENDPOINTS["sq_service_hours"](world), ENDPOINTS["sq_service"](world)
    assert warm(api, hours_url).json() == {"hours": []}
    warm(api, service_url)
    manager = authed_client(world.bank_manager)
    week = {"hours": [{"weekday": 0, "opens_at": "08:00", "closes_at": "16:00"}]}
    assert manager.put(hours_url, week, format="json").status_code == 200
    assert len(get(api, hours_url).json()["hours"]) == 1
    assert manager.patch(service_url, {"price_amount": 500}, format="json").status_code == 200
    assert get(api, service_url).json()["price"]["amount"] == 500
    assert len(get(api, service_url).json()["hours"]) == 1


def test_queues_closed_by_the_hours_job(world, api):
    """The job's QuerySet.update sends no signal: the job, as registered, bumps."""
    world.queue.follows_hours = True
    world.queue.save()
    ServiceHours.objects.create(
        service=world.sq_service, weekday=0, opens_at=time(8), closes_at=time(9)
    )
    queue_url = ENDPOINTS["sq_queue"](world)
    assert warm(api, queue_url).json()["is_open"] is True
    monday_noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # Dakar is UTC
    job = periodic_jobs.get("smartqueue.queues_follow_hours").function
    assert job(now=monday_noon) >= 1
    assert get(api, queue_url).json()["is_open"] is False


@pytest.mark.parametrize(("action", "is_open"), [("close_queues", False), ("open_queues", True)])
def test_queues_opened_or_closed_in_the_admin(world, api, client, action, is_open):
    """The admin's actions are QuerySet.update calls (no signal): they bump themselves."""
    if is_open:
        Queue.objects.filter(pk=world.queue.pk).update(is_open=False)
    queue_url = ENDPOINTS["sq_queue"](world)
    assert warm(api, queue_url).json()["is_open"] is not is_open
    admin_user = user(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(
        "/admin/smartqueue/queue/",
        {"action": action, "_selected_action": [str(world.queue.pk)]},
    )
    assert response.status_code == 302, response.content[:300]
    assert get(api, queue_url).json()["is_open"] is is_open


def test_region_renamed(world, api):
    url = ENDPOINTS["geo_regions"](world)
    warm(api, url)
    region = Region.objects.get(code="DK")
    region.name = "Dakar (région)"
    region.save()
    assert "Dakar (région)" in {row["name"] for row in get(api, url).json()}
    assert get(api, ENDPOINTS["geo_region"](world)).json()["name"] == "Dakar (région)"


# --- Signed-in callers and private data ---------------------------------------------------


def test_members_get_their_own_answer_not_the_anonymous_copy(world, api):
    url = ENDPOINTS["organization"](world)
    public = warm(api, url)
    assert "my_role" not in public.json()
    owner = authed_client(world.owner)
    private = get(owner, url)
    assert private.status_code == 200 and private.json()["my_role"] == Role.OWNER
    assert private["ETag"] != public["ETag"]
    assert "private" in private["Cache-Control"] and "public" not in private["Cache-Control"]
    assert get(owner, url, if_none_match=private["ETag"]).status_code == 304
    assert get(owner, url, if_none_match=public["ETag"]).status_code == 200
    # ... and the anonymous copy stays public.
    assert "my_role" not in get(api, url).json()


def test_inactive_rows_never_leak_to_the_public(world, api):
    branches = ENDPOINTS["branches"](world)
    assert {b["name"] for b in warm(api, branches).json()["results"]} == {"Siège"}
    insider = get(authed_client(world.owner), branches)
    assert {b["name"] for b in insider.json()["results"]} == {"Siège", "Annexe"}
    assert {b["name"] for b in get(api, branches).json()["results"]} == {"Siège"}

    services = ENDPOINTS["sq_services"](world)
    public = warm(api, services).json()["results"]
    assert [s["name"] for s in public] == ["Opérations"] and "is_active" not in public[0]
    staff = get(authed_client(world.bank_manager), services).json()["results"]
    assert {s["name"] for s in staff} == {"Opérations", "Service interne"}
    assert "is_active" in staff[0]
    again = get(api, services).json()["results"]
    assert again == public

    hidden = f"{API}/booking/services/{world.hidden_service.pk}/"
    assert get(authed_client(world.business_owner), hidden).status_code == 200
    assert get(api, hidden).status_code == 404


def test_another_organisations_private_page_stays_private(world, api):
    url = f"{API}/organizations/{world.pending.pk}/"
    assert get(api, url).status_code == 404
    owner = authed_client(world.pending_owner)
    mine = get(owner, url)
    assert mine.status_code == 200 and mine.json()["name"] == "Pas encore"
    assert "private" in mine["Cache-Control"]
    assert get(api, url).status_code == 404
    assert get(authed_client(world.owner), url).status_code == 404
    names = {row["name"] for row in get(api, ENDPOINTS["directory"](world)).json()["results"]}
    assert "Pas encore" not in names


def test_a_verification_makes_the_organisation_public_at_once(world, api):
    url = f"{API}/organizations/{world.pending.pk}/"
    directory = ENDPOINTS["directory"](world)
    warm(api, directory)
    assert get(api, url).status_code == 404
    response = authed_client(world.staff).post(
        f"{url}verification/decision/", {"status": "verified"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert get(api, url).json()["name"] == "Pas encore"
    assert "Pas encore" in {row["name"] for row in get(api, directory).json()["results"]}


def test_writes_carry_no_cache_headers(world):
    owner = authed_client(world.owner)
    response = owner.patch(ENDPOINTS["organization"](world), {"city": "Thiès"}, format="json")
    assert response.status_code == 200
    assert "ETag" not in response and "public" not in response.get("Cache-Control", "")
