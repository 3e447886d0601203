"""Three SmartQueue defects of the security review, through the public surface (HTTP with
real JWT logins, the kiosk's API key, the signed inbound SMS webhook; a real database):

1. kiosks were created and took tickets on a plan whose features do not include
   ``kiosk`` (they answer 409 ``plan_limit_reached``, the platform's plan refusal);
2. a ticket in a queue that no open counter serves got an estimate of hours (one counter
   at the service's pace was assumed) instead of "unknown": null in the API, "unknown"
   in the SMS replies and on the printed ticket;
3. the availability-rule date filter (Booking's ``availability-rules/``, which lists the
   rules of SmartQueue's appointment resources too) ignored the weekday.
"""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from teranga.platform.notifications import inbound
from teranga.platform.notifications.models import InboundSms
from teranga.platform.payments.models import Plan, Subscription
from teranga.platform.scheduling.models import AvailabilityRule, Resource
from teranga.products.smartqueue.models import Kiosk, Ticket
from teranga.products.smartqueue.services.tickets import ticket_issue

# The bank of SmartQueue's tests: two staffed counters, people in every role.
from teranga.products.smartqueue.tests.conftest import bank  # noqa: F401
from teranga.products.smartqueue.tests.factories import QueueFactory, QueueServiceFactory

pytestmark = pytest.mark.django_db

SQ = "/api/v1/smartqueue"
RULES = "/api/v1/booking/availability-rules/"
INBOUND = "/api/v1/notifications/sms/inbound/sandbox/"
INBOUND_SECRET = "sq-defects-inbound-secret"


def subscribe(org, code: str) -> Subscription:
    now = timezone.now()
    return Subscription.objects.create(
        organization=org,
        plan=Plan.objects.get(code=code),
        period="monthly",
        currency=org.currency,
        status="active",
        current_period_start=now,
        current_period_end=now + timezone.timedelta(days=30),
    )


def kiosk_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def assert_plan_refusal(response) -> None:
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "plan_limit_reached"
    assert "kiosk" in error["fields"]


# --- 1. Kiosks need a plan with the kiosk feature -----------------------------------------


def test_kiosks_are_refused_on_a_plan_without_the_kiosk_feature(bank):  # noqa: F811
    manager = bank.api["manager"]
    body = {"organization": str(bank.org.pk), "branch": str(bank.branch.pk), "name": "Borne"}
    # The free tier (no subscription) and Business do not include kiosks.
    assert_plan_refusal(manager.post(f"{SQ}/kiosks/", body))
    subscription = subscribe(bank.org, "business")
    assert_plan_refusal(manager.post(f"{SQ}/kiosks/", body))
    assert not Kiosk.objects.exists()

    # Enterprise does: the kiosk is created and takes tickets.
    subscription.plan = Plan.objects.get(code="enterprise")
    subscription.save(update_fields=["plan"])
    created = manager.post(f"{SQ}/kiosks/", body)
    assert created.status_code == 201, created.content
    kiosk = kiosk_client(created.json()["key"])
    taken = kiosk.post(f"{SQ}/kiosk/tickets/", {"queue": str(bank.normal.pk)})
    assert taken.status_code == 201, taken.content

    # Back on a plan without kiosks: the existing kiosk takes no more tickets.
    subscription.plan = Plan.objects.get(code="business")
    subscription.save(update_fields=["plan"])
    assert_plan_refusal(kiosk.post(f"{SQ}/kiosk/tickets/", {"queue": str(bank.normal.pk)}))
    assert Ticket.objects.filter(channel="kiosk").count() == 1


def test_the_schema_documents_the_kiosk_plan_refusal(db, api):
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in (f"{SQ}/kiosks/", f"{SQ}/kiosk/tickets/"):
        operation = paths[path]["post"]
        assert "plan_limit_reached" in operation["x-error-codes"]["409"], path
        assert "plan_limit_reached" in operation["responses"]["409"]["description"], path


# --- 2. No open counter on the queue: the wait is unknown ---------------------------------


@pytest.fixture
def unserved(bank):  # noqa: F811
    """A queue of the bank's branch that no counter serves, 19 people in it already (at
    30 minutes each, the old estimate was about ten hours)."""
    service = QueueServiceFactory(
        organization=bank.org, name="Cartes", average_service_minutes=30, sms_keyword="CARTE"
    )
    queue = QueueFactory(
        organization=bank.org, branch=bank.branch, service=service, name="Cartes", prefix="C"
    )
    for _ in range(19):
        ticket_issue(queue=queue, channel="kiosk")
    bank.unserved = queue
    return bank


