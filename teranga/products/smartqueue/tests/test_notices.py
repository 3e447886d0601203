"""What clients are told: "almost your turn" once at N ahead, "your turn" with the
counter's name, plain SMS for tickets without an account, and no SMS once the
organisation's allowance is spent."""

from __future__ import annotations

import pytest
from django.utils import translation

from teranga.core.encryption import phone_hash
from teranga.platform.notifications.models import Notification, SmsMessage
from teranga.platform.payments.services.subscriptions import subscription_limits
from teranga.products.smartqueue.models import SmsUsage, Ticket
from teranga.products.smartqueue.notices import ALMOST, CALLED, TYPES
from teranga.products.smartqueue.services import counters, tickets
from teranga.products.smartqueue.services.usage import month_of, sms_used
from teranga.products.smartqueue.tests.travel_world import build_world, make_client, take

pytestmark = pytest.mark.django_db

SMS_PHONE = "+221770000001"


@pytest.fixture
def world(db):
    return build_world()


def call(world):
    return counters.counter_call_next(counter_id=world.counter.pk, agent=world.agent)


def serve(world):
    counters.counter_start(counter_id=world.counter.pk, agent=world.agent)
    counters.counter_finish(counter_id=world.counter.pk, agent=world.agent)


def told(user, kind):
    return list(Notification.objects.filter(recipient=user, kind=kind))


def test_almost_once_when_n_ahead(world):
    alice = make_client()
    first = [take(world, channel="kiosk") for _ in range(4)]
    mine = take(world, alice)  # 5th
    assert told(alice, ALMOST) == []
    call(world)  # A001 called: alice is 4th, still too far (3 ahead are told)
    serve(world)
    assert told(alice, ALMOST) == []
    call(world)  # A002 called: alice is 3rd
    (notice,) = told(alice, ALMOST)
    assert notice.data["number"] == mine.display_number and notice.data["position"] == 3
    assert notice.language == "fr"
    assert {d.channel for d in notice.deliveries.all()} == {"push", "sms", "websocket"}
    mine.refresh_from_db()
    assert mine.ahead_notified_at is not None
    serve(world)
    call(world)  # alice 2nd: not told again
    serve(world)
    tickets.ticket_cancel(ticket_id=first[3].pk, phone="") if False else None
    assert len(told(alice, ALMOST)) == 1
    # The kiosk tickets ahead had nobody to tell, but are marked all the same.
    assert (
        Ticket.objects.filter(pk__in=[t.pk for t in first[1:]], ahead_notified_at=None).count() == 0
    )


def test_a_cancellation_moves_the_queue_too(world):
    alice = make_client()
    ahead = [take(world, channel="kiosk") for _ in range(3)]
    take(world, alice)  # 4th
    # A cancel by the kiosk client (by phone) moves alice up to 3rd.
    Ticket.objects.filter(pk=ahead[0].pk).update(phone=SMS_PHONE)
    tickets.ticket_cancel(ticket_id=ahead[0].pk, phone=SMS_PHONE)
    (notice,) = told(alice, ALMOST)
    assert notice.data["position"] == 3


def test_called_with_the_counter_name_urgent_and_again_on_recall(world):
    alice = make_client(language="wo")
    mine = take(world, alice)
    call(world)
    (notice,) = told(alice, CALLED)
    assert notice.language == "wo"
    assert mine.display_number in notice.title and "Guichet 3" in notice.title
    assert TYPES[CALLED].urgent
    counters.counter_recall(counter_id=world.counter.pk, agent=world.agent)
    assert len(told(alice, CALLED)) == 2
    with translation.override("en"):
        assert (
            TYPES[CALLED].render_title(notice.data)
            == f"Your turn: {mine.display_number} at Guichet 3"
        )
        assert (
            TYPES[ALMOST]
            .render_sms({**notice.data, "position": 1}, title="", body="")
            .startswith(mine.display_number)
        )


def test_no_sms_channel_without_a_verified_phone(world):
    bob = make_client(phone=False)
    take(world, bob)
    call(world)
    (notice,) = told(bob, CALLED)
    assert {d.channel for d in notice.deliveries.all()} == {"push", "websocket"}
    assert sms_used(organization=world.org) == 0


def test_sms_ticket_gets_sms_once(world):
    ticket = take(world, phone=SMS_PHONE, channel="sms")
    for _ in range(3):
        take(world, channel="kiosk")
    # 4 waiting: the SMS ticket is first; a cancel behind it moves the queue.
    last = Ticket.objects.filter(queue=world.queue).order_by("-number").first()
    Ticket.objects.filter(pk=last.pk).update(phone="+221770000099")
    tickets.ticket_cancel(ticket_id=last.pk, phone="+221770000099")
    almost = SmsMessage.objects.filter(to_hash=phone_hash(SMS_PHONE), purpose=ALMOST)
    assert almost.count() == 1
    assert ticket.display_number in almost.get().body
    call(world)
    called = SmsMessage.objects.filter(to_hash=phone_hash(SMS_PHONE), purpose=CALLED)
    assert called.count() == 1 and "Guichet 3" in called.get().body
    serve(world)
    call(world)
    assert SmsMessage.objects.filter(to_hash=phone_hash(SMS_PHONE)).count() == 2
    assert sms_used(organization=world.org) == 2


def test_no_sms_once_the_allowance_is_spent(world):
    limit = subscription_limits(organization=world.org).get("sms_per_month")
    assert limit is not None
    SmsUsage.objects.create(organization=world.org, month=month_of(world.org), count=limit)
    alice = make_client()
    take(world, phone=SMS_PHONE, channel="sms")
    call(world)
    assert not SmsMessage.objects.filter(to_hash=phone_hash(SMS_PHONE)).exists()
    serve(world)
    take(world, alice)
    call(world)
    (notice,) = told(alice, CALLED)
    assert {d.channel for d in notice.deliveries.all()} == {"push", "websocket"}
    assert sms_used(organization=world.org) == limit
