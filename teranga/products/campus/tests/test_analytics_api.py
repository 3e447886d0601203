"""Organiser analytics over HTTP: one event's figures (views, unique viewers, favourites,
tickets and revenue by type, revenue net of refunds from the payments, check-in rate,
reviews, conversion, daily series) and the organiser's dashboard (totals, revenue by
period, the organiser's rating, top events with theirs); permissions, isolation, bad
input, and a fixed number of queries."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.payments.models import Payment
from teranga.products.campus.models import (
    CheckinList,
    EventFavourite,
    EventView,
    Order,
    OrderStatus,
    Review,
    Scan,
    ScanDirection,
    ScanResult,
    TicketStatus,
)

from .factories import EventFactory, TicketTypeFactory, issued_ticket

pytestmark = pytest.mark.django_db


def paid(order: Order, *, amount: int, refunded: int = 0, when=None) -> Payment:
    """The payment of ``order`` as the platform records it once it succeeded (and a
    refund of ``refunded`` once that refund succeeded)."""
    when = when or timezone.now()
    status = (
        "succeeded"
        if not refunded
        else ("refunded" if refunded == amount else "partially_refunded")
    )
    return Payment.objects.create(
        organization_id=order.organization_id,
        payer=order.buyer,
        target_type="campus.order",
        target_id=str(order.pk),
        description="Billets",
        subtotal_amount=amount,
        amount=amount,
        currency=order.currency,
        refunded_amount=refunded,
        provider="sandbox",
        status=status,
        expires_at=when + timedelta(minutes=10),
        succeeded_at=when,
    )


def view(event, viewer: str, day: date):
    EventView.objects.create(event=event, viewer=viewer, day=day)
    type(event).objects.filter(pk=event.pk).update(views_count=event.views_count + 1)
    event.views_count += 1


def scan(ticket, checkin_list, *, result=ScanResult.VALID, direction=ScanDirection.ENTRY):
    return Scan.objects.create(
        checkin_list=checkin_list,
        ticket=ticket,
        code=ticket.code,
        direction=direction,
        result=result,
        scanned_at=timezone.now(),
    )


def review(event, rating: int, *, author=None, reports: int = 0, hidden: bool = False):
    """A review of ``event`` as the reviews services store it (``reports`` reports so
    far; ``hidden``: hidden pending moderation)."""
    return Review.objects.create(
        event=event,
        organization_id=event.organization_id,
        author=author or create_user(f"reviewer-{uuid4().hex[:8]}@ucad.test"),
        rating=rating,
        reports_count=reports,
        hidden_at=timezone.now() if hidden else None,
    )


@pytest.fixture
def sold(campus):
    """An event of the university: two types, four tickets (one refunded), payments (one
    partly refunded, one unrelated), views over two days, two favourites, two tickets
    scanned in (one of them twice, on two lists) and one refused scan."""
    event = EventFactory(organization=campus.university, title="Hackathon")
    student = TicketTypeFactory(event=event, name="Étudiant", price=2000, quota=100, position=0)
    vip = TicketTypeFactory(event=event, name="VIP", price=10000, quota=10, position=1)
    buyers = [create_user(f"buyer{i}@ucad.test") for i in range(3)]
    t1 = issued_ticket(student, buyers[0])
    t2 = issued_ticket(student, buyers[1])
    t3 = issued_ticket(vip, buyers[2])
    t4 = issued_ticket(student, buyers[2])
    type(t4).objects.filter(pk=t4.pk).update(status=TicketStatus.REFUNDED)
    Order.objects.filter(pk=t4.order_id).update(status=OrderStatus.REFUNDED)
    paid(t1.order, amount=2000)
    paid(t2.order, amount=1500)  # a coupon took 500
    paid(t3.order, amount=10000, refunded=4000)
    paid(t4.order, amount=2000, refunded=2000)
    # Another event's order and a payment of another kind: not counted.
    other_event = EventFactory(organization=campus.university, title="Conférence")
    other = issued_ticket(TicketTypeFactory(event=other_event), buyers[0])
    paid(other.order, amount=7777)
    Payment.objects.create(
        organization=campus.university,
        target_type="campus.other",
        target_id=str(t1.order_id),
        description="x",
        subtotal_amount=999,
        amount=999,
        currency="XOF",
        provider="sandbox",
        status="succeeded",
        expires_at=timezone.now(),
    )
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    for viewer, day in (
        ("a", yesterday),
        ("b", yesterday),
        ("a", today),
        ("c", today),
        ("d", today),
        ("e", today),
    ):
        view(event, viewer, day)
    for user in (campus.student, campus.student2):
        EventFavourite.objects.create(event=event, user=user)
    type(event).objects.filter(pk=event.pk).update(favourites_count=2)
    door = CheckinList.objects.create(event=event, organization=campus.university, name="Porte A")
    back = CheckinList.objects.create(event=event, organization=campus.university, name="Porte B")
    scan(t1, door)
    scan(t1, back)
    scan(t3, door)
    scan(t2, door, result=ScanResult.NOT_ON_LIST)
    scan(t4, door)  # refunded since: not a valid ticket any more
    event.refresh_from_db()
    return event


def test_event_analytics(campus, sold):
    response = campus.clients["manager"].get(f"/api/v1/campus/events/{sold.pk}/analytics/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["event"]["id"] == str(sold.pk)
    assert body["views"] == 6
    assert body["unique_viewers"] == 5
    assert body["favourites"] == 2
    assert body["tickets_sold"] == 3
    assert [(t["name"], t["sold"], t["revenue"]["amount"]) for t in body["ticket_types"]] == [
        ("Étudiant", 2, 4000),
        ("VIP", 1, 10000),
    ]
    # 2000 + 1500 + (10000 - 4000) + (2000 - 2000)
    assert body["revenue"] == {
        "amount": 9500,
        "currency": "XOF",
        "display": body["revenue"]["display"],
    }
    assert body["checked_in"] == 2
    assert body["checkin_rate"] == round(2 / 3, 4)
    assert body["buyers"] == 3  # of paid orders (buyer 2's refunded one left out)
    assert body["conversion_rate"] == round(3 / 5, 4)
    # No review yet: a null average, every star listed.
    assert body["reviews"] == {
        "average": None,
        "count": 0,
        "distribution": [{"rating": n, "count": 0} for n in range(1, 6)],
        "reported": 0,
        "hidden": 0,
    }
    daily = {row["date"]: row for row in body["daily"]}
    assert len(body["daily"]) == 30
    today = timezone.localdate().isoformat()
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert daily[today]["views"] == 4 and daily[yesterday]["views"] == 2
    assert daily[today]["tickets"] == 3


def test_event_analytics_reviews(campus, sold):
    """Shown reviews make the count, the average and the distribution (hidden ones left
    out, as on the organiser's public rating); reported and hidden are counted apart;
    another event's reviews do not count."""
    for rating in (5, 4, 4):
        review(sold, rating)
    review(sold, 2, reports=1)  # reported once, still shown
    review(sold, 1, reports=3, hidden=True)  # hidden pending moderation
    review(EventFactory(organization=campus.university), 1)
    url = f"/api/v1/campus/events/{sold.pk}/analytics/"
    body = campus.clients["manager"].get(url).json()["reviews"]
    assert body["count"] == 4
    assert body["average"] == round((5 + 4 + 4 + 2) / 4, 2)
    assert body["distribution"] == [
        {"rating": 1, "count": 0},
        {"rating": 2, "count": 1},
        {"rating": 3, "count": 0},
        {"rating": 4, "count": 2},
        {"rating": 5, "count": 1},
    ]
    assert body["reported"] == 2 and body["hidden"] == 1
    # The same rule as the organiser's public rating (one function serves both): its
    # shown reviews of every event, the other event's 1 included, the hidden one not.
    public = campus.clients["student"].get(
        f"/api/v1/campus/organizers/{campus.university.pk}/rating/"
    )
    assert public.status_code == 200, public.content
    assert public.json()["average"] == round((5 + 4 + 4 + 2 + 1) / 5, 2)
    assert public.json()["count"] == 5


def test_event_analytics_range_and_bad_input(campus, sold):
    client = campus.clients["manager"]
    url = f"/api/v1/campus/events/{sold.pk}/analytics/"
    today = timezone.localdate()
    body = client.get(
        url, {"from": (today - timedelta(days=1)).isoformat(), "to": today.isoformat()}
    ).json()
    assert [row["views"] for row in body["daily"]] == [2, 4]
    for params in (
        {"from": "2026-13-01"},
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"from": "2025-01-01", "to": "2026-06-01"},
        {"bogus": "1"},
    ):
        response = client.get(url, params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid"


def test_event_analytics_permissions(campus, sold):
    url = f"/api/v1/campus/events/{sold.pk}/analytics/"
    # Another organisation's manager, a student: 404; an agent (below manager): 403.
    for name in ("other_manager", "student"):
        response = campus.clients[name].get(url)
        assert response.status_code == 404, name
        assert response.json()["error"]["code"] == "event_not_found"
    assert campus.clients["agent"].get(url).status_code == 403
    staff = create_user("staff@teranga.test", is_staff=True)
    assert authed_client(staff).get(url).status_code == 200
    assert campus.clients["manager"].get("/api/v1/campus/events/nope/analytics/").status_code == 404


def test_event_analytics_has_a_fixed_number_of_queries(campus, sold, django_assert_num_queries):
    client = campus.clients["manager"]
    url = f"/api/v1/campus/events/{sold.pk}/analytics/"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    # Many more types, tickets, payments and views: the same number of queries.
    for i in range(6):
        more = TicketTypeFactory(event=sold, name=f"T{i}", quota=50)
        for j in range(3):
            ticket = issued_ticket(more, create_user(f"m{i}-{j}@ucad.test"))
            paid(ticket.order, amount=2000)
            EventView.objects.create(event=sold, viewer=f"v{i}-{j}", day=timezone.localdate())
            review(sold, 1 + (i + j) % 5, hidden=j == 2)
    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get(url)
    assert response.json()["tickets_sold"] == 3 + 18
    assert response.json()["reviews"]["count"] == 12


def test_dashboard(campus, sold):
    # A second, smaller event and a draft (left out).
    small = EventFactory(organization=campus.university, title="Atelier")
    ticket = issued_ticket(TicketTypeFactory(event=small, price=500), campus.student)
    paid(ticket.order, amount=500)
    EventFactory(organization=campus.university, title="Brouillon", status="draft")
    review(sold, 5)
    review(sold, 4)
    review(sold, 1, reports=3, hidden=True)
    review(small, 2)
    client = campus.clients["manager"]
    response = client.get("/api/v1/campus/dashboard/", {"organization": str(campus.university.pk)})
    assert response.status_code == 200, response.content
    body = response.json()
    # By default: the last 30 days and the next 30 (the events start in three days).
    assert body["totals"]["events"] == 3
    assert len(body["revenue_by_period"]) == 60
    today = timezone.localdate()
    params = {
        "organization": str(campus.university.pk),
        "from": (today - timedelta(days=6)).isoformat(),
        "to": (today + timedelta(days=6)).isoformat(),
    }
    body = client.get("/api/v1/campus/dashboard/", params).json()
    totals = body["totals"]
    # Events: Hackathon, Atelier, and the event of the "other" order (same organiser).
    assert totals["events"] == 3
    assert totals["tickets_sold"] == 3 + 1 + 1
    assert totals["revenue"]["amount"] == 9500 + 500 + 7777
    assert totals["views"] == 6
    assert totals["favourites"] == 2
    assert totals["checked_in"] == 2
    assert totals["checkin_rate"] == round(2 / 5, 4)
    periods = {row["period"]: row for row in body["revenue_by_period"]}
    assert len(body["revenue_by_period"]) == 13
    assert periods[today.isoformat()]["revenue"]["amount"] == 9500 + 500 + 7777
    assert periods[today.isoformat()]["tickets"] == 5
    assert [e["title"] for e in body["top_events"]] == ["Hackathon", "Conférence", "Atelier"]
    assert body["top_events"][0]["tickets_sold"] == 3
    assert body["top_events"][0]["revenue"]["amount"] == 9500
    # The organiser's public rating; each top event's own (hidden reviews left out).
    assert body["rating"] == {"average": round((5 + 4 + 2) / 3, 2), "count": 3}
    rows = {e["title"]: e for e in body["top_events"]}
    assert (rows["Hackathon"]["rating_average"], rows["Hackathon"]["reviews_count"]) == (4.5, 2)
    assert (rows["Atelier"]["rating_average"], rows["Atelier"]["reviews_count"]) == (2.0, 1)
    assert (rows["Conférence"]["rating_average"], rows["Conférence"]["reviews_count"]) == (None, 0)
    by_revenue = client.get(
        "/api/v1/campus/dashboard/", {**params, "top_by": "revenue", "top": 2}
    ).json()
    assert [e["revenue"]["amount"] for e in by_revenue["top_events"]] == [9500, 7777]
    monthly = client.get("/api/v1/campus/dashboard/", {**params, "period": "month"}).json()
    assert sum(p["revenue"]["amount"] for p in monthly["revenue_by_period"]) == 9500 + 500 + 7777
    assert (
        monthly["revenue_by_period"][0]["period"]
        == (today - timedelta(days=6)).replace(day=1).isoformat()
    )
    weekly = client.get("/api/v1/campus/dashboard/", {**params, "period": "week"}).json()
    assert all(date.fromisoformat(p["period"]).weekday() == 0 for p in weekly["revenue_by_period"])


def test_dashboard_permissions_and_bad_input(campus, sold):
    url = "/api/v1/campus/dashboard/"
    org = str(campus.university.pk)
    assert campus.clients["other_manager"].get(url, {"organization": org}).status_code == 404
    assert campus.clients["student"].get(url, {"organization": org}).status_code == 404
    assert campus.clients["agent"].get(url, {"organization": org}).status_code == 403
    # The club's admin sees the club's dashboard, not the university's.
    assert (
        campus.clients["club_admin"].get(url, {"organization": str(campus.club.pk)}).status_code
        == 200
    )
    assert campus.clients["club_admin"].get(url, {"organization": org}).status_code == 404
    manager = campus.clients["manager"]
    for params in (
        {},
        {"organization": "nope"},
        {"organization": org, "period": "year"},
        {"organization": org, "top_by": "views"},
        {"organization": org, "top": "0"},
        {"organization": org, "from": "2026-02-01", "to": "2026-01-01"},
    ):
        response = manager.get(url, params)
        assert response.status_code == 400, params
        assert response.json()["error"]["code"] == "invalid"
    member = create_user("member@ucad.test")
    Membership.objects.create(organization=campus.university, user=member, role=Role.MEMBER)
    assert authed_client(member).get(url, {"organization": org}).status_code == 403


def test_dashboard_has_a_fixed_number_of_queries(campus, sold, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = campus.clients["manager"]
    today = timezone.localdate()
    params = {
        "organization": str(campus.university.pk),
        "from": (today - timedelta(days=30)).isoformat(),
        "to": (today + timedelta(days=30)).isoformat(),
        "top": 20,
    }
    client.get("/api/v1/campus/dashboard/", params)
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/campus/dashboard/", params)
    for i in range(8):
        event = EventFactory(organization=campus.university)
        for j in range(2):
            ticket = issued_ticket(
                TicketTypeFactory(event=event), create_user(f"d{i}-{j}@ucad.test")
            )
            paid(ticket.order, amount=1000)
            review(event, 3 + j)
    with django_assert_num_queries(len(before.captured_queries)):
        response = client.get("/api/v1/campus/dashboard/", params)
    assert response.json()["totals"]["events"] == 2 + 8
    assert response.json()["rating"] == {"average": 3.5, "count": 16}
