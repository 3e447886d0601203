"""B2B subscriptions: the plans endpoint, choosing and cancelling (and who may), limits
and features, the payable's quote rules, fulfilment transitions, and the renewal job
across the period end, the grace period and the suspension (time-machine)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from teranga.core.errors import Conflict, NotFound
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import Organization, Role
from teranga.platform.organizations.tests.factories import (
    member,
    organization_with_owner,
    user,
)
from teranga.platform.payments.models import (
    Payment,
    PaymentStatus,
    Plan,
    Subscription,
    SubscriptionEvent,
)
from teranga.platform.payments.payables import FulfilmentRefused, payables
from teranga.platform.payments.services.subscriptions import (
    PAYABLE,
    add_months,
    free_tier_features,
    free_tier_limits,
    platform_organization,
    subscription_features,
    subscription_has_feature,
    subscription_limit_check,
    subscription_limits,
    subscriptions_renew,
)

PLANS = "/api/v1/plans/"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
END = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
#: The business plan's limits (migration 0002); the other declared limits are unlimited.
BUSINESS_LIMITS = {"branches": 5, "counters": 20, "sms_per_month": 5000}


def url(organization) -> str:
    return f"/api/v1/organizations/{organization.pk}/subscription/"


def plan(code: str) -> Plan:
    return Plan.objects.get(code=code)


@pytest.fixture
def team(db):
    """(organization, owner, admin, manager) of a business in Senegal."""
    organization, owner = organization_with_owner(
        siret="", ninea="", contact_email="compta@example.test"
    )
    return organization, owner, member(organization, Role.ADMIN), member(organization, Role.MANAGER)


def subscribed(organization, status="active", code="business", period="monthly", *,
               start=NOW, end=END, **fields) -> Subscription:
    return Subscription.objects.create(
        organization=organization,
        plan=plan(code),
        period=period,
        currency=organization.currency,
        status=status,
        current_period_start=start if status != "incomplete" else None,
        current_period_end=end if status != "incomplete" else None,
        **fields,
    )


def paid(subscription: Subscription, **metadata) -> Payment:
    """A succeeded payment row for ``subscription`` (as the payments core leaves it)."""
    now = timezone.now()
    return Payment.objects.create(
        organization=platform_organization(),
        payer=None,
        target_type=PAYABLE,
        target_id=str(subscription.pk),
        description="Abonnement",
        subtotal_amount=45000,
        amount=45000,
        currency=subscription.currency,
        provider="sandbox",
        status=PaymentStatus.SUCCEEDED,
        succeeded_at=now,
        expires_at=now + timedelta(minutes=30),
        metadata=metadata,
    )


def fulfil(payment: Payment) -> Subscription:
    with transaction.atomic():
        payables.get(PAYABLE).fulfil(payment=payment)
    return Subscription.objects.select_related("plan", "next_plan").get(pk=payment.target_id)


def notices(kind: str) -> list:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True)
    )


def actions(subscription) -> list[str]:
    return list(
        SubscriptionEvent.objects.filter(subscription=subscription)
        .order_by("created_at", "action")
        .values_list("action", flat=True)
    )


# --- Plans ---------------------------------------------------------------------------------


def test_plans_are_public(api, db):
    response = api.get(PLANS)
    assert response.status_code == 200
    data = response.json()
    assert [p["code"] for p in data] == ["starter", "business", "enterprise"]
    business = data[1]
    assert {"period": "monthly", "currency": "XOF", "amount": 45000} in [
        {k: v for k, v in price.items() if k != "display"} for price in business["prices"]
    ]
    assert {"period": "yearly", "currency": "EUR", "amount": 69000} in [
        {k: v for k, v in price.items() if k != "display"} for price in business["prices"]
    ]
    # Every limit the installed apps declare; a plan that does not name one: unlimited.
    assert business["limits"] == {**dict.fromkeys(free_tier_limits()), **BUSINESS_LIMITS}
    assert "sms" in business["features"]
    assert data[2]["limits"] == dict.fromkeys(free_tier_limits())
    Plan.objects.filter(code="starter").update(is_active=False)
    assert [p["code"] for p in api.get(PLANS).json()] == ["business", "enterprise"]


# --- Choosing, reading, cancelling over HTTP -----------------------------------------------


def test_choose_creates_an_incomplete_subscription_to_pay(team, client_for):
    organization, _owner, admin, _manager = team
    client = client_for(admin)
    assert client.get(url(organization)).json()["error"]["code"] == "subscription_not_found"
    response = client.put(url(organization), {"plan": "business", "period": "monthly"})
    assert response.status_code == 200, response.content
    data = response.json()
    subscription = Subscription.objects.get(organization=organization)
    assert (data["status"], data["plan"]["code"], data["period"], data["currency"]) == (
        "incomplete", "business", "monthly", "XOF"
    )
    assert data["payment"] == {
        "target_type": "payments.subscription",
        "target_id": str(subscription.pk),
        "amount": 45000,
        "currency": "XOF",
        "display": data["payment"]["display"],
        "payable_now": True,
    }
    assert data["limits"] == free_tier_limits() and data["features"] == free_tier_features()
    assert client.get(url(organization)).json()["id"] == str(subscription.pk)
    again = client.put(url(organization), {"plan": "starter", "period": "yearly"})
    assert (again.json()["plan"]["code"], again.json()["period"]) == ("starter", "yearly")
    assert again.json()["payment"]["amount"] == 150000
    assert actions(subscription) == ["created", "plan_changed"]


def test_a_french_organisation_pays_in_euros(db, client_for):
    organization, owner = organization_with_owner(currency="EUR", country="FR")
    data = client_for(owner).put(url(organization), {"plan": "business", "period": "yearly"}).json()
    assert (data["currency"], data["payment"]["amount"]) == ("EUR", 69000)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"plan": "platinum", "period": "monthly"}, "unknown_plan"),
        ({"plan": "business", "period": "weekly"}, "invalid_period"),
        ({"plan": "business"}, "invalid"),
        ({"plan": "business", "period": "monthly", "price": 1}, "invalid"),
    ],
)
def test_choose_refuses_bad_input(team, client_for, body, code):
    organization, _owner, admin, _manager = team
    response = client_for(admin).put(url(organization), body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Subscription.objects.exists()


def test_an_inactive_plan_cannot_be_chosen(team, client_for):
    organization, owner, _admin, _manager = team
    Plan.objects.filter(code="starter").update(is_active=False)
    response = client_for(owner).put(url(organization), {"plan": "starter", "period": "monthly"})
    assert response.json()["error"]["code"] == "unknown_plan"


def test_who_may(team, client_for, api):
    organization, _owner, _admin, manager = team
    subscription = subscribed(organization)
    choice = {"plan": "starter", "period": "monthly"}
    below = client_for(manager)
    for response in (below.get(url(organization)), below.put(url(organization), choice),
                     below.delete(url(organization))):
        assert response.status_code == 403
    outsider = client_for(user())
    for response in (outsider.get(url(organization)), outsider.put(url(organization), choice),
                     outsider.delete(url(organization))):
        assert response.status_code == 404
    assert api.get(url(organization)).status_code == 401
    staff = client_for(user(is_staff=True))
    assert staff.get(url(organization)).status_code == 200
    assert staff.put(url(organization), choice).status_code == 404
    subscription.refresh_from_db()
    assert (subscription.plan.code, subscription.next_plan, subscription.cancel_at_period_end) == (
        "business", None, False
    )


def test_choosing_while_active_schedules_the_change(team, client_for):
    organization, owner, _admin, _manager = team
    subscription = subscribed(organization)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        client = client_for(owner)  # a token of that time
        data = client.get(url(organization)).json()
        assert data["limits"] == {**dict.fromkeys(free_tier_limits()), **BUSINESS_LIMITS}
        assert data["payment"]["payable_now"] is False  # paid until END
        data = client.put(url(organization), {"plan": "enterprise", "period": "yearly"}).json()
        assert (data["status"], data["plan"]["code"], data["period"]) == (
            "active", "business", "monthly"
        )
        assert (data["next_plan"]["code"], data["next_period"]) == ("enterprise", "yearly")
        assert data["payment"]["amount"] == 1500000 and data["payment"]["payable_now"] is True
        data = client.put(url(organization), {"plan": "business", "period": "monthly"}).json()
        assert (data["next_plan"], data["next_period"]) == (None, "")
        assert data["payment"]["payable_now"] is False
    assert actions(subscription) == ["change_scheduled", "change_withdrawn"]


def test_cancel(team, client_for):
    organization, owner, _admin, _manager = team
    client = client_for(owner)
    client.put(url(organization), {"plan": "starter", "period": "monthly"})
    data = client.delete(url(organization)).json()
    assert (data["status"], data["payment"]) == ("cancelled", None)
    data = client.put(url(organization), {"plan": "business", "period": "monthly"}).json()
    assert data["status"] == "incomplete"  # subscribed again

    other, other_owner = organization_with_owner()
    subscription = subscribed(other)
    other_client = client_for(other_owner)
    data = other_client.delete(url(other)).json()
    assert (data["status"], data["cancel_at_period_end"]) == ("active", True)
    assert other_client.delete(url(other)).json()["cancel_at_period_end"] is True
    data = other_client.put(url(other), {"plan": "business", "period": "monthly"}).json()
    assert data["cancel_at_period_end"] is False  # the current plan again: stays
    assert actions(subscription) == ["cancel_scheduled", "cancellation_withdrawn"]


def test_cancelling_past_due_or_suspended_ends_at_once(db, client_for):
    for status in ("past_due", "suspended"):
        organization, owner = organization_with_owner()
        subscribed(organization, status)
        assert client_for(owner).delete(url(organization)).json()["status"] == "cancelled"


# --- Limits --------------------------------------------------------------------------------


def test_limits_and_features(team):
    organization, *_ = team
    assert subscription_limits(organization=organization) == free_tier_limits()
    assert subscription_features(organization=organization) == free_tier_features()
    subscription = subscribed(organization, "incomplete")
    assert subscription_limits(organization=organization) == free_tier_limits()
    for status in ("active", "past_due"):
        Subscription.objects.filter(pk=subscription.pk).update(status=status)
        assert subscription_limits(organization=organization)["counters"] == 20
        assert subscription_has_feature(organization=organization, feature="sms")
    subscription_limit_check(organization=organization, key="counters", current=19)
    with pytest.raises(Conflict) as info:
        subscription_limit_check(organization=organization, key="counters", current=20)
    assert info.value.code == "plan_limit_reached" and info.value.status_code == 409
    for status in ("suspended", "cancelled"):
        Subscription.objects.filter(pk=subscription.pk).update(status=status)
        assert subscription_limits(organization=organization.pk) == free_tier_limits()
        assert not subscription_has_feature(organization=organization, feature="sms")
    with pytest.raises(Conflict):
        subscription_limit_check(organization=organization, key="branches", current=1)
    Subscription.objects.filter(pk=subscription.pk).update(
        status="active", plan=plan("enterprise")
    )
    assert subscription_limits(organization=organization)["branches"] is None
    subscription_limit_check(organization=organization, key="branches", current=10_000)


# --- The payable's quote -------------------------------------------------------------------


def quote_for(subscription, payer):
    return payables.get(PAYABLE).quote(target_id=str(subscription.pk), payer=payer)


def test_quote(team):
    organization, owner, admin, _manager = team
    subscription = subscribed(organization, "incomplete")
    quote = quote_for(subscription, admin)
    assert quote.organization.slug == "teranga" and quote.organization.is_verified
    assert (quote.amount, quote.currency, len(quote.lines)) == (45000, "XOF", 1)
    assert quote.coupons_allowed is False
    assert quote.metadata == {
        "buyer": {
            "name": organization.name,
            "siret": "",
            "vat_number": "",
            "ninea": "",
            "rccm": "",
            "is_business": True,
            "email": "compta@example.test",
            "city": "Dakar",
            "country": "SN",
        },
        "subscription_id": str(subscription.pk),
        "organization_id": str(organization.pk),
        "plan": "business",
        "period": "monthly",
    }
    assert quote_for(subscription, owner).organization == quote.organization
    assert Organization.objects.filter(slug="teranga").count() == 1


def test_quote_refusals(team):
    organization, owner, _admin, manager = team
    subscription = subscribed(organization)
    for payer in (manager, user(), None):
        with pytest.raises(NotFound):
            quote_for(subscription, payer)
    with pytest.raises(NotFound):
        payables.get(PAYABLE).quote(target_id="not-a-uuid", payer=owner)
    with time_machine.travel(END - timedelta(days=8), tick=False):
        with pytest.raises(Conflict) as info:
            quote_for(subscription, owner)
        assert info.value.code == "subscription_already_paid"
        subscription.next_plan = plan("enterprise")
        subscription.save()
        assert quote_for(subscription, owner).amount == 150000  # a change is pending
    subscription.next_plan = None
    subscription.save()
    with time_machine.travel(END - timedelta(days=6), tick=False):
        assert quote_for(subscription, owner).amount == 45000  # renewal time
    for status in ("past_due", "suspended"):
        Subscription.objects.filter(pk=subscription.pk).update(status=status)
        assert quote_for(subscription, owner).amount == 45000
    Subscription.objects.filter(pk=subscription.pk).update(status="cancelled")
    with pytest.raises(Conflict) as info:
        quote_for(subscription, owner)
    assert info.value.code == "subscription_cancelled"


def test_platform_organisation_follows_the_setting(db, settings):
    settings.PLATFORM_ORGANIZATION_SLUG = "teranga-sas"
    organization = platform_organization()
    assert (organization.slug, organization.name, organization.kind) == (
        "teranga-sas", "Teranga", "other"
    )
    assert platform_organization() == organization


# --- Fulfilment ----------------------------------------------------------------------------


def test_first_payment_activates_from_now(team):
    organization, owner, admin, manager = team
    subscription = subscribed(organization, "incomplete")
    with time_machine.travel(NOW, tick=False):
        payment = paid(subscription, plan="business", period="monthly")
        subscription = fulfil(payment)
    assert subscription.status == "active"
    assert (subscription.current_period_start, subscription.current_period_end) == (NOW, END)
    assert actions(subscription) == ["activated"]
    event = SubscriptionEvent.objects.get(subscription=subscription)
    assert (event.from_status, event.to_status, event.payment_id) == (
        "incomplete", "active", payment.pk
    )
    assert notices("subscription.activated") == sorted([owner.email, admin.email])
    fulfil(payment)  # again: nothing more
    subscription.refresh_from_db()
    assert subscription.current_period_end == END
    assert SubscriptionEvent.objects.count() == 1 and Notification.objects.count() == 2


def test_renewal_starts_at_the_period_end_with_the_plan_paid_for(team):
    organization, *_ = team
    subscription = subscribed(organization, next_plan=plan("enterprise"), next_period="yearly")
    with time_machine.travel(END - timedelta(days=3), tick=False):
        subscription = fulfil(paid(subscription, plan="enterprise", period="yearly"))
    assert (subscription.plan.code, subscription.period) == ("enterprise", "yearly")
    assert subscription.current_period_start == END
    assert subscription.current_period_end == datetime(2027, 4, 10, 9, tzinfo=UTC)
    assert (subscription.next_plan, subscription.next_period) == (None, "")
    assert actions(subscription) == ["plan_changed", "renewed"]
    assert len(notices("subscription.renewed")) == 2


def test_a_past_due_payment_gets_no_free_days_and_clears_the_grace(team):
    organization, *_ = team
    subscription = subscribed(organization, "past_due", grace_until=END + timedelta(days=7))
    with time_machine.travel(END + timedelta(days=5), tick=False):
        subscription = fulfil(paid(subscription))
    assert (subscription.status, subscription.grace_until) == ("active", None)
    assert subscription.current_period_start == END
    assert subscription.current_period_end == datetime(2026, 5, 10, 9, tzinfo=UTC)


def test_a_suspended_subscription_restarts_now(team):
    organization, *_ = team
    subscription = subscribed(organization, "suspended", grace_until=END + timedelta(days=7))
    later = END + timedelta(days=30)
    with time_machine.travel(later, tick=False):
        subscription = fulfil(paid(subscription))
    assert (subscription.status, subscription.current_period_start) == ("active", later)
    assert actions(subscription) == ["activated"]


def test_paying_withdraws_a_pending_cancellation(team):
    organization, *_ = team
    subscription = subscribed(organization, cancel_at_period_end=True)
    with time_machine.travel(END - timedelta(days=1), tick=False):
        subscription = fulfil(paid(subscription))
    assert subscription.cancel_at_period_end is False
    assert "cancellation_withdrawn" in actions(subscription)


def test_a_cancelled_subscription_is_refused(team):
    organization, *_ = team
    subscription = subscribed(organization, "cancelled")
    with pytest.raises(FulfilmentRefused):
        fulfil(paid(subscription))
    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and not SubscriptionEvent.objects.exists()


def test_add_months_keeps_the_day_or_takes_the_last():
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2028, 1, 31, tzinfo=UTC), 1) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 12) == datetime(2027, 11, 15, tzinfo=UTC)
    assert add_months(datetime(2026, 12, 1, tzinfo=UTC), 1) == datetime(2027, 1, 1, tzinfo=UTC)


# --- The renewal job -----------------------------------------------------------------------

NOTHING = {"reminded": 0, "cancelled": 0, "past_due": 0, "suspended": 0}


def renew_at(moment) -> dict:
    with time_machine.travel(moment, tick=False):
        return subscriptions_renew()


def test_the_job_reminds_then_marks_past_due_then_suspends_once_each(team):
    organization, owner, admin, _manager = team
    subscription = subscribed(organization)
    assert renew_at(END - timedelta(days=8)) == NOTHING
    assert renew_at(END - timedelta(days=6)) == {**NOTHING, "reminded": 1}
    assert renew_at(END - timedelta(days=5)) == NOTHING
    assert notices("subscription.renewal_reminder") == sorted([owner.email, admin.email])
    reminder = Notification.objects.filter(kind="subscription.renewal_reminder").first()
    assert "45" in reminder.body and reminder.data["amount"] == 45000

    assert renew_at(END + timedelta(hours=1)) == {**NOTHING, "past_due": 1}
    assert renew_at(END + timedelta(hours=2)) == NOTHING
    subscription.refresh_from_db()
    assert (subscription.status, subscription.grace_until) == ("past_due", END + timedelta(days=7))
    assert subscription_limits(organization=organization)["counters"] == 20  # still in grace
    assert len(notices("subscription.past_due")) == 2

    assert renew_at(END + timedelta(days=6)) == NOTHING
    assert renew_at(END + timedelta(days=7, hours=1)) == {**NOTHING, "suspended": 1}
    assert renew_at(END + timedelta(days=8)) == NOTHING
    subscription.refresh_from_db()
    assert subscription.status == "suspended"
    assert subscription_limits(organization=organization) == free_tier_limits()
    assert len(notices("subscription.suspended")) == 2
    assert actions(subscription) == ["past_due", "suspended"]
    assert Notification.objects.count() == 6


def test_a_cancelled_subscription_ends_at_the_period_end_without_a_reminder(team):
    organization, *_ = team
    subscription = subscribed(organization, cancel_at_period_end=True)
    assert renew_at(END - timedelta(days=3)) == NOTHING
    assert renew_at(END) == {**NOTHING, "cancelled": 1}
    assert renew_at(END + timedelta(days=30)) == NOTHING
    subscription.refresh_from_db()
    assert (subscription.status, subscription.cancel_at_period_end) == ("cancelled", False)
    assert len(notices("subscription.cancelled")) == 2
    assert not Notification.objects.filter(kind="subscription.renewal_reminder").exists()


def test_after_a_long_stop_one_run_does_everything(team):
    organization, *_ = team
    subscription = subscribed(organization)
    assert renew_at(END + timedelta(days=10)) == {**NOTHING, "past_due": 1, "suspended": 1}
    assert renew_at(END + timedelta(days=11)) == NOTHING
    subscription.refresh_from_db()
    assert subscription.status == "suspended"


def test_grace_days_come_from_the_settings(team, settings):
    settings.SUBSCRIPTION_GRACE_DAYS = 3
    organization, *_ = team
    subscription = subscribed(organization)
    renew_at(END)
    subscription.refresh_from_db()
    assert subscription.grace_until == END + timedelta(days=3)
    assert renew_at(END + timedelta(days=3)) == {**NOTHING, "suspended": 1}


def test_a_renewed_subscription_is_reminded_again_next_period(team):
    organization, *_ = team
    subscription = subscribed(organization)
    renew_at(END - timedelta(days=6))
    with time_machine.travel(END - timedelta(days=6), tick=False):
        subscription = fulfil(paid(subscription))
    assert subscription.renewal_reminded_at is None
    next_end = subscription.current_period_end
    assert renew_at(END + timedelta(hours=1)) == NOTHING  # paid: no past due
    assert renew_at(next_end - timedelta(days=6)) == {**NOTHING, "reminded": 1}
    assert Notification.objects.filter(kind="subscription.renewal_reminder").count() == 4


def test_incomplete_subscriptions_are_left_alone(team):
    organization, *_ = team
    subs_before = subscribed(organization, "incomplete")
    assert renew_at(END + timedelta(days=100)) == NOTHING
    subs_before.refresh_from_db()
    assert subs_before.status == "incomplete"


# --- End to end: paying through POST /api/v1/payments/ with the sandbox --------------------


def sandbox_choose(payment_id: str, outcome: str, commit) -> None:
    """The payer presses a button on the sandbox's hosted page; the signed webhook comes
    back through the task engine once the page's transaction commits."""
    import re

    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    assert page.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    data = {"outcome": outcome}
    if token:
        data["csrfmiddlewaretoken"] = token.group(1).decode()
    with commit(execute=True):
        assert browser.post(f"/pay/sandbox/{payment_id}/", data).status_code == 200


