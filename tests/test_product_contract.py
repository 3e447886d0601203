"""The product contract, proven with the example product of ``docs/adding-a-product.md``
(``tests/example_product``, label ``tutoring``): one folder plus one entry in
``INSTALLED_APPS`` (the test settings), and it reaches payments, notifications, real-time,
scheduling, permissions, plan limits, periodic jobs, throttles, admin and demo data.

Also: the platform's source names no product, a duplicate stops the start, and the
registries are frozen once the apps are ready."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from teranga.core.registry import thawed
from teranga.platform import contract
from teranga.platform.contract import Action, Product
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.access import actions
from teranga.platform.organizations.extensions import demo_loaders
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member
from teranga.platform.payments.services.subscriptions import subscription_limits
from teranga.platform.realtime import broadcast as rt
from teranga.platform.realtime.auth import JWTAuthMiddleware
from teranga.platform.realtime.routing import websocket_application
from teranga.platform.realtime.tests.communicator import WebsocketCommunicator
from teranga.platform.scheduling.models import BookingStatus
from teranga.platform.scheduling.services import booking_create
from teranga.platform.scheduling.tests.factories import offering as engine_offering
from tests.example_product.models import Lesson

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = ROOT / "teranga" / "platform"
#: How a product is named in code: its package, its label, or a name in its namespace
#: (``"booking.reservation"``; the engine's own ``booking`` is its model, not the product).
PRODUCT_WORDS = re.compile(
    r"teranga\.products\.(booking|smartqueue|campus|realestate|academy)|smartqueue|"
    r"\bcampus\b|realestate|\bacademy\.|[\"'/]booking[./:][a-z]",
    re.IGNORECASE,
)
#: Demo tenants carry their customers' names ("Calmness Trading"): data, not code that
#: depends on a product.
DEMO_DATA = "demo.py"


def lessons_url(organization) -> str:
    return f"/api/v1/tutoring/organizations/{organization.pk}/lessons/"


@pytest.fixture
def tutor(db, client_for, make_user):
    organization = OrganizationFactory(verification_status="verified")
    manager = member(organization, Role.MANAGER)
    agent = member(organization, Role.AGENT)
    client = make_user(f"pupil-{uuid.uuid4().hex[:6]}@example.com")
    return {
        "organization": organization,
        "manager": client_for(manager),
        "agent": client_for(agent),
        "agent_user": agent,
        "client": client_for(client),
        "client_user": client,
        "stranger": client_for(member(OrganizationFactory(), Role.OWNER)),
    }


# --- the platform names no product ---------------------------------------------------------


def test_the_platform_source_names_no_product():
    offenders = []
    for path in [*PLATFORM.rglob("*.py"), *(ROOT / "teranga" / "core").rglob("*.py")]:
        if "migrations" in path.parts or "tests" in path.parts or path.name == DEMO_DATA:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if PRODUCT_WORDS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_config_names_no_product_but_in_installed_apps():
    for name in ("urls.py", "asgi.py", "tasks_engine.py", "health.py", "test_settings.py"):
        assert not PRODUCT_WORDS.search((ROOT / "config" / name).read_text()), name
    settings_text = (ROOT / "config" / "settings.py").read_text()
    mentions = [line for line in settings_text.splitlines() if PRODUCT_WORDS.search(line)]
    assert mentions == [
        '    "teranga.products.booking",',
        '    "teranga.products.smartqueue",',
        '    "teranga.products.campus",',
        '    "teranga.products.realestate",',
        '    "teranga.products.academy",',
    ]


# --- the example product, through the public surface ----------------------------------------


def test_installed_in_insertion_order_with_its_urls():
    labels = [product.label for product in contract.installed_products()]
    assert labels == ["booking", "smartqueue", "campus", "realestate", "academy", "tutoring"]


def test_api_permissions_tenancy_and_bad_input(tutor):
    organization = tutor["organization"]
    url = lessons_url(organization)
    created = tutor["manager"].post(url, {"title": "Algèbre", "price": 7000}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["paid_at"] is None
    assert [row["title"] for row in tutor["agent"].get(url).json()["results"]] == ["Algèbre"]
    # agents read but may not add; another organisation's member gets 404
    refused = tutor["agent"].post(url, {"title": "X", "price": 1}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert tutor["stranger"].get(url).status_code == 404
    bad = tutor["manager"].post(url, {"title": "", "price": -1}, format="json")
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"title", "price"}
    assert Lesson.objects.count() == 1


def test_plan_limit_declared_by_the_product(tutor):
    organization = tutor["organization"]
    assert subscription_limits(organization=organization)["lessons"] == 2
    for n in range(2):
        response = tutor["manager"].post(
            lessons_url(organization), {"title": f"L{n}", "price": 10}, format="json"
        )
        assert response.status_code == 201
    third = tutor["manager"].post(lessons_url(organization), {"title": "L3", "price": 10})
    assert third.status_code == 409
    assert third.json()["error"]["code"] == "plan_limit_reached"
    # The limit is named by the label the product declared, in the reader's language
    # (French, the manager's; the product ships its own catalogue in its locale/).
    assert "au plus 2 cours" in third.json()["error"]["message"]


def test_paying_a_lesson_fulfils_it_and_tells_the_payer(tutor, django_capture_on_commit_callbacks):
    from teranga.platform.payments.services.sandbox import sandbox_decide

    lesson = Lesson.objects.create(organization=tutor["organization"], title="Wolof", price=5000)
    with django_capture_on_commit_callbacks(execute=True):
        response = tutor["client"].post(
            "/api/v1/payments/",
            {"target_type": "tutoring.lesson", "target_id": str(lesson.pk), "provider": "sandbox"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"key-{uuid.uuid4().hex}",
        )
    assert response.status_code == 201, response.content
    assert response.json()["total"]["amount"] == 5000
    with django_capture_on_commit_callbacks(execute=True):
        sandbox_decide(payment_id=response.json()["id"], outcome="succeeded", deliver_now=True)
    lesson.refresh_from_db()
    assert lesson.paid_at is not None
    notice = Notification.objects.get(kind="tutoring.paid", recipient=tutor["client_user"])
    assert "Wolof" in notice.body
    # The product's personal data of the payer is in their GDPR export (user_exporters).
    export = tutor["client"].get("/api/v1/me/export/")
    assert export.status_code == 200, export.content
    lessons = json.loads(export.content)["products"]["tutoring.lessons"]["lessons"]
    assert [row["title"] for row in lessons] == ["Wolof"]


def test_a_booking_from_the_product_uses_its_notices_and_link(tutor):
    offering = engine_offering(organization=tutor["organization"])
    starts = timezone.localtime(timezone.now() + timedelta(days=7)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    while starts.weekday() == 6:  # the offering is open Monday to Saturday
        starts += timedelta(days=1)
    booking = booking_create(
        resource=offering.resource,
        client=tutor["client_user"],
        source="tutoring",
        offering=offering.offering_key,
        title="Cours",
        starts_at=starts,
        policy=offering.policy,
    )
    assert booking.status == BookingStatus.CONFIRMED
    notice = Notification.objects.get(recipient=tutor["client_user"])
    assert notice.kind == "tutoring.created"
    assert notice.link.endswith(f"/o/tutoring.booking/{booking.pk}/")


def test_websocket_route_snapshot_and_events(tutor, transactional_db):
    lesson = Lesson.objects.create(organization=tutor["organization"], title="Live", price=1)
    token = tutor["agent"].tokens["access_token"]

    async def body():
        application = JWTAuthMiddleware(websocket_application())
        comm = WebsocketCommunicator(
            application, f"/ws/tutoring/lessons/{lesson.pk}/?token={token}"
        )
        connected, _ = await comm.connect(timeout=3)
        assert connected
        snapshot = await comm.receive_json_from(timeout=3)
        assert snapshot["type"] == "snapshot" and snapshot["data"] == {
            "title": "Live",
            "paid": False,
        }

        await sync_to_async(rt.broadcast)(f"tutoring.lesson.{lesson.pk}", {"type": "paid"})
        event = await comm.receive_json_from(timeout=3)
        assert event["event"] == {"type": "paid"}
        await comm.disconnect()

    async_to_sync(body)()


def test_admin_periodic_job_throttle_and_demo(tutor, client, make_user):
    staff = make_user("staff-tutor@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get("/admin/tutoring/lesson/").status_code == 200
    from huey.contrib.djhuey import HUEY

    assert "tutoring.lessons_unpaid" in contract.periodic_jobs
    assert any(name.endswith(".tutoring.lessons_unpaid") for name in HUEY._registry._registry)
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["tutoring_lessons"] == "100/min"
    assert demo_loaders.get("tutoring")(password="x") == []
    assert Lesson.objects.filter(title="Cours de wolof").exists()


# --- what the contract refuses --------------------------------------------------------------


def test_registries_are_frozen_once_the_apps_are_ready():
    with pytest.raises(ImproperlyConfigured, match="after start-up"):
        contract.install(Product(label="late", name="Late"))
    assert "late" not in contract.products


def test_a_duplicate_name_stops_the_start_naming_both_apps():
    clash = Product(label="clinic", name="Clinic", actions=[Action("clinic.view", Role.AGENT)])
    again = Product(label="clinic_two", name="Two", actions=[Action("clinic_two.view", None)])
    with thawed(contract.products, actions):
        contract.install(clash)
        with pytest.raises(ImproperlyConfigured, match="registered twice: by clinic and by clinic"):
            contract.install(Product(label="clinic", name="Clinic again"))
        contract.install(again)
        with pytest.raises(ImproperlyConfigured, match="must start with"):
            contract.install(Product(label="rogue", name="R", actions=[Action("clinic.x", None)]))
    assert "clinic" not in contract.products and "clinic.view" not in actions


def test_a_label_must_be_a_plain_name():
    with thawed(contract.products), pytest.raises(ImproperlyConfigured, match="lower_snake_case"):
        contract.install(Product(label="Bad-Label", name="Bad"))
