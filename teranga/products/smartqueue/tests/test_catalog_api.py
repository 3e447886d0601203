"""The catalogue API: services and hours, queues (open/close), counters and sessions."""

from __future__ import annotations

from datetime import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from teranga.platform.organizations.models import VerificationStatus
from teranga.platform.payments.models import Plan, Subscription
from teranga.platform.scheduling.models import AvailabilityRule, Resource
from teranga.products.smartqueue.models import (
    AgentSession,
    Counter,
    Queue,
    QueueService,
    ServiceHours,
    Ticket,
    TicketStatus,
)
from teranga.products.smartqueue.selectors.estimates import estimate_wait
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    CounterFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)
from tests.writes import unchanged

BASE = "/api/v1/smartqueue"


def subscribe(org, code="business"):
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


def counted(call):
    """(number of queries, result) of ``call()``."""
    with CaptureQueriesContext(connection) as context:
        result = call()
    return len(context), result


def error_code(response):
    return response.json()["error"]["code"]


# --- Services --------------------------------------------------------------------------


class TestServices:
    def test_public_list_shows_active_services_with_queues(self, bank, api):
        QueueServiceFactory(organization=bank.org, name="Ancien", is_active=False)
        response = api.get(f"{BASE}/services/", {"organization": str(bank.org.pk)})
        assert response.status_code == 200
        results = response.json()["results"]
        assert [r["name"] for r in results] == ["Opérations courantes"]
        assert "is_active" not in results[0]
        assert {q["prefix"] for q in results[0]["queues"]} == {"A", "P"}
        assert results[0]["price"]["amount"] == 0

    def test_staff_list_includes_inactive(self, bank):
        QueueServiceFactory(organization=bank.org, name="Ancien", is_active=False)
        response = bank.api["agent1"].get(f"{BASE}/services/", {"organization": str(bank.org.pk)})
        names = {r["name"]: r["is_active"] for r in response.json()["results"]}
        assert names == {"Ancien": False, "Opérations courantes": True}

    def test_unverified_organisation_is_hidden(self, bank, api):
        bank.org.verification_status = VerificationStatus.PENDING
        bank.org.save()
        response = api.get(f"{BASE}/services/", {"organization": str(bank.org.pk)})
        assert response.status_code == 404
        # its agents still see it
        agent = bank.api["agent1"].get(f"{BASE}/services/", {"organization": str(bank.org.pk)})
        assert agent.status_code == 200
        plain = bank.api["plain"].get(f"{BASE}/services/", {"organization": str(bank.org.pk)})
        assert plain.status_code == 403

    def test_list_bad_query(self, bank, api):
        assert api.get(f"{BASE}/services/").status_code == 400
        assert api.get(f"{BASE}/services/", {"organization": "nope"}).status_code == 400

    def test_list_queries_do_not_grow(self, bank, api, django_assert_max_num_queries):
        for index in range(6):
            QueueServiceFactory(organization=bank.org, name=f"S{index}")
        with django_assert_max_num_queries(8):
            response = api.get(f"{BASE}/services/", {"organization": str(bank.org.pk)})
        assert response.json()["count"] == 7

    def test_create(self, bank):
        body = {
            "organization": str(bank.org.pk),
            "name": "Crédit",
            "category": "banking",
            "price_amount": 1000,
            "sms_keyword": "credit",
        }
        response = bank.api["manager"].post(f"{BASE}/services/", body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["sms_keyword"] == "CREDIT" and data["price"]["amount"] == 1000
        assert QueueService.objects.get(pk=data["id"]).organization == bank.org

    def test_create_refusals(self, bank, api):
        body = {"organization": str(bank.org.pk), "name": "Crédit"}
        before = QueueService.objects.count()
        assert bank.api["agent1"].post(f"{BASE}/services/", body).status_code == 403
        assert api.post(f"{BASE}/services/", body).status_code == 401
        assert bank.api["other_owner"].post(f"{BASE}/services/", body).status_code == 404
        bad = bank.api["manager"].post(f"{BASE}/services/", {**body, "colour": "red"})
        assert bad.status_code == 400 and "colour" in bad.json()["error"]["fields"]
        bad = bank.api["manager"].post(f"{BASE}/services/", {**body, "sms_keyword": "A B"})
        assert bad.status_code == 400
        bad = bank.api["manager"].post(f"{BASE}/services/", {**body, "price_amount": -1})
        assert bad.status_code == 400
        assert QueueService.objects.count() == before

    def test_keyword_taken(self, bank):
        QueueServiceFactory(organization=bank.other, sms_keyword="BANQUE")
        body = {"organization": str(bank.org.pk), "name": "X", "sms_keyword": "banque"}
        with unchanged(QueueService):
            response = bank.api["manager"].post(f"{BASE}/services/", body)
        assert response.status_code == 409 and error_code(response) == "sms_keyword_taken"

    def test_detail_patch_delete(self, bank, api):
        url = f"{BASE}/services/{bank.service.pk}/"
        assert api.get(url).status_code == 200
        response = bank.api["manager"].patch(url, {"average_service_minutes": 7})
        assert response.status_code == 200 and response.json()["average_service_minutes"] == 7
        assert bank.api["agent1"].patch(url, {"name": "X"}).status_code == 403
        assert bank.api["other_owner"].patch(url, {"name": "X"}).status_code == 404
        assert bank.api["other_owner"].delete(url).status_code == 404
        assert bank.api["manager"].patch(url, {"average_service_minutes": 0}).status_code == 400
        # a used service is deactivated, its queues closed
        assert bank.api["manager"].delete(url).status_code == 204
        bank.service.refresh_from_db()
        assert bank.service.is_active is False
        assert not Queue.objects.filter(service=bank.service, is_open=True).exists()
        assert api.get(url).status_code == 404  # no longer public
        # an unused one is deleted
        unused = QueueServiceFactory(organization=bank.org)
        assert bank.api["manager"].delete(f"{BASE}/services/{unused.pk}/").status_code == 204
        assert not QueueService.objects.filter(pk=unused.pk).exists()

    def test_other_orgs_inactive_service_is_404(self, bank):
        hidden = QueueServiceFactory(organization=bank.other, is_active=False)
        response = bank.api["manager"].get(f"{BASE}/services/{hidden.pk}/")
        assert response.status_code == 404


class TestHours:
    def test_replace_and_read(self, bank, api):
        url = f"{BASE}/services/{bank.service.pk}/hours/"
        hours = [
            {"weekday": 0, "opens_at": "14:00", "closes_at": "17:00"},
            {"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"},
            {"weekday": 5, "opens_at": "09:00", "closes_at": "12:00"},
        ]
        response = bank.api["manager"].put(url, {"hours": hours}, format="json")
        assert response.status_code == 200, response.content
        assert [h["opens_at"] for h in response.json()["hours"]] == [
            "08:00:00",
            "14:00:00",
            "09:00:00",
        ]
        assert len(api.get(url).json()["hours"]) == 3
        response = bank.api["manager"].put(url, {"hours": hours[:1]}, format="json")
        assert ServiceHours.objects.filter(service=bank.service).count() == 1

    def test_refusals_change_nothing(self, bank):
        url = f"{BASE}/services/{bank.service.pk}/hours/"
        ServiceHours.objects.create(
            service=bank.service, weekday=1, opens_at=time(8), closes_at=time(12)
        )
        overlap = [
            {"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"},
            {"weekday": 0, "opens_at": "11:00", "closes_at": "13:00"},
        ]
        response = bank.api["manager"].put(url, {"hours": overlap}, format="json")
        assert response.status_code == 400 and error_code(response) == "invalid_hours"
        assert "1" in response.json()["error"]["fields"]["hours"]
        backwards = [{"weekday": 0, "opens_at": "12:00", "closes_at": "08:00"}]
        assert bank.api["manager"].put(url, {"hours": backwards}, format="json").status_code == 400
        bad_day = [{"weekday": 7, "opens_at": "08:00", "closes_at": "12:00"}]
        assert bank.api["manager"].put(url, {"hours": bad_day}, format="json").status_code == 400
        assert bank.api["agent1"].put(url, {"hours": []}, format="json").status_code == 403
        assert bank.api["other_owner"].put(url, {"hours": []}, format="json").status_code == 404
        assert list(ServiceHours.objects.filter(service=bank.service).values_list("weekday")) == [
            (1,)
        ]


# --- Queues ----------------------------------------------------------------------------


class TestQueues:
    def body(self, bank, **extra):
        return {
            "organization": str(bank.org.pk),
            "branch": str(bank.branch.pk),
            "service": str(bank.service.pk),
            "name": "Express",
            "prefix": "e",
            "kind": "express",
            **extra,
        }

    def test_create(self, bank):
        response = bank.api["manager"].post(
            f"{BASE}/queues/", self.body(bank, weights={"normal": 1, "vip": 3}), format="json"
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["prefix"] == "E" and data["waiting"] == 0 and data["is_open"] is False
        assert data["weights"] == {"normal": 1, "vip": 3}

    def test_create_refusals(self, bank, api):
        before = Queue.objects.count()
        post = bank.api["manager"].post
        taken = post(f"{BASE}/queues/", self.body(bank, prefix="A"), format="json")
        assert taken.status_code == 409 and error_code(taken) == "prefix_taken"
        other_branch = post(
            f"{BASE}/queues/", self.body(bank, branch=str(bank.other_branch.pk)), format="json"
        )
        assert other_branch.status_code == 400 and error_code(other_branch) == "invalid_branch"
        other_service = QueueServiceFactory(organization=bank.other)
        bad = post(f"{BASE}/queues/", self.body(bank, service=str(other_service.pk)), format="json")
        assert bad.status_code == 400 and error_code(bad) == "invalid_service"
        for weights in ({"normal": 0}, {"gold": 2}, {"normal": "x"}):
            bad = post(f"{BASE}/queues/", self.body(bank, weights=weights), format="json")
            assert bad.status_code == 400, weights
        assert (
            post(f"{BASE}/queues/", self.body(bank, prefix="12"), format="json").status_code == 400
        )
        assert post(f"{BASE}/queues/", self.body(bank, extra=1), format="json").status_code == 400
        assert bank.api["agent1"].post(f"{BASE}/queues/", self.body(bank)).status_code == 403
        assert bank.api["other_owner"].post(f"{BASE}/queues/", self.body(bank)).status_code == 404
        assert api.post(f"{BASE}/queues/", self.body(bank)).status_code == 401
        assert Queue.objects.count() == before

    def test_appointment_queue_gets_a_resource_from_the_hours(self, bank):
        ServiceHours.objects.create(
            service=bank.service, weekday=2, opens_at=time(9), closes_at=time(13)
        )
        response = bank.api["manager"].post(
            f"{BASE}/queues/", self.body(bank, prefix="R", kind="appointment"), format="json"
        )
        assert response.status_code == 201, response.content
        resource = Resource.objects.get(pk=response.json()["appointment_resource"])
        assert resource.kind == "service" and resource.branch_id == bank.branch.pk
        rule = AvailabilityRule.objects.get(resource=resource)
        assert (rule.weekday, rule.starts_at, rule.ends_at) == (2, time(9), time(13))

    def test_appointment_resource_of_another_branch_is_refused(self, bank):
        elsewhere = DakarBranchFactory(organization=bank.org)
        resource = Resource.objects.create(organization=bank.org, name="R", branch=elsewhere)
        response = bank.api["manager"].post(
            f"{BASE}/queues/",
            self.body(bank, kind="appointment", appointment_resource=str(resource.pk)),
            format="json",
        )
        assert response.status_code == 400 and error_code(response) == "invalid_resource"

    def test_public_detail_and_list_agree_on_the_wait(
        self, bank, api, django_assert_max_num_queries
    ):
        for _ in range(3):
            ticket_issue(queue=bank.normal, channel="kiosk")
        detail = api.get(f"{BASE}/queues/{bank.normal.pk}/")
        assert detail.status_code == 200
        data = detail.json()
        assert data["waiting"] == 3 and "strategy" not in data
        assert data["estimated_wait_seconds"] == estimate_wait(bank.normal, 3) > 0
        assert data["service"]["name"] == "Opérations courantes"
        for index in range(5):
            QueueFactory(organization=bank.org, branch=bank.branch, prefix=f"Q{'ABCDE'[index]}")
        with django_assert_max_num_queries(9):
            listing = api.get(f"{BASE}/queues/", {"organization": str(bank.org.pk)})
        by_prefix = {q["prefix"]: q for q in listing.json()["results"]}
        assert len(by_prefix) == 7
        assert by_prefix["A"]["estimated_wait_seconds"] == data["estimated_wait_seconds"]
        assert by_prefix["P"]["waiting"] == 0
        filtered = api.get(
            f"{BASE}/queues/", {"organization": str(bank.org.pk), "branch": str(bank.branch.pk)}
        )
        assert filtered.json()["count"] == 7

    def test_staff_detail_and_cross_tenant(self, bank, api):
        url = f"{BASE}/queues/{bank.normal.pk}/"
        assert "strategy" in bank.api["agent1"].get(url).json()
        assert bank.api["other_owner"].patch(url, {"name": "X"}).status_code == 404
        assert bank.api["agent1"].patch(url, {"name": "X"}).status_code == 403
        response = bank.api["manager"].patch(url, {"max_size": 10, "prefix": "p"})
        assert response.status_code == 409 and error_code(response) == "prefix_taken"
        response = bank.api["manager"].patch(url, {"max_size": 10})
        assert response.status_code == 200 and response.json()["max_size"] == 10
        hidden = QueueFactory(organization=bank.other, branch=bank.other_branch, prefix="Z")
        bank.other.verification_status = VerificationStatus.PENDING
        bank.other.save()
        assert api.get(f"{BASE}/queues/{hidden.pk}/").status_code == 404

    def test_open_close_expire(self, bank, api):
        ticket = ticket_issue(queue=bank.normal, channel="kiosk")
        close = f"{BASE}/queues/{bank.normal.pk}/close/"
        assert bank.api["agent1"].post(close, {}).status_code == 403
        assert bank.api["other_owner"].post(close, {}).status_code == 404
        assert bank.api["manager"].post(close, {"expire_waiting": "maybe"}).status_code == 400
        response = bank.api["manager"].post(close, {})
        assert response.status_code == 200 and response.json()["is_open"] is False
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.WAITING  # still served
        response = bank.api["manager"].post(f"{BASE}/queues/{bank.normal.pk}/open/")
        assert response.json()["is_open"] is True and response.json()["follows_hours"] is False
        response = bank.api["manager"].post(close, {"expire_waiting": True}, format="json")
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.EXPIRED

    def test_delete(self, bank):
        ticket_issue(queue=bank.normal, channel="kiosk")
        assert bank.api["agent1"].delete(f"{BASE}/queues/{bank.normal.pk}/").status_code == 403
        assert bank.api["manager"].delete(f"{BASE}/queues/{bank.normal.pk}/").status_code == 204
        bank.normal.refresh_from_db()
        assert bank.normal.is_active is False
        assert Ticket.objects.get(queue=bank.normal).status == TicketStatus.EXPIRED
        unused = QueueFactory(organization=bank.org, branch=bank.branch, prefix="U")
        assert bank.api["manager"].delete(f"{BASE}/queues/{unused.pk}/").status_code == 204
        assert not Queue.objects.filter(pk=unused.pk).exists()
        # the letter is free again
        response = bank.api["manager"].post(
            f"{BASE}/queues/",
            {
                "organization": str(bank.org.pk),
                "branch": str(bank.branch.pk),
                "service": str(bank.service.pk),
                "name": "Nouveau",
                "prefix": "A",
            },
        )
        assert response.status_code == 201


# --- Counters and sessions -------------------------------------------------------------


class TestCounters:
    def test_list(self, bank, api):
        url = f"{BASE}/counters/"
        query = {"organization": str(bank.org.pk)}
        agent = bank.api["agent1"]  # logged in before counting
        queries, response = counted(lambda: agent.get(url, query))
        assert response.status_code == 200
        for index in range(4):
            spare = CounterFactory(organization=bank.org, branch=bank.branch, name=f"Z{index}")
            spare.queues.set([bank.normal, bank.priority])
        more, bigger = counted(lambda: agent.get(url, query))
        assert bigger.json()["count"] == 6 and more == queries
        results = response.json()["results"]
        assert [c["name"] for c in results] == ["Guichet 1", "Guichet 2"]
        assert results[0]["agent"]["name"].startswith("Awa")
        assert {q["prefix"] for q in results[0]["queues"]} == {"A", "P"}
        assert bank.api["plain"].get(url, query).status_code == 403
        assert bank.api["other_owner"].get(url, query).status_code == 404
        assert api.get(url, query).status_code == 401
        assert bank.api["agent1"].get(url).status_code == 400

    def test_create_update_delete(self, bank):
        subscribe(bank.org)
        body = {
            "organization": str(bank.org.pk),
            "branch": str(bank.branch.pk),
            "name": "Guichet 3",
            "queues": [str(bank.normal.pk)],
            "strategy": "weighted",
            "weights": {"priority": 2, "normal": 1},
        }
        response = bank.api["manager"].post(f"{BASE}/counters/", body, format="json")
        assert response.status_code == 201, response.content
        counter_id = response.json()["id"]
        assert [q["prefix"] for q in response.json()["queues"]] == ["A"]
        duplicate = bank.api["manager"].post(f"{BASE}/counters/", body, format="json")
        assert duplicate.status_code == 409 and error_code(duplicate) == "counter_name_taken"
        url = f"{BASE}/counters/{counter_id}/"
        response = bank.api["manager"].patch(
            url, {"queues": [str(bank.normal.pk), str(bank.priority.pk)]}, format="json"
        )
        assert response.status_code == 200 and len(response.json()["queues"]) == 2
        bad = bank.api["manager"].patch(url, {"queues": [str(bank.other_queue.pk)]}, format="json")
        assert bad.status_code == 400 and error_code(bad) == "invalid_queues"
        assert bank.api["agent1"].patch(url, {"name": "X"}, format="json").status_code == 403
        assert bank.api["other_owner"].get(url).status_code == 404
        assert bank.api["manager"].delete(url).status_code == 204
        assert not Counter.objects.filter(pk=counter_id).exists()

    def test_create_refusals(self, bank):
        subscribe(bank.org)
        before = Counter.objects.count()
        body = {"organization": str(bank.org.pk), "branch": str(bank.branch.pk), "name": "G"}
        post = bank.api["manager"].post
        bad = post(
            f"{BASE}/counters/", {**body, "queues": [str(bank.other_queue.pk)]}, format="json"
        )
        assert bad.status_code == 400
        bad = post(f"{BASE}/counters/", {**body, "weights": {"vip": 11}}, format="json")
        assert bad.status_code == 400
        bad = post(f"{BASE}/counters/", {**body, "branch": str(bank.other_branch.pk)})
        assert bad.status_code == 400
        assert bank.api["agent1"].post(f"{BASE}/counters/", body).status_code == 403
        assert bank.api["other_owner"].post(f"{BASE}/counters/", body).status_code == 404
        assert Counter.objects.count() == before

    def test_staffed_counter_cannot_be_deleted(self, bank):
        counter = bank.counter1
        with unchanged(counter, counter.queues.all(), AgentSession.objects.filter(counter=counter)):
            response = bank.api["manager"].delete(f"{BASE}/counters/{counter.pk}/")
        assert response.status_code == 409 and error_code(response) == "counter_staffed"

    def test_sessions(self, bank):
        spare = CounterFactory(
            organization=bank.org, branch=bank.branch, name="Guichet 9", queues=[bank.normal]
        )
        url = f"{BASE}/counters/{spare.pk}/session/"
        agent = bank.api["agent1"]
        response = agent.post(url)
        assert response.status_code == 201, response.content
        assert response.json()["counter"]["id"] == str(spare.pk)
        # the session on counter1 ended: one open session per agent
        assert AgentSession.objects.filter(agent=bank.users["agent1"], ended_at=None).count() == 1
        mine = agent.get(f"{BASE}/counters/mine/").json()
        assert mine["counter"]["name"] == "Guichet 9"
        taken = bank.api["agent2"].post(url)
        assert taken.status_code == 409 and error_code(taken) == "counter_taken"
        assert bank.api["plain"].post(url).status_code == 403
        assert bank.api["other_owner"].post(url).status_code == 404
        assert bank.api["agent2"].delete(url).status_code == 409
        response = agent.delete(url)
        assert response.status_code == 200 and response.json()["ended_at"]
        none = agent.get(f"{BASE}/counters/mine/")
        assert none.status_code == 204 and none.content == b""

    def test_mine_anonymous(self, api):
        assert api.get(f"{BASE}/counters/mine/").status_code == 401


def test_organisation_without_queues_is_public_when_verified(db, api):
    org = BankFactory()
    response = api.get(f"{BASE}/queues/", {"organization": str(org.pk)})
    assert response.status_code == 200 and response.json()["count"] == 0
    assert api.get(f"{BASE}/queues/", {"organization": "0" * 32}).status_code == 404
