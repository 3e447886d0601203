"""Lists that load only part of the models they join (``teranga.core.db.related_only``):
a field their answer reads but the list did not load would cost a query per row. Each
list answers 1 and 6 items with the same number of queries, and shows the joined
fields it promises."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import authed_client
from teranga.platform.invoicing.services.invoices import invoice_issue
from teranga.platform.invoicing.tests.factories import buyer_user, fr_seller, manager_of
from teranga.platform.messaging.models import ConversationKind
from teranga.platform.messaging.services.conversations import conversation_create
from teranga.platform.messaging.services.messages import message_send
from teranga.platform.organizations.tests.factories import user
from teranga.platform.scheduling.models import BookingStatus
from teranga.products.booking.tests.factories import ServiceFactory
from teranga.products.booking.tests.test_stats import reservation
from teranga.products.smartqueue.services.tickets import ticket_issue
from teranga.products.smartqueue.tests.factories import (
    BankFactory,
    DakarBranchFactory,
    QueueFactory,
    QueueServiceFactory,
)

pytestmark = pytest.mark.django_db


def queries_of(client, url: str):
    client.get(url)  # caches, first-use imports
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries), response.json()


def same_queries_for_1_and_6(client, url: str, add_five) -> dict:
    one, _ = queries_of(client, url)
    add_five()
    six, body = queries_of(client, url)
    assert len(body["results"]) == 6
    assert one == six, f"{url}: {one} queries for 1 item, {six} for 6"
    return body


def test_reservations(make_user):
    client_user = make_user("client@example.com", first_name="Awa", phone="+221771234567")
    service = ServiceFactory(name="Coupe", rules=False)
    start = timezone.now() + timedelta(days=1)
    reservation(service, start, BookingStatus.CONFIRMED, client=client_user)
    client = authed_client(client_user)

    def add_five():
        for n in range(1, 6):
            reservation(
                service, start + timedelta(days=n), BookingStatus.CONFIRMED, client=client_user
            )

    body = same_queries_for_1_and_6(client, "/api/v1/booking/reservations/", add_five)
    row = body["results"][0]
    assert row["service"]["name"] == "Coupe"
    assert row["organization"]["slug"] == service.organization.slug
    assert row["client"]["first_name"] == "Awa"
    assert row["client"]["phone"] == "+221771234567"


def test_invoices():
    seller = fr_seller()
    manager = manager_of(seller)
    buyer = buyer_user()

    def issue():
        return invoice_issue(
            actor=manager,
            organization=seller,
            buyer={"name": "Awa Diop", "country": "SN", "user": str(buyer.pk)},
            lines=[{"description": "Formation", "quantity": 1, "unit_price": 10000}],
        )

    issue()
    client = authed_client(manager)
    body = same_queries_for_1_and_6(
        client,
        f"/api/v1/invoices/?organization={seller.pk}",
        lambda: [issue() for _ in range(5)],
    )
    assert body["results"][0]["organization"]["name"] == seller.name


def test_smartqueue_tickets_of_an_organization():
    bank = BankFactory()
    branch = DakarBranchFactory(organization=bank, name="Agence Plateau")
    service = QueueServiceFactory(organization=bank, name="Opérations")
    queue = QueueFactory(organization=bank, branch=branch, service=service, prefix="A")
    ticket_issue(queue=queue, channel="kiosk", check_open=False)
    from teranga.platform.organizations.models import Role
    from teranga.platform.organizations.tests.factories import member

    agent = member(bank, Role.AGENT)
    client = authed_client(agent)
    body = same_queries_for_1_and_6(
        client,
        f"/api/v1/smartqueue/tickets/?organization={bank.pk}",
        lambda: [ticket_issue(queue=queue, channel="kiosk", check_open=False) for _ in range(5)],
    )
    row = body["results"][0]
    assert row["branch"]["name"] == "Agence Plateau"
    assert row["queue"]["prefix"] == "A"
    assert row["service"]["name"] == "Opérations"
    assert row["organization"]["name"] == bank.name


def test_conversations(make_user):
    me = make_user("me@example.com", first_name="Awa")

    def talk(n: int):
        friend = user(first_name=f"Ami{n}", last_name="Diop")
        conversation, _ = conversation_create(
            creator=me, kind=ConversationKind.PRIVATE, user_id=friend.pk
        )
        message_send(
            sender=friend, conversation_id=conversation.pk, body=f"Salut {n}", client_id=f"c{n}"
        )

    talk(0)
    client = authed_client(me)
    body = same_queries_for_1_and_6(
        client, "/api/v1/conversations/", lambda: [talk(n) for n in range(1, 6)]
    )
    row = body["results"][0]
    assert row["peers"][0]["name"].startswith("Ami")
    assert row["last_message"]["sender"]["name"].startswith("Ami")
    assert row["participant_count"] == 2
    assert row["unread"] == 1
