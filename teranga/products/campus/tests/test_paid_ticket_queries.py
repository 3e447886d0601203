"""What one paid ticket costs in SQL, step by step (the on-sale rush: issue 17): the order,
the payment, and the payer's "succeeded" on the sandbox's page, which runs the webhook,
the fulfilment (ticket, invoice) and the notifications' deliveries. The budgets are the
counts measured once the per-ticket work was cut; a change that adds a query to this
path has to raise them on purpose."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.platform.invoicing.models import Invoice
from teranga.platform.notifications.models import DeliveryStatus, NotificationDelivery
from teranga.platform.payments.models import Payment
from teranga.products.campus.models import Order, Ticket

from .ticket_support import event_of, order, paid_type, pay, press

# Measured in the tests' transaction (a service's transaction is a savepoint there); before
# the cut the same test counted 14, 27 and 146.
ORDER_BUDGET = 14
PAYMENT_BUDGET = 24
SANDBOX_PAY_BUDGET = 107


def test_a_paid_ticket_stays_within_its_query_budget(
    campus, settings, django_capture_on_commit_callbacks
):
    settings.INVOICING_RENDER_ON_ISSUE = False  # the PDF is not what is counted
    event = event_of(campus, capacity=50)
    standard = paid_type(event, price=2000)
    client = campus.clients["student"]  # logged in before counting
    # Each step's after-commit work (the tasks run inline in tests) counts with it.
    with (
        CaptureQueriesContext(connection) as ordered,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = order(client, event, (standard, 1))
    assert response.status_code == 201, response.content
    order_id = response.json()["id"]
    with (
        CaptureQueriesContext(connection) as paying,
        django_capture_on_commit_callbacks(execute=True),
    ):
        payment = pay(client, order_id)
    assert payment.status_code == 201, payment.content
    with (
        CaptureQueriesContext(connection) as settled,
        django_capture_on_commit_callbacks(execute=True),
    ):
        press(payment.json()["id"])

    # The whole path did everything it does.
    assert Order.objects.get(pk=order_id).status == "paid"
    assert Ticket.objects.filter(order_id=order_id, status="valid").count() == 1
    paid = Payment.objects.get(pk=payment.json()["id"])
    assert paid.status == "succeeded"
    assert Invoice.objects.filter(payment=paid).count() == 1
    deliveries = NotificationDelivery.objects.filter(notification__recipient=campus.student)
    assert deliveries.exists()
    assert not deliveries.filter(status=DeliveryStatus.QUEUED).exists()

    counts = (len(ordered), len(paying), len(settled))
    assert counts[0] <= ORDER_BUDGET, ordered.captured_queries
    assert counts[1] <= PAYMENT_BUDGET, paying.captured_queries
    assert counts[2] <= SANDBOX_PAY_BUDGET, settled.captured_queries
