"""The member space (``/api/v1/academy/me/space/``): one member's dashboard at one academy
(formations with completion, next sessions, signals for subscribers, payments,
notifications, trading statistics), only the academy's rows, widgets switched off by the
member's settings (null, and their queries not run), a fixed number of queries."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.products.academy.demo import trading_demo_load
from teranga.products.academy.models import (
    EnrolmentStatus,
    MemberSpaceSettings,
    SessionStatus,
    Trade,
    TradingAccountKey,
)

from .conftest import assert_error
from .factories import FormationFactory, SessionFactory, enrolled, subscribed

BASE = "/api/v1/academy"
SPACE = f"{BASE}/me/space/"
SETTINGS = f"{BASE}/me/space/settings/"
EXAMPLES = Path(__file__).resolve().parent.parent / "mt4" / "examples"
WIDGETS = ("formations", "next_sessions", "signals", "payments", "notifications", "trading")


def space(client, organization, **extra):
    response = client.get(SPACE, {"organization": str(organization.pk)}, **extra)
    assert response.status_code == 200, response.content
    return response.json()


def queries_of(client, organization) -> tuple[list[str], dict]:
    """The SQL one ``GET me/space/`` runs, and its answer. The log is emptied first: a
    request empties it when it starts, which would hide its first queries from a capture
    that began with earlier ones in the log."""
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        body = space(client, organization)
    return [query["sql"] for query in captured.captured_queries], body


def publish(client, organization, instrument="EURUSD"):
    body = {
        "organization": str(organization.pk),
        "instrument": instrument,
        "direction": "buy",
        "entry": "1.08500",
        "stop_loss": "1.08200",
        "tp1": "1.08800",
    }
    response = client.post(f"{BASE}/signals/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def declare_transfer(client, enrolment_id, number):
    response = client.post(
        "/api/v1/payments/",
        {
            "target_type": "academy.enrolment",
            "target_id": str(enrolment_id),
            "method": "bank_transfer",
            "transaction_number": number,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"space-{uuid.uuid4().hex}",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def notify(user, n, *, read=False):
    for _ in range(n):
        Notification.objects.create(
            recipient=user,
            kind="academy.session_moved",
            title="Session moved",
            idempotency_key=f"space-{uuid.uuid4().hex}",
            read_at=timezone.now() if read else None,
        )


def trading_account(client):
    """A trading account of the client's user, with the Expert Advisor's examples synced."""
    account = client.post(
        f"{BASE}/mt/accounts/", {"name": "Compte démo", "login": 50123456}, format="json"
    )
    assert account.status_code == 201, account.content
    account_id = account.json()["id"]
    key = client.post(f"{BASE}/mt/accounts/{account_id}/keys/", {}, format="json").json()["key"]
    for name in ("sync_first.json", "sync_next.json"):
        body = json.loads((EXAMPLES / name).read_text())
        synced = APIClient().post(f"{BASE}/mt/sync/", body, format="json", HTTP_X_API_KEY=key)
        assert synced.status_code == 200, synced.content
    return account_id


def add_items(academy, n):
    """``n`` more of everything the member's space lists, at the academy."""
    member = academy.member
    now = timezone.now()
    for index in range(n):
        formation = FormationFactory(organization=academy.org)
        enrolled(member, formation)
        for day in (1, 3):
            SessionFactory(formation=formation, starts_at=now + timedelta(days=day, hours=index))
        pending = enrolled(member, FormationFactory(organization=academy.org), "pending")
        declare_transfer(academy.clients["member"], pending.pk, f"VIR-{uuid.uuid4().hex[:8]}")
        publish(academy.clients["instructor"], academy.org)
    notify(member, n)