def test_paying_a_subscription_through_the_payments_api(
    team, client_for, django_capture_on_commit_callbacks
):
    organization, owner, admin, manager = team
    client = client_for(admin)
    chosen = client.put(url(organization), {"plan": "business", "period": "monthly"}).json()
    target = {k: chosen["payment"][k] for k in ("target_type", "target_id")}
    refused = client.post(
        "/api/v1/payments/", {**target, "provider": "sandbox", "coupon_codes": ["PROMO"]},
        HTTP_IDEMPOTENCY_KEY="subscription-coupon-1",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "coupons_not_allowed"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/payments/", {**target, "provider": "sandbox"},
            HTTP_IDEMPOTENCY_KEY="subscription-pay-1",
        )
    assert response.status_code == 201, response.content
    payment = Payment.objects.get(pk=response.json()["id"])
    assert (payment.amount, payment.currency) == (45000, "XOF")
    assert payment.organization.slug == "teranga"
    assert payment.metadata["buyer"]["name"] == organization.name
    assert payment.metadata["buyer"]["is_business"] is True
    assert client_for(manager).post(
        "/api/v1/payments/", {**target, "provider": "sandbox"},
        HTTP_IDEMPOTENCY_KEY="subscription-pay-2",
    ).status_code == 404  # a manager may not pay the subscription

    sandbox_choose(str(payment.pk), "succeeded", django_capture_on_commit_callbacks)
    data = client.get(url(organization)).json()
    assert data["status"] == "active"
    assert data["limits"] == {**dict.fromkeys(free_tier_limits()), **BUSINESS_LIMITS}
    assert data["payment"]["payable_now"] is False
    event = SubscriptionEvent.objects.get(action="activated")
    assert event.payment_id == payment.pk
    assert notices("subscription.activated") == sorted([owner.email, admin.email])
    again = client.post(
        "/api/v1/payments/", {**target, "provider": "sandbox"},
        HTTP_IDEMPOTENCY_KEY="subscription-pay-3",
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "subscription_already_paid"
