"""Orders over HTTP: a cart holds its seats 10 minutes, is paid with the sandbox provider
(coupons through the payment), issues its tickets; free orders are paid at once; lapsed
holds free their seats; nothing is oversold; others' orders are 404."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import authed_client, create_user
from teranga.core.errors import Conflict
from teranga.core.holds import holds_expire
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.models import Membership, Role
from teranga.platform.payments.models import Coupon, Payment, Refund
from teranga.products.campus.models import (
    Event,
    EventVisibility,
    Order,
    SharedQuota,
    Ticket,
    TicketType,
)
from teranga.products.campus.services import orders as order_services

from .ticket_support import assert_error, buy, event_of, free_type, order, paid_type, pay, press


def counters(ticket_type):
    ticket_type.refresh_from_db()
    event = Event.objects.get(pk=ticket_type.event_id)
    return ticket_type.taken, ticket_type.sold, event.taken, event.sold_count


def test_a_paid_order_holds_its_seats_then_issues_tickets_when_paid(
    campus, django_capture_on_commit_callbacks
):
    event = event_of(campus, capacity=50)
    standard = paid_type(event, price=2500)
    client = campus.clients["student"]
    response = order(client, event, (standard, 2))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["total"] == 5000 and body["currency"] == "XOF"
    assert body["payable_type"] == "campus.order" and body["tickets"] == []
    assert body["lines"] == [
        {
            "ticket_type": str(standard.pk),
            "ticket_type_name": standard.name,
            "quantity": 2,
            "unit_price": 2500,
        }
    ]
    held_until = Order.objects.get(pk=body["id"]).hold_expires_at
    assert timedelta(minutes=9) < held_until - timezone.now() <= timedelta(minutes=10)
    assert counters(standard) == (2, 0, 2, 0)

    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(client, body["id"])
    assert payment.status_code == 201, payment.content
    assert payment.json()["total"]["amount"] == 5000
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.json()["id"])

    detail = client.get(f"/api/v1/campus/orders/{body['id']}/").json()
    assert detail["status"] == "paid" and detail["paid_at"]
    assert len(detail["tickets"]) == 2
    tickets = Ticket.objects.filter(order_id=body["id"])
    assert {t.holder_id for t in tickets} == {campus.student.pk}
    assert all(len(t.code) == 20 and t.price == 2500 for t in tickets)
    assert counters(standard) == (2, 2, 2, 2)
    issued = Notification.objects.filter(recipient=campus.student, kind="campus.ticket_issued")
    assert issued.count() == 2
    assert all("/o/campus.ticket/" in n.link for n in issued)
    # Paid once: a second payment is refused.
    assert pay(client, body["id"]).status_code == 409


def test_a_free_order_is_paid_at_once(campus, django_capture_on_commit_callbacks):
    event = event_of(campus)
    free = free_type(event)
    with django_capture_on_commit_callbacks(execute=True):
        response = order(campus.clients["student"], event, (free, 3))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "paid" and body["total"] == 0 and len(body["tickets"]) == 3
    assert counters(free) == (3, 3, 3, 3)
    assert not Payment.objects.exists()


def test_a_coupon_applies_through_the_payment(campus, django_capture_on_commit_callbacks):
    event = event_of(campus)
    standard = paid_type(event, price=5000)
    Coupon.objects.create(
        organization=campus.university,
        code="TABASKI",
        kind="percent",
        percent_off=20,
        scope_type="campus.ticket_type",
        scope_id=str(standard.pk),
    )
    client = campus.clients["student"]
    order_id = order(client, event, (standard, 1)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = pay(client, order_id, coupon_codes=["tabaski"])
    assert response.status_code == 201, response.content
    assert response.json()["total"]["amount"] == 4000
    assert response.json()["discount"]["amount"] == 1000
    with django_capture_on_commit_callbacks(execute=True):
        press(response.json()["id"])
    assert Order.objects.get(pk=order_id).status == "paid"
    assert Ticket.objects.get(order_id=order_id).price == 5000


def test_tiered_prices_follow_the_seats_sold(campus, django_capture_on_commit_callbacks):
    event = event_of(campus)
    tiered = paid_type(
        event,
        kind="tiered",
        price=3000,
        quota=10,
        tiers=[{"up_to": 2, "price": 1000}, {"up_to": 4, "price": 2000}],
    )
    client = campus.clients["student"]
    prices = []
    for _round in range(3):
        order_id, _payment = buy(
            client, event, (tiered, 2), capture=django_capture_on_commit_callbacks
        )
        prices.append(Order.objects.get(pk=order_id).lines.get().unit_price)
    assert prices == [1000, 2000, 3000]


def test_sold_out_changes_nothing(campus):
    event = event_of(campus, capacity=3)
    standard = paid_type(event, quota=10)
    assert order(campus.clients["student"], event, (standard, 3)).status_code == 201
    assert_error(order(campus.clients["student2"], event, (standard, 1)), 409, "sold_out")
    assert counters(standard) == (3, 0, 3, 0)
    assert Order.objects.count() == 1


def test_a_shared_quota_limits_its_types_together(campus):
    event = event_of(campus)
    students = paid_type(event, quota=10)
    staff = paid_type(event, quota=10)
    quota = SharedQuota.objects.create(event=event, name="Salle", size=4)
    quota.ticket_types.set([students, staff])
    assert order(campus.clients["student"], event, (students, 3)).status_code == 201
    assert_error(order(campus.clients["student2"], event, (staff, 2)), 409, "sold_out")
    assert order(campus.clients["student2"], event, (staff, 1)).status_code == 201
    quota.refresh_from_db()
    assert quota.taken == 4
    assert counters(staff)[0] == 1 and counters(students)[0] == 3


def test_a_lapsed_hold_frees_its_seats_and_refuses_payment(
    campus, django_capture_on_commit_callbacks
):
    event = event_of(campus, capacity=2)
    standard = paid_type(event)
    client = campus.clients["student"]
    order_id = order(client, event, (standard, 2)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        payment_id = pay(client, order_id).json()["id"]
    assert_error(order(campus.clients["student2"], event, (standard, 1)), 409, "sold_out")
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        # Before the job runs, a lapsed hold is already refused (a fresh login: the
        # access token of 11 minutes ago has expired too).
        assert_error(pay(authed_client(campus.student), order_id), 410, "hold_expired")
        with django_capture_on_commit_callbacks(execute=True):
            counts = holds_expire(kinds=["campus.order"])
            # The payer confirms on the provider's page after the hold ran out.
            press(payment_id)
    assert counts == {"campus.order": 1}
    assert Order.objects.get(pk=order_id).status == "expired"
    assert counters(standard) == (0, 0, 0, 0)
    assert not Ticket.objects.exists()
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == "refunded", payment.status
    assert Refund.objects.get(payment=payment).automatic
    assert order(authed_client(campus.student2), event, (standard, 2)).status_code == 201


def test_cancel_a_pending_order_gives_its_seats_back(campus):
    event = event_of(campus)
    standard = paid_type(event)
    client = campus.clients["student"]
    order_id = order(client, event, (standard, 4)).json()["id"]
    stranger = campus.clients["student2"]
    assert_error(stranger.post(f"/api/v1/campus/orders/{order_id}/cancel/"), 404, "order_not_found")
    response = client.post(f"/api/v1/campus/orders/{order_id}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert counters(standard) == (0, 0, 0, 0)
    assert_error(
        client.post(f"/api/v1/campus/orders/{order_id}/cancel/"), 409, "not_awaiting_payment"
    )


def test_freed_seats_go_to_the_waiting_list_first(campus, monkeypatch):
    event = event_of(campus)
    standard = paid_type(event)
    calls = []

    def seats_freed(*, ticket_type, count, now):
        calls.append((ticket_type.pk, count, TicketType.objects.get(pk=ticket_type.pk).taken))
        return 1  # one seat kept for an offer

    monkeypatch.setattr(order_services, "waitlist_seats_freed", seats_freed)
    client = campus.clients["student"]
    order_id = order(client, event, (standard, 3)).json()["id"]
    assert client.post(f"/api/v1/campus/orders/{order_id}/cancel/").status_code == 200
    # Called before the seats were given back; the offer keeps one of them.
    assert calls == [(standard.pk, 3, 3)]
    assert counters(standard) == (1, 0, 1, 0)


@pytest.mark.parametrize(
    ("lines", "status", "code"),
    [
        (lambda t, o: [], 400, "invalid"),
        (lambda t, o: [(t, 11)], 400, "invalid"),
        (lambda t, o: [(t, 1), (t, 1)], 400, "invalid"),
        (lambda t, o: [(o, 1)], 404, "ticket_type_not_found"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(campus, lines, status, code):
    event = event_of(campus)
    standard = paid_type(event)
    elsewhere = paid_type(event_of(campus))
    assert_error(order(campus.clients["student"], event, *lines(standard, elsewhere)), status, code)
    assert not Order.objects.exists()
    assert counters(standard) == (0, 0, 0, 0)


def test_per_type_maximum(campus):
    event = event_of(campus)
    limited = paid_type(event, max_per_order=2)
    assert_error(order(campus.clients["student"], event, (limited, 3)), 400, "too_many_tickets")
    response = campus.clients["student"].post(
        "/api/v1/campus/orders/",
        {"event": str(event.pk), "lines": [], "coupon": "x"},
        format="json",
    )
    assert_error(response, 400, "invalid")


def test_sales_window_event_state_and_verification(campus):
    client = campus.clients["student"]
    event = event_of(campus)
    closed = paid_type(event, sales_start=timezone.now() + timedelta(days=1))
    inactive = paid_type(event, is_active=False)
    assert_error(order(client, event, (closed, 1)), 409, "sales_closed")
    assert_error(order(client, event, (inactive, 1)), 409, "sales_closed")
    started = event_of(
        campus,
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    assert_error(order(client, started, (paid_type(started), 1)), 409, "event_started")
    cancelled = event_of(campus, status="cancelled")
    assert_error(order(client, cancelled, (paid_type(cancelled), 1)), 409, "event_cancelled")
    verified = event_of(campus, requires_verified_student=True)
    assert_error(
        order(client, verified, (paid_type(verified), 1)), 403, "verified_student_required"
    )
    draft = event_of(campus, status="draft")
    assert_error(order(client, draft, (paid_type(draft), 1)), 404, "event_not_found")
    assert not Order.objects.exists()


def test_an_event_the_buyer_cannot_see_is_404(campus):
    event = event_of(campus, visibility=EventVisibility.UNIVERSITY)
    standard = paid_type(event)
    assert_error(order(campus.clients["outsider"], event, (standard, 1)), 404, "event_not_found")
    assert order(campus.clients["student"], event, (standard, 1)).status_code == 201
    response = campus.clients["student"].post(
        "/api/v1/campus/orders/",
        {"event": str(uuid.uuid4()), "lines": [{"ticket_type": str(standard.pk), "quantity": 1}]},
        format="json",
    )
    assert_error(response, 404, "event_not_found")


def test_anonymous_is_401(campus, api):
    event = event_of(campus)
    assert (
        api.post(
            "/api/v1/campus/orders/", {"event": str(event.pk), "lines": []}, format="json"
        ).status_code
        == 401
    )
    assert api.get("/api/v1/campus/orders/").status_code == 401


def test_my_orders_and_the_event_staff_list(campus, django_assert_max_num_queries):
    event = event_of(campus)
    standard = paid_type(event)
    other = paid_type(event)
    for _ in range(3):
        order(campus.clients["student"], event, (standard, 1), (other, 1))
    order(campus.clients["student2"], event, (standard, 1))
    mine = campus.clients["student"].get("/api/v1/campus/orders/")
    assert mine.status_code == 200
    assert mine.json()["count"] == 3
    theirs = campus.clients["student2"].get("/api/v1/campus/orders/").json()
    assert theirs["count"] == 1
    assert_error(
        campus.clients["student2"].get(f"/api/v1/campus/orders/{mine.json()['results'][0]['id']}/"),
        404,
        "order_not_found",
    )
    staff = campus.clients["agent"].get(f"/api/v1/campus/events/{event.pk}/orders/")
    assert staff.status_code == 200 and staff.json()["count"] == 4
    assert (
        campus.clients["manager"]
        .get(f"/api/v1/campus/events/{event.pk}/orders/?status=pending")
        .json()["count"]
        == 4
    )
    assert_error(
        campus.clients["manager"].get(f"/api/v1/campus/events/{event.pk}/orders/?status=nope"),
        400,
        "invalid",
    )
    assert_error(
        campus.clients["other_manager"].get(f"/api/v1/campus/events/{event.pk}/orders/"),
        404,
        "event_not_found",
    )
    assert_error(
        campus.clients["student"].get(f"/api/v1/campus/events/{event.pk}/orders/"),
        404,
        "event_not_found",
    )
    plain = create_user("plain@ucad.test")
    Membership.objects.create(organization=campus.university, user=plain, role=Role.MEMBER)
    assert_error(authed_client(plain).get(f"/api/v1/campus/events/{event.pk}/orders/"), 403)
    # Queries do not grow with the page.
    client = campus.clients["manager"]
    client.get(f"/api/v1/campus/events/{event.pk}/orders/")
    with django_assert_max_num_queries(12):
        client.get(f"/api/v1/campus/events/{event.pk}/orders/?page_size=2")
    for _ in range(10):
        order(campus.clients["student2"], event, (other, 1))
    with django_assert_max_num_queries(12):
        assert (
            client.get(f"/api/v1/campus/events/{event.pk}/orders/?page_size=50").json()["count"]
            == 14
        )


def test_an_order_on_a_waiting_list_offer_uses_the_held_seat(campus):
    from teranga.products.campus.models import WaitingListEntry

    event = event_of(campus, capacity=1)
    standard = paid_type(event, quota=1)
    # The waiting list held the last seat for the student (taken, as an offer does).
    TicketType.objects.filter(pk=standard.pk).update(taken=1)
    Event.objects.filter(pk=event.pk).update(taken=1)
    entry = WaitingListEntry.objects.create(
        event=event,
        ticket_type=standard,
        user=campus.student,
        status="offered",
        offered_at=timezone.now(),
        hold_expires_at=timezone.now() + timedelta(minutes=30),
    )
    assert_error(order(campus.clients["student2"], event, (standard, 1)), 409, "sold_out")
    made = order_services.order_create(
        buyer=campus.student, event_id=event.pk, lines=[], offer=entry
    )
    assert made.offer_id == entry.pk and made.total == standard.price
    entry.refresh_from_db()
    assert entry.status == "accepted"
    assert counters(standard) == (1, 0, 1, 0)  # no second seat taken
    with pytest.raises(Conflict) as refused:
        order_services.order_create(buyer=campus.student, event_id=event.pk, lines=[], offer=entry)
    assert refused.value.code == "offer_not_valid"
    # If that order is given up, its seat is freed like any other.
    assert (
        campus.clients["student"].post(f"/api/v1/campus/orders/{made.pk}/cancel/").status_code
        == 200
    )
    assert counters(standard) == (0, 0, 0, 0)


def test_a_full_staff_refund_refunds_the_tickets(campus, django_capture_on_commit_callbacks):
    event = event_of(campus)
    standard = paid_type(event, price=3000)
    order_id, payment_id = buy(
        campus.clients["student"], event, (standard, 2), capture=django_capture_on_commit_callbacks
    )
    assert counters(standard) == (2, 2, 2, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = campus.clients["manager"].post(
            f"/api/v1/payments/{payment_id}/refund/", {"reason": "Doublon"}, format="json"
        )
    assert response.status_code in (200, 201), response.content
    assert Payment.objects.get(pk=payment_id).status == "refunded"
    assert Order.objects.get(pk=order_id).status == "refunded"
    assert set(Ticket.objects.filter(order_id=order_id).values_list("status", flat=True)) == {
        "refunded"
    }
    assert counters(standard) == (0, 0, 0, 0)
