"""Invitation emails go through the notifications outbox (issue 15, defect 10).

They used to be sent with ``send_mail`` after commit with the token only in memory, so a
crash between the commit and the send, or an SMTP failure, lost them for good. Now the
email is a notification row written with the invitation, retried with backoff, rendered
in the invitee's language (the inviter's request language when the address has no
account), and its link is derived again at each attempt: the database keeps no token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import override_settings

from teranga.core.links import public_link
from teranga.platform.notifications.models import DeliveryStatus, Notification
from teranga.platform.notifications.tasks import notification_deliveries_redeliver_stale
from teranga.platform.organizations.models import Invitation, Membership, Role
from teranga.platform.organizations.tests.factories import organization_with_owner

pytestmark = pytest.mark.django_db

API = "/api/v1"
START = datetime.now(UTC).replace(microsecond=0)  # invitations expire after 7 days
INVITEE = "moussa@example.test"


class FailingEmailBackend(BaseEmailBackend):
    """The SMTP relay is down."""

    def send_messages(self, email_messages):
        raise SMTPException("relay down")


FAILING = "tests.security.test_invitation_outbox.FailingEmailBackend"


def invite(client, organization, *, language="en", capture, execute=True):
    with capture(execute=execute):
        response = client.post(
            f"{API}/organizations/{organization.pk}/invitations/",
            {"email": INVITEE, "role": Role.AGENT},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 201, response.content
    return response


def token_of(message) -> str:
    return message.body.split("/invitations/")[1].split("/")[0]


def test_smtp_failure_is_retried_and_delivered_once_in_the_invitee_language(
    client_for, make_user, django_capture_on_commit_callbacks
):
    organization, owner = organization_with_owner(name="Salon Awa")
    with time_machine.travel(START, tick=False) as clock:
        with override_settings(EMAIL_BACKEND=FAILING):
            invite(client_for(owner), organization, capture=django_capture_on_commit_callbacks)
        assert mail.outbox == []
        notification = Notification.objects.get(email=INVITEE)
        delivery = notification.deliveries.get()
        assert delivery.status == DeliveryStatus.QUEUED and delivery.attempts == 1
        assert "relay down" in delivery.error and delivery.next_attempt_at > START

        clock.shift(timedelta(minutes=2))  # the backoff is over; the relay is back
        notification_deliveries_redeliver_stale()
        clock.shift(timedelta(minutes=10))
        notification_deliveries_redeliver_stale()  # nothing is sent twice

    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [INVITEE]
    # No account behind the address: the inviter's request language (English).
    assert "Invitation to join Salon Awa on Teranga" in message.subject
    token = token_of(message)
    assert public_link(f"/invitations/{token}/", language="en") in message.body
    assert "/api/" not in message.body
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    # Nothing stored can open the invitation: the token is only in the email.
    stored = Notification.objects.filter(pk=notification.pk).values().get()
    assert token not in repr(stored)
    assert token not in repr(Invitation.objects.filter(email=INVITEE).values().get())

    # The link works: the invitee signs up with that address and accepts.
    invitee = make_user(INVITEE)
    accepted = client_for(invitee).post(f"{API}/invitations/{token}/accept/")
    assert accepted.status_code == 201, accepted.content
    assert Membership.objects.filter(organization=organization, user=invitee).exists()


def test_a_crash_between_commit_and_send_loses_nothing(
    client_for, make_user, django_capture_on_commit_callbacks
):
    organization, owner = organization_with_owner(name="Salon Awa")
    with time_machine.travel(START, tick=False) as clock:
        # The process dies right after the commit: the after-commit work never runs.
        invite(
            client_for(owner),
            organization,
            language="fr",
            capture=django_capture_on_commit_callbacks,
            execute=False,
        )
        assert mail.outbox == []
        notification = Notification.objects.get(email=INVITEE)
        assert notification.deliveries.get().status == DeliveryStatus.QUEUED

        clock.shift(timedelta(minutes=2))  # the periodic job recovers it
        notification_deliveries_redeliver_stale()
        notification_deliveries_redeliver_stale()  # a second run sends nothing more

    assert len(mail.outbox) == 1
    assert "Invitation à rejoindre Salon Awa sur Teranga" in mail.outbox[0].subject
    invitee = make_user(INVITEE)
    accepted = client_for(invitee).post(f"{API}/invitations/{token_of(mail.outbox[0])}/accept/")
    assert accepted.status_code == 201, accepted.content


def test_the_account_language_wins_and_a_revoked_invitation_is_not_sent(
    client_for, make_user, django_capture_on_commit_callbacks
):
    organization, owner = organization_with_owner(name="Salon Awa")
    make_user(INVITEE, language="en")
    with time_machine.travel(START, tick=False) as clock:
        response = invite(
            client_for(owner),
            organization,
            language="fr",
            capture=django_capture_on_commit_callbacks,
            execute=False,
        )
        assert Notification.objects.get(email=INVITEE).language == "en"
        revoked = client_for(owner).delete(
            f"{API}/organizations/{organization.pk}/invitations/{response.json()['id']}/"
        )
        assert revoked.status_code == 204
        clock.shift(timedelta(minutes=2))
        notification_deliveries_redeliver_stale()
    assert mail.outbox == []
    delivery = Notification.objects.get(email=INVITEE).deliveries.get()
    assert delivery.status == DeliveryStatus.SKIPPED
