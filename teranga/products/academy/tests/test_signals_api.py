"""Trading signals over HTTP: staff publish and update them, subscribers (members with a
running signal plan) read them, their history and the academy's performance statistics
(exact on a small set); everyone else gets 403 ``signals_subscription_required``, another
organisation's signals answer 404, and bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from teranga.platform.notifications.models import Notification, NotificationDelivery
from teranga.platform.organizations.models import Membership, Role
from teranga.products.academy.models import Signal, SignalUpdate
from teranga.products.academy.services.signals import signal_publish, signal_update_record

from .conftest import assert_error
from .factories import enrolled, subscribed

BASE = "/api/v1/academy/signals"


@pytest.fixture
def desk(academy):
    """``academy`` with ``member`` subscribed (a signal plan running now) and a member-role
    user ``junior`` (a member of the organisation with an active enrolment in a formation,
    which does not make them a subscriber: neither staff nor subscriber)."""
    subscribed(academy.member, academy.org)
    junior = academy.users["member2"]
    enrolled(junior, academy.formation)
    Membership.objects.create(organization=academy.org, user=junior, role=Role.MEMBER)
    return academy


def signal_body(academy, **extra):
    return {
        "organization": str(academy.org.pk),
        "instrument": "eur/usd",
        "direction": "buy",
        "entry": "1.08500",
        "stop_loss": "1.08200",
        "tp1": "1.08800",
        "tp2": "1.09100",
        "note": "Cassure de la résistance H4.",
        **extra,
    }


def publish(academy, **extra):
    response = academy.clients["instructor"].post(
        f"{BASE}/", signal_body(academy, **extra), format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_staff_publish_and_subscribers_follow_the_signal_to_its_close(desk):
    signal = publish(desk)
    assert signal["instrument"] == "EURUSD" and signal["status"] == "open"
    assert signal["entry"] == "1.085000" and signal["tp3"] is None
    assert signal["author_name"] == "Awa"
    publish(desk, instrument="XAUUSD", entry="2000", stop_loss="1990", tp1="2020", tp2=None)

    member = desk.clients["member"]
    listed = member.get(f"{BASE}/", {"organization": str(desk.org.pk)})
    assert listed.status_code == 200, listed.content
    assert [row["instrument"] for row in listed.json()["results"]] == ["XAUUSD", "EURUSD"]
    only = member.get(f"{BASE}/", {"organization": str(desk.org.pk), "instrument": "eurusd"})
    assert [row["id"] for row in only.json()["results"]] == [signal["id"]]
    paged = member.get(f"{BASE}/", {"organization": str(desk.org.pk), "page_size": 1})
    assert len(paged.json()["results"]) == 1 and paged.json()["next"]
    assert member.get(f"{BASE}/{signal['id']}/").json()["id"] == signal["id"]

    staff = desk.clients["instructor"]
    url = f"{BASE}/{signal['id']}"
    hit = staff.post(f"{url}/updates/", {"kind": "tp1_hit"}, format="json")
    assert hit.status_code == 201, hit.content
    assert hit.json()["price"] == "1.088000" and hit.json()["status"] == "tp1_hit"
    moved = staff.patch(f"{url}/", {"stop_loss": "1.08500"}, format="json")
    assert moved.status_code == 200, moved.content
    assert moved.json()["stop_loss"] == "1.085000"
    assert moved.json()["initial_stop_loss"] == "1.082000"
    closed = staff.post(
        f"{url}/close/", {"price": "1.08950", "note": "Fin de séance"}, format="json"
    )
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["status"] == "closed" and body["exit_price"] == "1.089500"
    # 45 pips over a 30-pip risk from the initial stop-loss.
    assert body["result_pips"] == "45.0" and body["result_r"] == "1.50"

    history = member.get(f"{url}/updates/").json()["results"]
    assert [row["kind"] for row in history] == ["published", "tp1_hit", "sl_moved", "closed"]
    assert_error(
        staff.post(f"{url}/updates/", {"kind": "stopped"}, format="json"), 409, "signal_ended"
    )
    assert_error(staff.patch(f"{url}/", {"note": "x"}, format="json"), 409, "signal_ended")
    closed_only = member.get(f"{BASE}/", {"organization": str(desk.org.pk), "status": "closed"})
    assert [row["id"] for row in closed_only.json()["results"]] == [signal["id"]]

    # Every event went to the subscriber, and to nobody else.
    told = Notification.objects.filter(kind__startswith="academy.signal_")
    assert set(told.values_list("recipient", flat=True)) == {desk.member.pk}
    assert told.count() == 5  # two signals published, TP1 hit, stop-loss moved, closed
    assert (
        NotificationDelivery.objects.filter(notification__in=told, channel="push").count()
        == told.count()
    )


def test_transitions(desk):
    signal = publish(desk, tp3="1.09400")
    staff = desk.clients["instructor"]
    url = f"{BASE}/{signal['id']}/updates/"
    assert staff.post(url, {"kind": "tp2_hit"}, format="json").status_code == 201
    assert_error(
        staff.post(url, {"kind": "tp1_hit"}, format="json"), 409, "signal_transition_invalid"
    )
    ended = staff.post(url, {"kind": "tp3_hit"}, format="json")
    assert ended.status_code == 201, ended.content
    row = desk.clients["member"].get(f"{BASE}/{signal['id']}/").json()
    assert row["status"] == "tp3_hit" and row["result_pips"] == "90.0" and row["result_r"] == "3.00"

    sell = publish(desk, direction="sell", entry="1.10000", stop_loss="1.10200", tp1=None, tp2=None)
    stopped = staff.post(f"{BASE}/{sell['id']}/updates/", {"kind": "stopped"}, format="json")
    assert stopped.status_code == 201, stopped.content
    row = desk.clients["member"].get(f"{BASE}/{sell['id']}/").json()
    assert row["result_pips"] == "-20.0" and row["result_r"] == "-1.00"

    cancelled = publish(desk)
    url = f"{BASE}/{cancelled['id']}/updates/"
    assert staff.post(url, {"kind": "cancelled"}, format="json").status_code == 201
    row = desk.clients["member"].get(f"{BASE}/{cancelled['id']}/").json()
    assert row["status"] == "cancelled" and row["result_pips"] is None


def _signal(org, author, instrument, direction, entry, stop, **levels):
    return signal_publish(
        organization=org,
        author=author,
        instrument=instrument,
        direction=direction,
        entry=Decimal(entry),
        stop_loss=Decimal(stop),
        **{key: Decimal(value) for key, value in levels.items()},
    )


def test_stats_are_exact_on_a_small_set(desk):
    org, author = desk.org, desk.instructor
    jan = datetime(2026, 1, 15, 12, tzinfo=UTC)
    # 23:30 UTC on 31 January is already February in Paris (the academy's time zone).
    feb = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    a = _signal(org, author, "EURUSD", "buy", "1.08500", "1.08200", tp1="1.08800",
                tp2="1.09100", tp3="1.09400")  # fmt: skip
    signal_update_record(signal=a, actor=author, kind="tp3_hit", now=jan)  # +90, 3.00 R
    b = _signal(org, author, "EURUSD", "sell", "1.10000", "1.10200")
    signal_update_record(signal=b, actor=author, kind="stopped", now=jan)  # -20, -1.00 R
    c = _signal(org, author, "XAUUSD", "buy", "2000", "1990", tp1="2020")
    signal_update_record(signal=c, actor=author, kind="closed", price=Decimal("2006"), now=feb)
    d = _signal(org, author, "USDJPY", "buy", "150.00", "149.50")
    signal_update_record(signal=d, actor=author, kind="closed", price=Decimal("150.00"), now=feb)
    _signal(org, author, "GBPUSD", "buy", "1.27000", "1.26500")  # running
    f = _signal(org, author, "EURUSD", "buy", "1.08500", "1.08200")
    signal_update_record(signal=f, actor=author, kind="cancelled")  # left out
    # Another academy's signals count nowhere here.
    _signal(desk.other, author, "EURUSD", "buy", "1.08500", "1.08200")

    response = desk.clients["member"].get(f"{BASE}/stats/", {"organization": str(org.pk)})
    assert response.status_code == 200, response.content
    stats = response.json()
    assert {
        k: stats[k] for k in ("signals", "running", "ended", "wins", "losses", "breakevens")
    } == {
        "signals": 5,
        "running": 1,
        "ended": 4,
        "wins": 2,
        "losses": 1,
        "breakevens": 1,
    }
    assert stats["win_rate"] == 0.5
    assert stats["average_r"] == "0.65"  # (3.00 - 1.00 + 0.60 + 0.00) / 4
    assert stats["total_pips"] == "130.0"  # 90 - 20 + 60 + 0
    per_instrument = {row["instrument"]: row for row in stats["per_instrument"]}
    assert list(per_instrument) == ["EURUSD", "GBPUSD", "USDJPY", "XAUUSD"]
    eur = per_instrument["EURUSD"]
    assert (eur["signals"], eur["ended"], eur["win_rate"], eur["average_r"], eur["total_pips"]) == (
        2, 2, 0.5, "1.00", "70.0",
    )  # fmt: skip
    gbp = per_instrument["GBPUSD"]
    assert (gbp["running"], gbp["win_rate"], gbp["average_r"], gbp["total_pips"]) == (
        1, None, None, "0.0",
    )  # fmt: skip
    assert per_instrument["XAUUSD"]["total_pips"] == "60.0"
    assert per_instrument["XAUUSD"]["average_r"] == "0.60"
    assert per_instrument["USDJPY"]["breakevens"] == 1
    months = {row["month"]: row for row in stats["per_month"]}
    assert list(months) == ["2026-01", "2026-02"]
    assert (months["2026-01"]["ended"], months["2026-01"]["total_pips"]) == (2, "70.0")
    assert (months["2026-02"]["wins"], months["2026-02"]["breakevens"]) == (1, 1)
    assert months["2026-02"]["average_r"] == "0.30"


def test_permissions(desk):
    signal = publish(desk)
    org = str(desk.org.pk)
    # Neither staff nor subscriber: 403 with a clear code on the list and the statistics.
    junior = desk.clients["member2"]
    for url in (f"{BASE}/", f"{BASE}/stats/"):
        assert_error(junior.get(url, {"organization": org}), 403, "signals_subscription_required")
    assert_error(junior.get(f"{BASE}/{signal['id']}/"), 404, "signal_not_found")
    # A subscriber reads but does not write.
    member = desk.clients["member"]
    assert_error(member.post(f"{BASE}/", signal_body(desk), format="json"), 404)
    assert_error(member.patch(f"{BASE}/{signal['id']}/", {"note": "x"}, format="json"), 403)
    assert_error(
        member.post(f"{BASE}/{signal['id']}/close/", {"price": "1.09"}, format="json"), 403
    )
    # A member-role user of the academy is below agent: 403.
    assert_error(junior.post(f"{BASE}/", signal_body(desk), format="json"), 403)
    # Managers and platform staff read everything.
    assert desk.clients["manager"].get(f"{BASE}/stats/", {"organization": org}).status_code == 200
    assert_error(APIClient().get(f"{BASE}/", {"organization": org}), 401)
    # No such academy.
    assert_error(
        member.get(f"{BASE}/", {"organization": "00000000-0000-4000-8000-000000000000"}),
        404,
        "organization_not_found",
    )


def test_another_organisation(desk):
    signal = publish(desk)
    outsider = desk.clients["other_manager"]
    url = f"{BASE}/{signal['id']}"
    assert_error(outsider.get(f"{url}/"), 404, "signal_not_found")
    assert_error(outsider.get(f"{url}/updates/"), 404, "signal_not_found")
    assert_error(outsider.patch(f"{url}/", {"note": "x"}, format="json"), 404, "signal_not_found")
    assert_error(outsider.post(f"{url}/close/", {"price": "1.09"}, format="json"), 404)
    assert_error(
        outsider.post(f"{BASE}/", signal_body(desk), format="json"), 404, "organization_not_found"
    )
    assert_error(
        outsider.get(f"{BASE}/", {"organization": str(desk.org.pk)}),
        403,
        "signals_subscription_required",
    )
    # Their own academy's list does not show ours.
    mine = outsider.get(f"{BASE}/", {"organization": str(desk.other.pk)})
    assert mine.status_code == 200 and mine.json()["results"] == []
    assert Signal.objects.get(pk=signal["id"]).note == "Cassure de la résistance H4."


def test_bad_input_changes_nothing(desk):
    staff = desk.clients["instructor"]
    signal = publish(desk)
    before = (Signal.objects.count(), SignalUpdate.objects.count(), Notification.objects.count())
    bad_bodies = [
        (signal_body(desk, stop_loss="1.09000"), "signal_levels_invalid"),
        (signal_body(desk, direction="sell"), "signal_levels_invalid"),
        (signal_body(desk, tp1=None), "signal_levels_invalid"),  # TP2 without TP1
        (signal_body(desk, tp2="1.08700"), "signal_levels_invalid"),  # TP2 before TP1
        (signal_body(desk, instrument="E"), "invalid"),
        (signal_body(desk, instrument="X" * 21), "invalid"),
        (signal_body(desk, direction="long"), "invalid"),
        (signal_body(desk, entry="-1"), "invalid"),
        (signal_body(desk, entry="abc"), "invalid"),
        (signal_body(desk, note="x" * 2001), "invalid"),
        (signal_body(desk, leverage=100), "invalid"),
    ]
    for body, code in bad_bodies:
        assert_error(staff.post(f"{BASE}/", body, format="json"), 400, code)
    url = f"{BASE}/{signal['id']}"
    assert_error(staff.post(f"{url}/close/", {}, format="json"), 400, "invalid")
    assert_error(
        staff.post(f"{url}/updates/", {"kind": "closed"}, format="json"),
        400,
        "signal_price_required",
    )
    assert_error(
        staff.post(f"{url}/updates/", {"kind": "sl_moved"}, format="json"),
        400,
        "signal_price_required",
    )
    assert_error(
        staff.post(f"{url}/updates/", {"kind": "tp3_hit"}, format="json"),
        400,
        "signal_levels_invalid",
    )
    assert_error(staff.post(f"{url}/updates/", {"kind": "edited"}, format="json"), 400, "invalid")
    assert_error(
        staff.patch(f"{url}/", {"tp2": "1.08000"}, format="json"), 400, "signal_levels_invalid"
    )
    assert_error(staff.patch(f"{url}/", {"status": "closed"}, format="json"), 400, "invalid")
    assert_error(desk.clients["member"].get(f"{BASE}/", {"organization": "nope"}), 400, "invalid")
    assert (
        Signal.objects.count(),
        SignalUpdate.objects.count(),
        Notification.objects.count(),
    ) == before
    assert Signal.objects.get(pk=signal["id"]).status == "open"