def test_a_ticket_in_a_queue_no_counter_serves_has_an_unknown_wait(unserved):
    world, queue = unserved, unserved.unserved
    alice = world.api["alice"]
    taken = alice.post(f"{SQ}/queues/{queue.pk}/tickets/", {}, format="json")
    assert taken.status_code == 201, taken.content
    assert taken.json()["position"] == 20
    assert taken.json()["estimated_wait_seconds"] is None
    assert taken.json()["estimated_call_at"] is None
    live = alice.get(f"{SQ}/tickets/{taken.json()['id']}/").json()
    assert live["estimated_wait_seconds"] is None and live["estimated_call_at"] is None
    public = APIClient().get(f"{SQ}/queues/{queue.pk}/").json()
    assert public["waiting"] == 20 and public["estimated_wait_seconds"] is None
    # A queue with its counters open keeps its figure.
    served = APIClient().get(f"{SQ}/queues/{world.normal.pk}/").json()
    assert served["estimated_wait_seconds"] == 0


def test_the_kiosk_ticket_and_its_print_say_the_wait_is_unknown(unserved):
    world, queue = unserved, unserved.unserved
    subscribe(world.org, "enterprise")
    body = {"organization": str(world.org.pk), "branch": str(world.branch.pk), "name": "Borne"}
    kiosk = kiosk_client(world.api["manager"].post(f"{SQ}/kiosks/", body).json()["key"])
    listed = {q["prefix"]: q for q in kiosk.get(f"{SQ}/kiosk/queues/").json()}
    assert listed["C"]["estimated_wait_seconds"] is None
    taken = kiosk.post(f"{SQ}/kiosk/tickets/", {"queue": str(queue.pk)})
    assert taken.status_code == 201, taken.content
    assert taken.json()["estimated_wait_seconds"] is None
    page = kiosk.get(taken.json()["print_url"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Inconnue pour le moment" in html  # the ticket prints in French
    assert "minute" not in html


def inbound_reply(body: str, sender: str = "+221771112233") -> str:
    payload = json.dumps({"from": sender, "body": body, "id": f"sq-{body}-{sender}"}).encode()
    with override_settings(SMS_INBOUND_SECRET=INBOUND_SECRET):
        response = APIClient().generic(
            "POST",
            INBOUND,
            payload,
            content_type="application/json",
            HTTP_X_TERANGA_SIGNATURE=inbound.sandbox_signature(payload, INBOUND_SECRET),
        )
    assert response.status_code == 200, response.content
    message = InboundSms.objects.select_related("reply").get(pk=response.json()["id"])
    return message.reply.body if message.reply else ""


def test_the_sms_replies_say_the_wait_is_unknown(unserved):
    subscribe(unserved.org, "enterprise")  # SMS allowance to spare
    taken = inbound_reply("CARTE")
    assert "C020" in taken and "19" in taken
    assert "attente inconnue" in taken and "minute" not in taken
    status = inbound_reply("STATUT")
    assert "C020" in status
    assert "attente inconnue" in status and "minute" not in status


# --- 3. The availability-rule date filter keeps the date's weekday ------------------------


def test_the_rule_date_filter_keeps_the_rules_of_that_weekday(bank):  # noqa: F811
    resource = Resource.objects.create(
        organization=bank.org, branch=bank.branch, name="Rendez-vous Plateau"
    )

    def rule(weekday, starts, ends, valid_from=None, valid_until=None):
        return AvailabilityRule.objects.create(
            organization=bank.org,
            resource=resource,
            weekday=weekday,
            starts_at=time(starts),
            ends_at=time(ends),
            valid_from=valid_from,
            valid_until=valid_until,
        )

    monday = rule(0, 9, 12)
    monday_april = rule(0, 14, 17, date(2026, 4, 1), date(2026, 4, 30))
    wednesday = rule(2, 9, 12)
    friday_march = rule(4, 9, 12, date(2026, 3, 1), date(2026, 3, 31))

    def listed(**params):
        response = bank.api["agent1"].get(RULES, {"resource": str(resource.pk), **params})
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    def ids(*rules):
        return {str(r.pk) for r in rules}

    # Monday 2 March 2026: the Monday rule only (not Wednesday's, not Friday's).
    assert listed(date="2026-03-02") == ids(monday)
    assert listed(date_from="2026-03-02", date_to="2026-03-02") == ids(monday)
    # Monday 6 April: both Monday rules (the April one is valid then).
    assert listed(date="2026-04-06") == ids(monday, monday_april)
    # Fridays: in March the Friday rule, in April none (its dates are over).
    assert listed(date="2026-03-06") == ids(friday_march)
    assert listed(date="2026-04-03") == set()
    # Tuesday to Thursday: Wednesday only.
    assert listed(date_from="2026-03-03", date_to="2026-03-05") == ids(wednesday)
    # Monday 30 March to Friday 3 April: the April Monday rule has no Monday in it (1–3
    # April), nor the March Friday rule a Friday (30–31 March).
    assert listed(date_from="2026-03-30", date_to="2026-04-03") == ids(monday, wednesday)
    # Open ranges keep the rules with a day of their weekday in them.
    # (From Saturday 28 March, the March Friday rule has no Friday left.)
    assert listed(date_from="2026-03-28") == ids(monday, monday_april, wednesday)
    assert listed(date_to="2026-03-31") == ids(monday, wednesday, friday_march)
    bad = bank.api["agent1"].get(RULES, {"resource": str(resource.pk), "date": "x"})
    assert bad.status_code == 400
