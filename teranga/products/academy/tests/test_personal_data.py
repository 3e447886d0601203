"""The academy's GDPR side: a member's enrolments, attendance marks and signal subscriptions
(with each paid period and its payment) are in their export (``GET /api/v1/me/export/``,
through ``Product.user_exporters``), and nobody else's are. The erasure (``DELETE
/api/v1/me/``) keeps the subscription and its periods (the academy's accounting), held by
the anonymised account."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from conftest import DEFAULT_PASSWORD
from teranga.platform.accounts.models import User
from teranga.products.academy.models import (
    Attendance,
    AttendanceMethod,
    SignalSubscription,
    SignalSubscriptionPeriod,
)

from .factories import SessionFactory, SignalPlanFactory, enrolled, subscribed
from .test_signal_plans import buy

EXPORT = "/api/v1/me/export/"


def same_time(text: str, moment) -> bool:
    """An exported time (JSON, to the millisecond) is ``moment``."""
    return abs(datetime.fromisoformat(text) - moment) < timedelta(milliseconds=1)


def test_enrolments_and_attendance_are_in_the_members_export_only(academy):
    enrolment = enrolled(academy.member, academy.formation)
    enrolled(academy.member2, academy.formation)
    session = SessionFactory(formation=academy.formation)
    Attendance.objects.create(
        organization=academy.org,
        session=session,
        user=academy.member,
        present=True,
        method=AttendanceMethod.ROLL_CALL,
        recorded_by=academy.instructor,
    )

    exported = academy.clients["member"].get(EXPORT)
    assert exported.status_code == 200, exported.content
    data = json.loads(exported.content)["products"]["academy.enrolments"]
    assert [row["id"] for row in data["enrolments"]] == [str(enrolment.pk)]
    assert data["enrolments"][0]["formation"] == "Trading Forex — les bases"
    assert data["enrolments"][0]["academy"] == "Calmness Trading"
    assert [(row["formation"], row["present"]) for row in data["attendance"]] == [
        ("Trading Forex — les bases", True)
    ]

    other = json.loads(academy.clients["member2"].get(EXPORT).content)
    assert len(other["products"]["academy.enrolments"]["enrolments"]) == 1
    assert other["products"]["academy.enrolments"]["attendance"] == []


def test_signal_subscriptions_and_their_periods_are_in_the_members_export_only(
    academy, django_capture_on_commit_callbacks
):
    monthly = SignalPlanFactory(organization=academy.org, name="Mensuel", duration_days=30)
    quarterly = SignalPlanFactory(organization=academy.org, name="Trimestriel", duration_days=90)
    member = academy.clients["member"]
    chosen, first_payment = buy(member, monthly.pk, django_capture_on_commit_callbacks)
    _again, second_payment = buy(member, quarterly.pk, django_capture_on_commit_callbacks)
    subscribed(academy.member2, academy.org, days=30)
    subscription = SignalSubscription.objects.get(pk=chosen["id"])
    periods = list(SignalSubscriptionPeriod.objects.filter(subscription=subscription))

    exported = member.get(EXPORT)
    assert exported.status_code == 200, exported.content
    data = json.loads(exported.content)["products"]["academy.enrolments"]
    (row,) = data["signal_subscriptions"]
    assert row["id"] == str(subscription.pk)
    assert row["academy"] == "Calmness Trading"
    assert row["plan"] == "Trimestriel"  # the plan chosen last
    assert same_time(row["starts_at"], subscription.starts_at)
    assert same_time(row["ends_at"], subscription.ends_at)
    assert [
        (p["plan"], p["payment_id"], p["amount"], p["currency"], p["refunded_at"])
        for p in row["periods"]
    ] == [
        ("Mensuel", first_payment, monthly.price_amount, "EUR", None),
        ("Trimestriel", second_payment, quarterly.price_amount, "EUR", None),
    ]
    assert len(periods) == 2
    for exported_period, period in zip(row["periods"], periods, strict=True):
        assert same_time(exported_period["starts_at"], period.starts_at)
        assert same_time(exported_period["ends_at"], period.ends_at)

    other = json.loads(academy.clients["member2"].get(EXPORT).content)
    (theirs,) = other["products"]["academy.enrolments"]["signal_subscriptions"]
    assert theirs["id"] != str(subscription.pk) and theirs["periods"] == []


def test_the_erasure_keeps_the_subscriptions_accounting(
    academy, django_capture_on_commit_callbacks
):
    plan = SignalPlanFactory(organization=academy.org, duration_days=30)
    member = academy.clients["member"]
    chosen, payment = buy(member, plan.pk, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        erased = member.delete("/api/v1/me/", {"password": DEFAULT_PASSWORD}, format="json")
    assert erased.status_code == 204, erased.content
    user = User.objects.get(pk=academy.member.pk)
    assert user.erased_at is not None and user.email.endswith("@erased.invalid")
    subscription = SignalSubscription.objects.get(pk=chosen["id"])
    assert subscription.user_id == user.pk and subscription.ends_at is not None
    (period,) = SignalSubscriptionPeriod.objects.filter(subscription=subscription)
    assert str(period.payment_id) == payment and period.amount == plan.price_amount
