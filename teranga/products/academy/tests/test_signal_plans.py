"""Signal plans (issue 19): the academy's managers sell plans (other roles 403, other
organisations 404, bad input changes nothing); a member chooses one, pays it with the
sandbox provider and becomes a subscriber (reads the signals); a renewal before the end
starts at the current end; a refund ends the period it paid for; a lapsed subscription
loses access (403 ``signals_subscription_required``); a payment fulfilled twice, or two
payments fulfilled at once, extend exactly as much as was paid; the schema lists every
code."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import authed_client
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.platform.payments.models import Payment
from teranga.products.academy.models import (
    SignalPlan,
    SignalSubscription,
    SignalSubscriptionPeriod,
)
from teranga.products.academy.payables import SignalSubscriptionPayable
from teranga.products.academy.services.plans import signal_subscription_extend

from .conftest import assert_error
from .factories import SignalPlanFactory, enrolled
from .test_enrolment_payments import press

BASE = "/api/v1/academy"
SIGNALS = f"{BASE}/signals/"
#: Slack between the test's clock and the server's.
SLACK = timedelta(seconds=30)


def plans_url(organization) -> str:
    return f"{BASE}/organizations/{organization.pk}/signal-plans/"


def plan_body(**extra) -> dict:
    return {
        "name": "Mensuel",
        "description": "Tous les signaux, un mois.",
        "price_amount": 4_900,
        "duration_days": 30,
        **extra,
    }


def create_plan(academy, **extra) -> dict:
    response = academy.clients["manager"].post(
        plans_url(academy.org), plan_body(**extra), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def choose(client, plan_id):
    return client.post(f"{BASE}/signal-plans/{plan_id}/subscribe/")


def pay(client, subscription_id, **extra):
    return client.post(
        "/api/v1/payments/",
        {
            "target_type": "academy.signal_subscription",
            "target_id": str(subscription_id),
            **extra,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"signals-{uuid.uuid4().hex}",
    )


def buy(client, plan_id, capture) -> tuple[dict, str]:
    """Choose the plan, pay it with the sandbox, succeed: the subscription and the
    payment's id."""
    chosen = choose(client, plan_id)
    assert chosen.status_code in (200, 201), chosen.content
    with capture(execute=True):
        payment = pay(client, chosen.json()["id"], provider="sandbox")
    assert payment.status_code == 201, payment.content
    with capture(execute=True):
        press(payment.json()["id"])
    assert Payment.objects.get(pk=payment.json()["id"]).status == "succeeded"
    return chosen.json(), payment.json()["id"]


def reads_signals(client, academy) -> int:
    return client.get(SIGNALS, {"organization": str(academy.org.pk)}).status_code


def near(value: str, expected) -> bool:
    from datetime import datetime

    return abs(datetime.fromisoformat(value) - expected) < SLACK


# --- Staff manage the plans ------------------------------------------------------------------


