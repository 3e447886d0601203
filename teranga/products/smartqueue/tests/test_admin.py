"""The SmartQueue admin: every changelist and change page loads for a superuser, with
rows; queue actions; a kiosk created here shows its key once."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from teranga.products.smartqueue.models import (
    AgentSession,
    Kiosk,
    Queue,
    ServiceHours,
    SmsUsage,
    Ticket,
    TicketOrder,
    TicketStatus,
    TravelModel,
    UserLocation,
)
from teranga.products.smartqueue.services.kiosks import new_key
from teranga.products.smartqueue.services.tickets import ticket_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(bank):
    user = get_user_model().objects.create_superuser(
        email="root@example.test", password="x-Secret-123"
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rows(bank):
    now = timezone.now()
    ServiceHours.objects.create(
        service=bank.service, weekday=0, opens_at=time(8), closes_at=time(12)
    )
    ticket = ticket_issue(queue=bank.normal, channel="kiosk")
    ticket_issue(queue=bank.normal, channel="mobile", user=bank.users["alice"])
    TicketOrder.objects.create(
        organization=bank.org,
        queue=bank.normal,
        user=bank.users["bob"],
        channel="mobile",
        price_amount=1000,
        currency="XOF",
        hold_expires_at=now + timedelta(minutes=15),
    )
    # A kiosk row (as the admin creates one: the bank's free tier has no kiosks).
    _raw_key, prefix, digest = new_key()
    Kiosk.objects.create(
        organization=bank.org,
        branch=bank.branch,
        name="Borne",
        key_prefix=prefix,
        key_digest=digest,
    )
    UserLocation.objects.create(
        user=bank.users["alice"],
        latitude="14.7",
        longitude="-17.45",
        recorded_at=now,
        expires_at=now + timedelta(hours=1),
    )
    TravelModel.objects.get_or_create(slug="dakar")
    SmsUsage.objects.create(organization=bank.org, month=now.date().replace(day=1), count=3)
    return ticket


MODELS = [
    "queueservice",
    "queue",
    "counter",
    "agentsession",
    "kiosk",
    "ticket",
    "ticketorder",
    "appointment",
    "userlocation",
    "travelmodel",
    "smsusage",
]


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_change_page_load(admin_client, rows, model):
    response = admin_client.get(reverse(f"admin:smartqueue_{model}_changelist"))
    assert response.status_code == 200
    first = apps.get_model("smartqueue", model).objects.first()
    if first is not None:
        change = admin_client.get(reverse(f"admin:smartqueue_{model}_change", args=[first.pk]))
        assert change.status_code == 200
    if model in ("queueservice", "queue", "counter", "kiosk", "travelmodel"):
        assert admin_client.get(reverse(f"admin:smartqueue_{model}_add")).status_code == 200


def test_ticket_page_shows_its_events_and_search(admin_client, rows):
    page = admin_client.get(reverse("admin:smartqueue_ticket_change", args=[rows.pk]))
    assert b"issue" in page.content and rows.code.encode() in page.content
    found = admin_client.get(reverse("admin:smartqueue_ticket_changelist"), {"q": rows.code})
    assert rows.display_number.encode() in found.content
    filtered = admin_client.get(
        reverse("admin:smartqueue_ticket_changelist"), {"status__exact": "waiting"}
    )
    assert filtered.status_code == 200


def test_changelist_queries_do_not_grow(admin_client, bank, django_assert_max_num_queries):
    for _ in range(15):
        ticket_issue(queue=bank.priority, channel="kiosk")
    with django_assert_max_num_queries(15):
        admin_client.get(reverse("admin:smartqueue_ticket_changelist"))


def test_queue_actions(admin_client, bank, rows):
    url = reverse("admin:smartqueue_queue_changelist")
    admin_client.post(url, {"action": "close_queues", "_selected_action": [str(bank.normal.pk)]})
    bank.normal.refresh_from_db()
    assert bank.normal.is_open is False
    assert not Ticket.objects.filter(queue=bank.normal, status=TicketStatus.WAITING).exists()
    admin_client.post(url, {"action": "open_queues", "_selected_action": [str(bank.normal.pk)]})
    assert Queue.objects.get(pk=bank.normal.pk).is_open is True


def test_kiosk_created_in_the_admin_shows_its_key_once(admin_client, bank):
    response = admin_client.post(
        reverse("admin:smartqueue_kiosk_add"),
        {
            "organization": str(bank.org.pk),
            "branch": str(bank.branch.pk),
            "name": "Borne admin",
            "is_active": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    kiosk = Kiosk.objects.get(name="Borne admin")
    text = response.content.decode()
    assert "sqk_" in text and kiosk.key_prefix in text
    page = admin_client.get(reverse("admin:smartqueue_kiosk_change", args=[kiosk.pk]))
    assert kiosk.key_digest not in page.content.decode()


def test_sessions_listed(admin_client, bank):
    assert AgentSession.objects.count() == 2
    page = admin_client.get(reverse("admin:smartqueue_agentsession_changelist"))
    assert page.status_code == 200 and b"Guichet 1" in page.content