def test_the_member_space_gathers_the_members_dashboard_at_the_academy(academy):
    member, client = academy.member, academy.clients["member"]
    now = timezone.now()
    enrolled(member, academy.formation)
    subscription = subscribed(member, academy.org)
    pending = enrolled(
        member, FormationFactory(organization=academy.org, title="Analyse"), "pending"
    )
    SessionFactory(formation=academy.formation, starts_at=now - timedelta(days=3))
    cancelled = SessionFactory(formation=academy.formation, starts_at=now + timedelta(hours=1))
    cancelled.status = SessionStatus.CANCELLED
    cancelled.save()
    upcoming = [
        SessionFactory(formation=academy.formation, starts_at=now + timedelta(days=day))
        for day in range(6, 0, -1)
    ]
    # Of the pending enrolment's formation: not a session of mine yet.
    SessionFactory(formation=pending.formation, starts_at=now + timedelta(minutes=30))
    payment_id = declare_transfer(client, pending.pk, "VIR-2026-0042")
    signal_id = publish(academy.clients["instructor"], academy.org)
    notify(member, 1)
    notify(member, 1, read=True)
    account_id = trading_account(client)
    # Another academy's rows, of the same member.
    elsewhere = FormationFactory(organization=academy.other, title="Ailleurs")
    enrolled(member, elsewhere)
    subscribed(member, academy.other)
    SessionFactory(formation=elsewhere, starts_at=now + timedelta(minutes=10))
    other_pending = enrolled(member, FormationFactory(organization=academy.other), "pending")
    declare_transfer(client, other_pending.pk, "VIR-AILLEURS")
    publish(academy.clients["other_manager"], academy.other, instrument="XAUUSD")

    body = space(client, academy.org, HTTP_ACCEPT_LANGUAGE="en")

    assert body["organization"] == str(academy.org.pk)
    assert body["organization_name"] == "Calmness Trading"
    assert body["widgets"] == dict.fromkeys(WIDGETS, True)
    formations = {row["formation_title"]: row for row in body["formations"]}
    assert set(formations) == {"Trading Forex — les bases", "Analyse"}
    forex = formations["Trading Forex — les bases"]
    assert (forex["status"], forex["sessions_held"], forex["sessions_attended"]) == (
        "active",
        1,
        0,
    )
    assert forex["completion_rate"] == 0.0
    assert [row["id"] for row in body["next_sessions"]] == [
        str(session.pk) for session in reversed(upcoming[1:])
    ]
    assert body["next_sessions"][0]["meeting_url"] == academy.formation.meeting_url
    assert body["signals"]["is_subscriber"] is True
    mine = body["signals"]["subscription"]
    assert mine["id"] == str(subscription.pk) and mine["is_active"] is True
    assert mine["plan_name"] == subscription.plan.name
    assert [row["id"] for row in body["signals"]["recent"]] == [signal_id]
    assert [row["id"] for row in body["payments"]] == [payment_id]
    assert body["payments"][0]["formation_title"] == "Analyse"
    assert body["payments"][0]["transaction_number"] == "VIR-2026-0042"
    # Mine, as the bell shows them (the payments told me too).
    inbox = Notification.objects.filter(recipient=member, send_at=None)
    assert body["notifications"]["unread_count"] == inbox.filter(read_at=None).count() > 1
    recent = body["notifications"]["recent"]
    assert [row["id"] for row in recent] == [
        str(pk) for pk in inbox.order_by("-created_at").values_list("pk", flat=True)[:5]
    ]
    (trading,) = body["trading"]
    assert trading["account"]["id"] == account_id
    assert (trading["closed_trades"], trading["open_trades"]) == (4, 1)
    assert trading["net_profit"] == "73.15" and trading["profit_factor"] == 4.5946
    assert not {"equity_curve", "by_instrument", "by_month"} & set(trading)

    # The other academy's space shows its own rows only.
    there = space(client, academy.other)
    assert [row["formation_title"] for row in there["formations"]][-1] == "Ailleurs"
    assert len(there["formations"]) == 2
    assert [row["formation_title"] for row in there["next_sessions"]] == ["Ailleurs"]
    assert [row["instrument"] for row in there["signals"]["recent"]] == ["XAUUSD"]
    assert [row["transaction_number"] for row in there["payments"]] == ["VIR-AILLEURS"]


def test_a_non_subscriber_sees_no_signals_and_a_stranger_gets_empty_lists(academy):
    enrolled(academy.member2, academy.formation, EnrolmentStatus.PENDING)
    publish(academy.clients["instructor"], academy.org)
    body = space(academy.clients["member2"], academy.org)
    assert body["signals"] == {"is_subscriber": False, "subscription": None, "recent": []}
    # An active enrolment in a formation is not a signal plan; a lapsed plan is no more.
    enrolled(academy.member, academy.formation)
    lapsed = subscribed(academy.member, academy.org)
    lapsed.ends_at = timezone.now()
    lapsed.save()
    signals = space(academy.clients["member"], academy.org)["signals"]
    assert signals["is_subscriber"] is False and signals["recent"] == []
    assert signals["subscription"]["is_active"] is False
    assert [row["status"] for row in body["formations"]] == ["pending"]
    assert body["next_sessions"] == [] and body["payments"] == [] and body["trading"] == []

    stranger = space(academy.clients["other_manager"], academy.org)
    assert stranger["formations"] == [] and stranger["next_sessions"] == []
    assert stranger["signals"] == {"is_subscriber": False, "subscription": None, "recent": []}
    assert stranger["notifications"] == {"unread_count": 0, "recent": []}


