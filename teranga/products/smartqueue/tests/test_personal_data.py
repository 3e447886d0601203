"""SmartQueue's GDPR side and its phones at rest: a ticket taken by SMS from a verified
account's number is found through the keyed hashes (the number is encrypted), it is in
the account's export (``Product.user_exporters``), and the erasure blanks the number on
it and in the SMS outbox."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import override_settings

from conftest import DEFAULT_PASSWORD
from teranga.core.encryption import phone_hash
from teranga.platform.notifications.models import InboundSms, SmsMessage
from teranga.products.smartqueue.models import Ticket
from teranga.products.smartqueue.tests.test_sms_intake import SECRET, text

NUMBER = "+221771119988"
EXPORT = "/api/v1/me/export/"
ME = "/api/v1/me/"


@pytest.fixture
def signed():
    with override_settings(SMS_INBOUND_SECRET=SECRET):
        yield


def test_sms_ticket_of_an_account_exported_then_erased(bank, signed):
    bank.service.sms_keyword = "BANQUE"
    bank.service.save(update_fields=["sms_keyword"])
    alice = bank.users["alice"]
    alice.phone, alice.phone_verified = NUMBER, True
    alice.save(update_fields=["phone", "phone_hash", "phone_verified"])

    message = text("banque", sender=NUMBER)
    assert message.handler == "smartqueue"
    ticket = Ticket.objects.get(phone_hash=phone_hash(NUMBER))
    assert ticket.user == alice and ticket.phone == NUMBER
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {Ticket._meta.db_table}")  # noqa: S608
        assert all(NUMBER not in row[0] for row in cursor.fetchall())

    client = bank.api["alice"]
    exported = json.loads(client.get(EXPORT).content)["products"]["smartqueue.personal_data"]
    assert [(t["number"], t["phone"], t["channel"]) for t in exported["tickets"]] == [
        (ticket.display_number, NUMBER, "sms")
    ]
    others = json.loads(bank.api["bob"].get(EXPORT).content)["products"]
    assert others["smartqueue.personal_data"]["tickets"] == []

    assert client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json").status_code == 204
    ticket.refresh_from_db()
    assert (ticket.phone, ticket.phone_hash) == ("", "")
    assert not SmsMessage.objects.filter(to_hash=phone_hash(NUMBER)).exists()
    assert not InboundSms.objects.filter(from_number_hash=phone_hash(NUMBER)).exists()
    assert not Ticket.objects.filter(phone_hash=phone_hash(NUMBER)).exists()