def test_managers_create_change_and_deactivate_plans_members_list_the_active_ones(academy):
    monthly = create_plan(academy, position=1)
    assert monthly["currency"] == "EUR" and monthly["is_active"] is True
    assert monthly["organization_name"] == "Calmness Trading"
    quarterly = create_plan(academy, name="Trimestriel", price_amount=12_900, duration_days=90)
    assert quarterly["position"] == 0
    owner_made = academy.clients["owner"].post(
        plans_url(academy.org), plan_body(name="Annuel", duration_days=365), format="json"
    )
    assert owner_made.status_code == 201, owner_made.content

    # Anyone lists the active plans of a (verified) academy, by position.
    listed = APIClient().get(plans_url(academy.org))
    assert listed.status_code == 200, listed.content
    assert [row["name"] for row in listed.json()["results"]] == ["Annuel", "Trimestriel", "Mensuel"]
    url = f"{BASE}/signal-plans/{monthly['id']}/"
    changed = academy.clients["manager"].patch(
        url, {"price_amount": 3_900, "description": "  Un mois.  "}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["price_amount"] == 3_900 and changed.json()["description"] == "Un mois."
    off = academy.clients["manager"].patch(url, {"is_active": False}, format="json")
    assert off.status_code == 200 and off.json()["is_active"] is False

    member = academy.clients["member"]
    names = [row["name"] for row in member.get(plans_url(academy.org)).json()["results"]]
    assert names == ["Annuel", "Trimestriel"]
    assert_error(member.get(url), 404, "signal_plan_not_found")
    assert academy.clients["manager"].get(url).json()["is_active"] is False
    staff_names = [
        row["name"]
        for row in academy.clients["manager"].get(plans_url(academy.org)).json()["results"]
    ]
    assert staff_names == ["Annuel", "Trimestriel", "Mensuel"]
    assert APIClient().get(f"{BASE}/signal-plans/{quarterly['id']}/").status_code == 200
    # Another academy lists its own plans only.
    assert member.get(plans_url(academy.other)).json()["results"] == []


def test_permissions_and_other_organisations(academy):
    plan = create_plan(academy)
    url = f"{BASE}/signal-plans/{plan['id']}/"
    junior = academy.clients["member2"]
    Membership.objects.create(organization=academy.org, user=academy.member2, role=Role.MEMBER)
    # Members of the academy below manager: 403 (an agent, a member-role user).
    for name in ("instructor", "member2"):
        client = academy.clients[name]
        assert_error(client.post(plans_url(academy.org), plan_body(), format="json"), 403)
        assert_error(client.patch(url, {"name": "Pirate"}, format="json"), 403)
    assert junior.get(plans_url(academy.org)).status_code == 200
    # Someone who is not a member, another academy's manager: 404.
    for name in ("member", "other_manager"):
        client = academy.clients[name]
        assert_error(
            client.post(plans_url(academy.org), plan_body(), format="json"),
            404,
            "organization_not_found",
        )
        assert_error(
            client.patch(url, {"name": "Pirate"}, format="json"), 404, "signal_plan_not_found"
        )
    # Their own academy is theirs.
    other = academy.clients["other_manager"].post(
        plans_url(academy.other), plan_body(), format="json"
    )
    assert other.status_code == 201, other.content
    assert_error(
        academy.clients["manager"].patch(
            f"{BASE}/signal-plans/{other.json()['id']}/", {"name": "x"}, format="json"
        ),
        404,
        "signal_plan_not_found",
    )
    assert_error(APIClient().post(plans_url(academy.org), plan_body(), format="json"), 401)
    assert_error(APIClient().patch(url, {"name": "x"}, format="json"), 401)
    assert_error(APIClient().post(f"{BASE}/signal-plans/{plan['id']}/subscribe/"), 401)
    assert_error(APIClient().get(f"{BASE}/me/signal-subscriptions/"), 401)
    missing = uuid.uuid4()
    assert_error(APIClient().get(f"{BASE}/signal-plans/{missing}/"), 404, "signal_plan_not_found")
    assert_error(
        APIClient().get(f"{BASE}/organizations/{missing}/signal-plans/"),
        404,
        "organization_not_found",
    )
    assert SignalPlan.objects.get(pk=plan["id"]).name == "Mensuel"


def test_bad_input_changes_nothing(academy):
    plan = create_plan(academy)
    manager = academy.clients["manager"]
    before = list(SignalPlan.objects.values_list("pk", "name", "price_amount", "duration_days"))
    for body in (
        plan_body(name=""),
        plan_body(name="   "),
        plan_body(name="x" * 101),
        plan_body(price_amount=-1),
        plan_body(price_amount=100_000_001),
        plan_body(duration_days=0),
        plan_body(duration_days=731),
        plan_body(description="x" * 5001),
        plan_body(currency="XOF"),
        plan_body(is_active="maybe"),
        {"name": "Sans prix"},
    ):
        assert_error(manager.post(plans_url(academy.org), body, format="json"), 400, "invalid")
    url = f"{BASE}/signal-plans/{plan['id']}/"
    for body in ({"duration_days": 0}, {"name": ""}, {"organization": str(academy.other.pk)}):
        assert_error(manager.patch(url, body, format="json"), 400, "invalid")
    assert list(SignalPlan.objects.values_list("pk", "name", "price_amount", "duration_days")) == (
        before
    )
    # Only an academy sells signal plans.
    business = OrganizationFactory()
    Membership.objects.create(organization=business, user=academy.manager, role=Role.MANAGER)
    assert_error(
        manager.post(plans_url(business), plan_body(), format="json"),
        400,
        "organization_kind_not_supported",
    )
    assert SignalPlan.objects.count() == 1


# --- Members buy them ------------------------------------------------------------------------


def test_a_member_buys_a_plan_with_the_sandbox_becomes_a_subscriber_and_renews(
    academy, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    monthly = create_plan(academy)
    quarterly = create_plan(academy, name="Trimestriel", price_amount=12_900, duration_days=90)
    member = academy.clients["member"]
    # A paid formation does not open the signals: only a plan does.
    enrolled(academy.member, academy.formation)
    assert_error(
        member.get(SIGNALS, {"organization": str(academy.org.pk)}),
        403,
        "signals_subscription_required",
    )

    chosen = choose(member, monthly["id"])
    assert chosen.status_code == 201, chosen.content
    subscription = chosen.json()
    assert subscription["plan"] == monthly["id"] and subscription["is_active"] is False
    assert subscription["starts_at"] is None and subscription["ends_at"] is None
    assert subscription["target_type"] == "academy.signal_subscription"
    assert choose(member, monthly["id"]).status_code == 200  # the same one

    started = timezone.now()
    _, first_payment = buy(member, monthly["id"], capture)
    payment = Payment.objects.get(pk=first_payment)
    assert (payment.amount, payment.currency, payment.organization_id) == (
        4_900,
        "EUR",
        academy.org.pk,
    )
    assert reads_signals(member, academy) == 200
    (mine,) = member.get(f"{BASE}/me/signal-subscriptions/").json()["results"]
    assert mine["id"] == subscription["id"] and mine["is_active"] is True
    assert mine["plan_name"] == "Mensuel"
    assert near(mine["starts_at"], started) and near(mine["ends_at"], started + timedelta(days=30))
    first_end = SignalSubscription.objects.get(pk=subscription["id"]).ends_at

    # Renewed before the end, with the quarterly plan: from the current end, 90 days more.
    renewed, second_payment = buy(member, quarterly["id"], capture)
    assert renewed["id"] == subscription["id"] and renewed["plan"] == quarterly["id"]
    row = SignalSubscription.objects.get(pk=subscription["id"])
    assert row.ends_at == first_end + timedelta(days=90)
    periods = list(SignalSubscriptionPeriod.objects.filter(subscription=row))
    assert [(p.plan_id, p.amount) for p in periods] == [
        (uuid.UUID(monthly["id"]), 4_900),
        (uuid.UUID(quarterly["id"]), 12_900),
    ]
    assert periods[1].starts_at == periods[0].ends_at == first_end
    assert Payment.objects.get(pk=second_payment).amount == 12_900

    # A payment fulfilled twice extends once.
    payment = Payment.objects.get(pk=second_payment)
    SignalSubscriptionPayable().fulfil(payment=payment)
    signal_subscription_extend(subscription_id=row.pk, payment=payment)
    assert SignalSubscription.objects.get(pk=row.pk).ends_at == row.ends_at
    assert SignalSubscriptionPeriod.objects.filter(subscription=row).count() == 2

    # Someone else's subscription is not theirs to pay; no such subscription either.
    assert_error(
        pay(academy.clients["member2"], row.pk, provider="sandbox"),
        404,
        "signal_subscription_not_found",
    )
    assert_error(
        pay(member, uuid.uuid4(), provider="sandbox"), 404, "signal_subscription_not_found"
    )
    assert Payment.objects.filter(target_type="academy.signal_subscription").count() == 2


def test_a_deactivated_plan_cannot_be_chosen_or_paid(academy, django_capture_on_commit_callbacks):
    plan = create_plan(academy)
    member = academy.clients["member"]
    subscription_id = choose(member, plan["id"]).json()["id"]
    academy.clients["manager"].patch(
        f"{BASE}/signal-plans/{plan['id']}/", {"is_active": False}, format="json"
    )
    assert_error(pay(member, subscription_id, provider="sandbox"), 409, "signal_plan_inactive")
    assert_error(choose(member, plan["id"]), 404, "signal_plan_not_found")
    assert_error(choose(academy.clients["manager"], plan["id"]), 409, "signal_plan_inactive")
    assert_error(choose(member, uuid.uuid4()), 404, "signal_plan_not_found")
    assert not Payment.objects.exists()
    assert not SignalSubscription.objects.filter(user=academy.manager).exists()


def test_a_refund_ends_the_period_it_paid_for(academy, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    plan = create_plan(academy)
    member = academy.clients["member"]
    subscription, first = buy(member, plan["id"], capture)
    _, second = buy(member, plan["id"], capture)
    row = SignalSubscription.objects.get(pk=subscription["id"])
    assert row.ends_at - row.starts_at == timedelta(days=60)

    def refund(payment_id):
        with capture(execute=True):
            response = academy.clients["manager"].post(
                f"/api/v1/payments/{payment_id}/refund/", {"reason": "Erreur"}, format="json"
            )
        assert response.status_code in (200, 201), response.content
        assert Payment.objects.get(pk=payment_id).status == "refunded"

    # The running period is refunded: it ends now, and the renewal moves up to now.
    refund(first)
    now = timezone.now()
    row.refresh_from_db()
    assert abs(row.ends_at - (now + timedelta(days=30))) < SLACK
    later = SignalSubscriptionPeriod.objects.get(payment_id=second)
    assert abs(later.starts_at - now) < SLACK and later.ends_at == row.ends_at
    refunded = SignalSubscriptionPeriod.objects.get(payment_id=first)
    assert refunded.refunded_at is not None and abs(refunded.ends_at - now) < SLACK
    assert reads_signals(member, academy) == 200
    # Refunding the last one too: no signals any more.
    refund(second)
    assert_error(
        member.get(SIGNALS, {"organization": str(academy.org.pk)}),
        403,
        "signals_subscription_required",
    )
    (mine,) = member.get(f"{BASE}/me/signal-subscriptions/").json()["results"]
    assert mine["is_active"] is False
    # Told once: a second refund hook changes nothing.
    row.refresh_from_db()
    SignalSubscriptionPayable().refunded(payment=Payment.objects.get(pk=second), refund=None)
    assert SignalSubscription.objects.get(pk=row.pk).ends_at == row.ends_at


def test_a_lapsed_subscription_loses_access(academy, django_capture_on_commit_callbacks):
    plan = create_plan(academy, duration_days=7)
    month_ago = timezone.now() - timedelta(days=30)
    with time_machine.travel(month_ago, tick=True):
        client = authed_client(academy.member)
        buy(client, plan["id"], django_capture_on_commit_callbacks)
        assert reads_signals(client, academy) == 200
    member = authed_client(academy.member)  # a token of today
    assert_error(
        member.get(SIGNALS, {"organization": str(academy.org.pk)}),
        403,
        "signals_subscription_required",
    )
    (mine,) = member.get(f"{BASE}/me/signal-subscriptions/").json()["results"]
    assert mine["is_active"] is False and near(mine["ends_at"], month_ago + timedelta(days=7))
    # Renewed after the lapse: from now, not from the old end.
    buy(member, plan["id"], django_capture_on_commit_callbacks)
    row = SignalSubscription.objects.get(user=academy.member)
    assert abs(row.starts_at - timezone.now()) < SLACK
    assert row.ends_at - row.starts_at == timedelta(days=7)
    assert reads_signals(member, academy) == 200


def test_the_schema_lists_every_code(api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]

    def codes(path, method):
        return paths[path][method]["x-error-codes"]

    plans = "/api/v1/academy/organizations/{organization_id}/signal-plans/"
    plan = "/api/v1/academy/signal-plans/{plan_id}/"
    subscribe = "/api/v1/academy/signal-plans/{plan_id}/subscribe/"
    assert codes(plans, "get") == {"404": ["organization_not_found"]}
    assert codes(plans, "post") == {
        "400": ["invalid", "organization_kind_not_supported"],
        "404": ["organization_not_found"],
    }
    assert codes(plan, "get") == {"404": ["signal_plan_not_found"]}
    assert codes(plan, "patch") == {"400": ["invalid"], "404": ["signal_plan_not_found"]}
    assert codes(subscribe, "post") == {
        "404": ["signal_plan_not_found"],
        "409": ["signal_plan_inactive"],
    }
    for path, method, statuses in (
        (plans, "post", {"201", "400", "401", "403", "404"}),
        (plan, "patch", {"200", "400", "401", "403", "404"}),
        (subscribe, "post", {"200", "201", "401", "404", "409"}),
    ):
        assert statuses <= set(paths[path][method]["responses"]), (path, method)
    signals = paths["/api/v1/academy/signals/"]["get"]
    assert "signals_subscription_required" in signals["x-error-codes"]["403"]
    assert "signal plan" in signals["description"]


# --- Concurrency (real threads, real transactions) -------------------------------------------


def _race(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 — reported by the assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def _succeeded_payment(subscription, plan) -> Payment:
    now = timezone.now()
    return Payment.objects.create(
        organization=subscription.organization,
        payer=subscription.user,
        target_type="academy.signal_subscription",
        target_id=str(subscription.pk),
        description=plan.name,
        subtotal_amount=plan.price_amount,
        amount=plan.price_amount,
        currency=plan.currency,
        provider="sandbox",
        status="succeeded",
        succeeded_at=now,
        expires_at=now + timedelta(hours=1),
        metadata={"plan": str(plan.pk), "duration_days": plan.duration_days},
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_fulfilments_extend_exactly_as_much_as_was_paid(academy):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.fail("Threaded tests need a file-backed SQLite test database.")
    plan = SignalPlanFactory(organization=academy.org, duration_days=30)
    subscription = SignalSubscription.objects.create(
        organization=academy.org, user=academy.member, plan=plan
    )
    # One payment fulfilled by four threads at once: one period.
    payment = _succeeded_payment(subscription, plan)
    results = _race(
        4,
        lambda _: signal_subscription_extend(subscription_id=subscription.pk, payment=payment),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert SignalSubscriptionPeriod.objects.filter(subscription=subscription).count() == 1
    subscription.refresh_from_db()
    assert subscription.ends_at - subscription.starts_at == timedelta(days=30)
    # Four payments fulfilled at once: four periods end to end, 120 days in all.
    payments = [_succeeded_payment(subscription, plan) for _ in range(4)]
    results = _race(
        4,
        lambda i: signal_subscription_extend(subscription_id=subscription.pk, payment=payments[i]),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    subscription.refresh_from_db()
    assert subscription.ends_at - subscription.starts_at == timedelta(days=150)
    periods = list(SignalSubscriptionPeriod.objects.filter(subscription=subscription))
    assert len(periods) == 5
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.starts_at == before.ends_at
