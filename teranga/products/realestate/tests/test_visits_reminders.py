"""Visit reminders: the scheduling engine reminds the registered visitor and the agent
(``realestate.visit.reminder``, with the visit's link); a guest is reminded by SMS in
the language they booked in. Each once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime

from teranga.platform.notifications.models import Notification
from teranga.platform.notifications.selectors import sms_messages_to
from teranga.platform.scheduling.reminders import reminders_send
from teranga.products.realestate.tests.factories import PropertyFactory
from teranga.products.realestate.visit_notices import guest_reminders_send

pytestmark = pytest.mark.django_db

BASE = "/api/v1/realestate"


def test_visitor_agent_and_guest_are_reminded_once(agency):
    prop = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    slots = agency.api["client"].get(f"{BASE}/properties/{prop.pk}/visit-slots/").json()["slots"]
    first = slots[0]["starts_at"]
    second = next(
        s["starts_at"]
        for s in slots
        if parse_datetime(s["starts_at"]) >= parse_datetime(first) + timedelta(hours=2)
    )
    client_visit = agency.api["client"].post(
        f"{BASE}/properties/{prop.pk}/visits/", {"starts_at": first}, format="json"
    )
    assert client_visit.status_code == 201, client_visit.content
    visit_id = client_visit.json()["id"]
    assert agency.api["agent"].post(f"{BASE}/visits/{visit_id}/confirm/").status_code == 200
    guest_visit = agency.api["agent"].post(
        f"{BASE}/properties/{prop.pk}/visits/",
        {"starts_at": second, "guest": {"name": "Fatou", "phone": "+221 77 765 43 21"}},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert guest_visit.status_code == 201, guest_visit.content

    # Half an hour before the client's visit: its 1 h reminders (the engine's); then
    # half an hour before the guest's.
    now = parse_datetime(first) - timedelta(minutes=30)
    assert reminders_send(now=now) == 1
    assert guest_reminders_send(now=now) == 0
    later = parse_datetime(second) - timedelta(minutes=30)
    assert guest_reminders_send(now=later) == 1
    reminded = Notification.objects.filter(kind="realestate.visit.reminder")
    recipients = set(reminded.values_list("recipient_id", flat=True))
    assert {agency.users["client"].pk, agency.users["agent"].pk} <= recipients
    assert all("/o/realestate.visit/" in n.link for n in reminded)
    texts = [sms.body for sms in sms_messages_to(phone="+221777654321")]
    assert any(text.startswith("Reminder: your visit") for text in texts), texts

    # A second run sends nothing more.
    count = reminded.count()
    assert reminders_send(now=now) == 0
    assert guest_reminders_send(now=later) == 0
    assert Notification.objects.filter(kind="realestate.visit.reminder").count() == count
    assert len(sms_messages_to(phone="+221777654321")) == len(texts)
