"""Taking a ticket by SMS through the platform's signed inbound webhook: a service's
keyword (with a branch hint), STATUT, ANNULER, unknown words, closed and full queues,
the monthly SMS allowance, and replies in Wolof."""

from __future__ import annotations

import itertools
import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from conftest import create_user
from teranga.core.encryption import phone_hash
from teranga.platform.notifications import inbound
from teranga.platform.notifications.models import InboundSms
from teranga.products.smartqueue.models import SmsUsage, Ticket
from teranga.products.smartqueue.services.usage import month_of, sms_used
from teranga.products.smartqueue.tests.factories import DakarBranchFactory, QueueFactory

URL = "/api/v1/notifications/sms/inbound/sandbox/"
SECRET = "sq-inbound-secret"
SENDER = "+221771112233"
_ids = itertools.count(1)

pytestmark = pytest.mark.usefixtures("signed")


@pytest.fixture
def signed():
    with override_settings(SMS_INBOUND_SECRET=SECRET):
        yield


def text(body: str, sender: str = SENDER) -> InboundSms:
    payload = json.dumps({"from": sender, "body": body, "id": f"m{next(_ids)}"}).encode()
    response = APIClient().generic(
        "POST",
        URL,
        payload,
        content_type="application/json",
        HTTP_X_TERANGA_SIGNATURE=inbound.sandbox_signature(payload, SECRET),
    )
    assert response.status_code == 200, response.content
    return InboundSms.objects.select_related("reply").get(pk=response.json()["id"])


def reply(body: str, sender: str = SENDER) -> str:
    message = text(body, sender)
    assert message.handler == "smartqueue"
    return message.reply.body if message.reply else ""


@pytest.fixture
def sms(bank):
    bank.service.sms_keyword = "BANQUE"
    bank.service.save(update_fields=["sms_keyword"])
    return bank


def test_the_keyword_takes_a_ticket(sms):
    first = reply("banque")
    ticket = Ticket.objects.get(phone_hash=phone_hash(SENDER))
    assert ticket.channel == "sms" and ticket.user is None and ticket.queue == sms.normal
    assert ticket.display_number == "A001"
    assert "A001" in first and "Agence Plateau" in first
    assert "STATUT" in first and "ANNULER" in first
    second = reply("Banque", sender="+221771112244")
    assert "A002" in second and "1 " in second  # one person before them
    assert sms_used(organization=sms.org) == 2
    again = reply("BANQUE")
    assert Ticket.objects.filter(phone_hash=phone_hash(SENDER)).count() == 1
    assert "STATUT" in again


def test_a_verified_phone_takes_the_ticket_for_its_account_accents_ignored(sms):
    sms.service.sms_keyword = "ETAT"
    sms.service.save(update_fields=["sms_keyword"])
    user = create_user("fatou@example.test", phone=SENDER, phone_verified=True)
    assert "A001" in reply("  État  ")
    assert Ticket.objects.get().user == user


def test_the_branch_hint_picks_the_branch(sms):
    medina = DakarBranchFactory(organization=sms.org, name="Agence Médina", commune="Médina")
    QueueFactory(organization=sms.org, branch=medina, service=sms.service, prefix="M")
    answer = reply("BANQUE medina")
    assert Ticket.objects.get().branch == medina and "M001" in answer
    # Without a hint: the shortest wait (Médina now has one waiting, Plateau none).
    reply("BANQUE", sender="+221771112299")
    assert Ticket.objects.get(phone_hash=phone_hash("+221771112299")).branch == sms.branch


def test_statut_and_annuler(sms):
    assert "STATUT" not in reply("STATUT").split(".")[0]  # no ticket yet
    assert Ticket.objects.count() == 0
    reply("BANQUE", sender="+221771112200")
    reply("BANQUE")
    status = reply("statut")
    assert "A002" in status and "Opérations courantes" in status
    assert "1 " in status  # one person ahead
    cancelled = reply("ANNULER")
    assert "A002" in cancelled
    assert Ticket.objects.get(phone_hash=phone_hash(SENDER)).status == "cancelled"
    assert Ticket.objects.get(phone_hash=phone_hash("+221771112200")).status == "waiting"
    nothing = reply("ANNULER")
    assert "A00" not in nothing


def test_unknown_words_get_help_and_take_no_allowance(sms):
    answer = reply("bonjour")
    assert "BANQUE" in answer and "STATUT" in answer and "ANNULER" in answer
    assert sms_used(organization=sms.org) == 0
    assert not Ticket.objects.exists()


def test_closed_and_full_queues_get_a_clear_reply(sms):
    sms.normal.is_open = False
    sms.normal.save(update_fields=["is_open"])
    closed = reply("BANQUE")
    assert "Opérations courantes" in closed and not Ticket.objects.exists()
    sms.normal.is_open = True
    sms.normal.max_size = 1
    sms.normal.save(update_fields=["is_open", "max_size"])
    reply("BANQUE", sender="+221771112200")
    full = reply("BANQUE")
    assert full and full != closed
    assert Ticket.objects.count() == 1


def test_when_the_allowance_is_used_up_intake_is_silent(sms):
    # The free tier allows 50 SMS a month.
    SmsUsage.objects.create(organization=sms.org, month=month_of(sms.org), count=50)
    message = text("BANQUE")
    assert message.handler == "smartqueue" and message.status == "unanswered"
    assert message.reply is None
    assert not Ticket.objects.exists()
    assert sms_used(organization=sms.org) == 50


def test_replies_in_wolof_for_a_wolof_speaker(sms):
    create_user("modou@example.test", phone=SENDER, phone_verified=True, language="wo")
    answer = reply("BANQUE")
    assert "A001" in answer and "simili" in answer  # "minutes" in Wolof
    french = reply("BANQUE", sender="+221771112200")
    assert "minute" in french and "simili" not in french
