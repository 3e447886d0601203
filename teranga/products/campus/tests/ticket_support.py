"""Helpers of the ticket tests: events and ticket types of the ``campus`` fixture's
university, orders through the API, and paying them with the sandbox provider (the
payer's choice on its hosted page, then its signed webhook, as in production)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from .factories import EventFactory, TicketTypeFactory


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def event_of(campus, **fields):
    """A published public event of the university, in three days."""
    fields.setdefault("organization", campus.university)
    return EventFactory(**fields)


def paid_type(event, **fields):
    fields.setdefault("price", 2000)
    fields.setdefault("quota", 100)
    return TicketTypeFactory(event=event, **fields)


def free_type(event, **fields):
    fields.setdefault("quota", 100)
    return TicketTypeFactory(event=event, kind="free", price=0, **fields)


def order(client, event, *lines):
    """``lines``: (ticket type, quantity) pairs."""
    return client.post(
        "/api/v1/campus/orders/",
        {
            "event": str(event.pk),
            "lines": [{"ticket_type": str(t.pk), "quantity": q} for t, q in lines],
        },
        format="json",
    )


def pay(client, order_id, **extra):
    return client.post(
        "/api/v1/payments/",
        {"target_type": "campus.order", "target_id": str(order_id), "provider": "sandbox", **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"campus-{uuid.uuid4().hex}",
    )


def press(payment_id, outcome: str = "succeeded"):
    """The payer's choice on the sandbox's hosted page."""
    browser = Client()
    page = browser.get(f"/pay/sandbox/{payment_id}/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1)
    return browser.post(
        f"/pay/sandbox/{payment_id}/", {"outcome": outcome, "csrfmiddlewaretoken": token.decode()}
    )


def buy(client, event, *lines, capture):
    """Order and pay with the sandbox: the order's id and its payment's id."""
    with capture(execute=True):
        response = order(client, event, *lines)
        assert response.status_code == 201, response.content
        order_id = response.json()["id"]
        payment = pay(client, order_id)
        assert payment.status_code == 201, payment.content
    with capture(execute=True):
        press(payment.json()["id"])
    return order_id, payment.json()["id"]


def later(minutes: float):
    return timezone.now() + timedelta(minutes=minutes)