def test_bad_queries_and_organisations_that_are_not_academies(academy):
    client = academy.clients["member"]
    business = OrganizationFactory()
    for url in (SPACE, SETTINGS):
        assert_error(client.get(url), 400, "invalid")
        assert_error(client.get(url, {"organization": "nope"}), 400, "invalid")
        for organization_id in (uuid.uuid4(), business.pk):
            response = client.get(url, {"organization": str(organization_id)})
            assert_error(response, 404, "organization_not_found")
        assert_error(APIClient().get(url, {"organization": str(academy.org.pk)}), 401)
    response = client.patch(
        f"{SETTINGS}?organization={business.pk}", {"signals": False}, format="json"
    )
    assert_error(response, 404, "organization_not_found")
    assert not MemberSpaceSettings.objects.exists()


def test_widgets_switched_off_are_null_and_cost_no_query(academy):
    client, url = academy.clients["member"], f"{SETTINGS}?organization={academy.org.pk}"
    enrolled(academy.member, academy.formation)
    subscribed(academy.member, academy.org)
    assert client.get(url).json() == dict.fromkeys(WIDGETS, True)
    for bad in ({"signals": "maybe"}, {"colour": True}, {"signals": None}):
        assert_error(client.patch(url, bad, format="json"), 400, "invalid")
    assert not MemberSpaceSettings.objects.exists()

    everything, _body = queries_of(client, academy.org)
    changed = client.patch(url, {"signals": False, "trading": False}, format="json")
    assert changed.status_code == 200, changed.content
    expected = {**dict.fromkeys(WIDGETS, True), "signals": False, "trading": False}
    assert changed.json() == expected and client.get(url).json() == expected
    fewer, body = queries_of(client, academy.org)
    assert body["signals"] is None and body["trading"] is None
    assert body["widgets"] == expected and len(body["formations"]) == 1
    assert len(everything) - len(fewer) == 3  # subscriber?, signals, trading accounts
    assert not [sql for sql in fewer if "academy_signal" in sql or "academy_trading" in sql]
    # Partial: the other toggles keep their value.
    client.patch(url, {"trading": True, "payments": False}, format="json")
    assert client.get(url).json() == {**expected, "trading": True, "payments": False}

    # Per member and per academy.
    other = academy.clients["member2"]
    assert other.get(url).json() == dict.fromkeys(WIDGETS, True)
    there = f"{SETTINGS}?organization={academy.other.pk}"
    assert client.get(there).json() == dict.fromkeys(WIDGETS, True)
    off = client.patch(url, dict.fromkeys(WIDGETS, False), format="json").json()
    assert off == dict.fromkeys(WIDGETS, False)
    body = space(client, academy.org)
    assert all(body[name] is None for name in WIDGETS)


def test_the_member_space_runs_a_fixed_number_of_queries(academy):
    client = academy.clients["member"]
    subscribed(academy.member, academy.org)
    trading_account(client)
    add_items(academy, 1)
    small, first = queries_of(client, academy.org)
    add_items(academy, 4)
    large, second = queries_of(client, academy.org)
    assert len(first["formations"]) == 2 and len(second["formations"]) == 10
    assert len(second["next_sessions"]) == 5 and len(second["payments"]) == 5
    assert len(second["signals"]["recent"]) == 5
    assert second["notifications"]["unread_count"] > first["notifications"]["unread_count"]
    assert len(second["notifications"]["recent"]) == 5
    assert len(large) == len(small), large


def test_the_demo_member_has_a_trading_account_filled_by_the_ea_examples(academy):
    client1 = create_user("client1@teranga.demo")
    trading_demo_load()
    trading_demo_load()  # idempotent
    assert Trade.objects.filter(account__user=client1).count() == 5
    assert TradingAccountKey.objects.filter(account__user=client1).count() == 1
    (trading,) = space(authed_client(client1), academy.org)["trading"]
    assert (trading["closed_trades"], trading["open_trades"]) == (4, 1)
    assert trading["account"]["login"] == 50123456 and trading["net_profit"] == "73.15"
