"""Issue 21, done when "the database holds no phone number in clear": the demo data is
loaded, SMS come in from a demo client's number (the inbound SMS still finds their
account and their ticket through the keyed hashes), and then every column of every
table is read back with raw SQL and searched for every person's number, in E.164 and in
national format. Organisations' public contact numbers (a business's desk, its support
WhatsApp) are not personal data and are not searched for."""

from __future__ import annotations

import json

import phonenumbers
import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from teranga.core.encryption import phone_hash
from teranga.platform.accounts.models import User
from teranga.platform.notifications import inbound
from teranga.platform.notifications.models import InboundSms, SmsMessage
from teranga.platform.organizations.demo import seed_demo
from teranga.platform.payments.models import Payment
from teranga.products.booking.models import GuestCheck, Reservation
from teranga.products.smartqueue.models import Ticket

URL = "/api/v1/notifications/sms/inbound/sandbox/"
SECRET = "at-rest-secret"
CLIENT = "client1@teranga.demo"


def _text(sender: str, body: str, message_id: str) -> InboundSms:
    payload = json.dumps({"from": sender, "body": body, "id": message_id}).encode()
    response = APIClient().generic(
        "POST",
        URL,
        payload,
        content_type="application/json",
        HTTP_X_TERANGA_SIGNATURE=inbound.sandbox_signature(payload, SECRET),
    )
    assert response.status_code == 200, response.content
    return InboundSms.objects.select_related("reply").get(pk=response.json()["id"])


def _personal_numbers() -> set[str]:
    """Every person's number the database holds, read through the models (decrypted)."""
    numbers = {str(u.phone.as_e164) for u in User.objects.exclude(phone_hash="")}
    numbers |= {t.phone for t in Ticket.objects.exclude(phone_hash="")}
    numbers |= {r.guest_phone for r in Reservation.objects.exclude(guest_phone_hash="")}
    numbers |= {g.phone for g in GuestCheck.objects.all()}
    numbers |= {m.to for m in SmsMessage.objects.exclude(to_hash="")}
    numbers |= {m.from_number for m in InboundSms.objects.exclude(from_number_hash="")}
    numbers |= {str(p.payer_phone.as_e164) for p in Payment.objects.all() if p.payer_phone}
    return {n for n in numbers if n}


def _forms(number: str) -> set[str]:
    parsed = phonenumbers.parse(number)
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return {
        number,
        number.lstrip("+"),
        phonenumbers.national_significant_number(parsed),
        national,
        national.replace(" ", ""),
    }


def _clear_occurrences(forms: set[str]) -> list[tuple[str, str]]:
    quote = connection.ops.quote_name
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = connection.introspection.get_table_description(cursor, table)
            for column in columns:
                cast = f"CAST({quote(column.name)} AS TEXT)"
                where = " OR ".join([f"{cast} LIKE %s"] * len(forms))
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE {where}",  # noqa: S608
                    [f"%{form}%" for form in sorted(forms)],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column.name))
    return found


@pytest.mark.django_db
@override_settings(SMS_INBOUND_SECRET=SECRET)
def test_the_database_holds_no_phone_number_in_clear():
    seed_demo("Demo-Pass-2026!")
    client = User.objects.get(email=CLIENT)
    number = client.phone.as_e164
    # Inbound SMS from the demo client's number still find their account and ticket.
    taken = _text(number, "BANQUE", "at-rest-1")
    assert taken.handler == "smartqueue" and taken.reply is not None
    ticket = Ticket.objects.get(phone_hash=phone_hash(number))
    assert ticket.user == client
    status = _text(number, "STATUT", "at-rest-2")
    assert ticket.display_number in status.reply.body
    assert InboundSms.objects.filter(from_number_hash=phone_hash(number)).count() == 2

    numbers = _personal_numbers()
    assert {f"+2217712345{n:02d}" for n in (1, 2, 3)} <= numbers
    forms = set().union(*(_forms(n) for n in numbers))
    assert _clear_occurrences(forms) == []
