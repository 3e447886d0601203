"""Email through the real pipeline: to a real SMTP server started by the test
(aiosmtpd on 127.0.0.1), and to the API providers through django-anymail (Brevo and
Mailgun, mocked at the HTTP transport with their documented shapes); and the settings
that pick the backend (EMAIL_PROVIDER)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import override_settings

from teranga.core.registry import thawed
from teranga.platform.notifications.models import Channel, DeliveryStatus, NotificationDelivery
from teranga.platform.notifications.services import notification_send
from teranga.platform.notifications.types import (
    NotificationType,
    notification_type_register,
    notification_types,
)

pytestmark = pytest.mark.django_db

KIND = "test.email_probe"
with thawed():
    if KIND not in notification_types:
        notification_type_register(
            NotificationType(
                name=KIND,
                channels=(Channel.EMAIL,),
                title=lambda ctx: f"Rendez-vous confirmé : {ctx['service']}",
                body=lambda ctx: f"Bonjour {ctx['name']},\nVotre rendez-vous est confirmé.",
            )
        )


class Collector:
    """An SMTP handler that keeps every message it is given."""

    def __init__(self, reject: bool = False):
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.reject = reject
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            return "554 5.7.1 Rejected by the test server"
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    def start(reject: bool = False):
        handler = Collector(reject=reject)
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        return handler, controller.port

    started: list[Controller] = []
    yield start
    for controller in started:
        controller.stop()


def smtp_settings(port: int):
    return override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
        EMAIL_HOST_USER="",
        EMAIL_HOST_PASSWORD="",
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        EMAIL_TIMEOUT=10,
    )


def send(user, key: str):
    return notification_send(
        recipient=user,
        kind=KIND,
        context={"service": "Coupe et brushing", "name": "Awa"},
        link="/app/bookings/1/",
        idempotency_key=key,
    )


def email_delivery(notification) -> NotificationDelivery:
    return NotificationDelivery.objects.get(notification=notification, channel=Channel.EMAIL)


def test_smtp_delivery_to_a_real_local_server(smtp_server, make_user,
                                               django_capture_on_commit_callbacks):
    handler, port = smtp_server()
    user = make_user("awa-smtp@example.com", language="fr")
    with smtp_settings(port), django_capture_on_commit_callbacks(execute=True):
        notification = send(user, "smtp:1")

    assert len(handler.messages) == 1
    mail_from, recipients, content = handler.messages[0]
    assert recipients == ["awa-smtp@example.com"]
    assert mail_from == "no-reply@teranga.local"
    message = message_from_bytes(content, policy=email_policy.default)
    assert message["To"] == "awa-smtp@example.com"
    assert message["Subject"] == "Rendez-vous confirmé : Coupe et brushing"
    assert message["X-Teranga-Notification"] == str(notification.pk)
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Bonjour Awa," in text and "Votre rendez-vous est confirmé." in text
    assert "Votre rendez-vous est confirmé." in html and "<html" in html

    delivery = email_delivery(notification)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider == "smtp"
    assert delivery.attempts == 1 and delivery.sent_at is not None

    # Idempotent: the same fact again sends nothing more.
    with smtp_settings(port), django_capture_on_commit_callbacks(execute=True):
        assert send(user, "smtp:1").pk == notification.pk
    assert len(handler.messages) == 1


def test_smtp_refusal_is_kept_for_a_retry(smtp_server, make_user,
                                           django_capture_on_commit_callbacks):
    handler, port = smtp_server(reject=True)
    user = make_user("awa-smtp-refused@example.com")
    with smtp_settings(port), django_capture_on_commit_callbacks(execute=True):
        notification = send(user, "smtp:2")
    delivery = email_delivery(notification)
    assert handler.messages == []
    assert delivery.status == DeliveryStatus.QUEUED  # a transient error: tried again later
    assert delivery.attempts == 1 and "SMTP" in delivery.error


BREVO_URL = "https://api.brevo.com/v3/smtp/email"
BREVO_KEY = "xkeysib-test-0123456789abcdef"
BREVO_ID = "<202603021000.12345678901@smtp-relay.mailin.fr>"


@responses.activate
def test_brevo_through_anymail(make_user, django_capture_on_commit_callbacks):
    responses.add(responses.POST, BREVO_URL, json={"messageId": BREVO_ID}, status=201)
    user = make_user("awa-brevo@example.com")
    with override_settings(
        EMAIL_BACKEND="anymail.backends.brevo.EmailBackend",
        ANYMAIL={"BREVO_API_KEY": BREVO_KEY},
    ), django_capture_on_commit_callbacks(execute=True):
        notification = send(user, "brevo:1")

    (call,) = responses.calls
    assert call.request.headers["api-key"] == BREVO_KEY
    assert call.request.headers["Content-Type"] == "application/json"
    body = json.loads(call.request.body)
    assert body["sender"] == {"email": "no-reply@teranga.local", "name": "Teranga"}
    assert body["to"] == [{"email": "awa-brevo@example.com"}]
    assert body["subject"] == "Rendez-vous confirmé : Coupe et brushing"
    assert "Votre rendez-vous est confirmé." in body["textContent"]
    assert "Votre rendez-vous est confirmé." in body["htmlContent"]
    assert body["headers"]["X-Teranga-Notification"] == str(notification.pk)

    delivery = email_delivery(notification)
    assert delivery.status == DeliveryStatus.SENT
    assert (delivery.provider, delivery.provider_message_id) == ("brevo", BREVO_ID)


MAILGUN_DOMAIN = "mg.teranga.example"
MAILGUN_URL = f"https://api.mailgun.net/v3/{MAILGUN_DOMAIN}/messages"
MAILGUN_ID = "<20260302100000.1.ABCDEF@mg.teranga.example>"


@responses.activate
def test_mailgun_through_anymail(make_user, django_capture_on_commit_callbacks):
    responses.add(
        responses.POST, MAILGUN_URL, json={"id": MAILGUN_ID, "message": "Queued. Thank you."}
    )
    user = make_user("awa-mailgun@example.com")
    with override_settings(
        EMAIL_BACKEND="anymail.backends.mailgun.EmailBackend",
        ANYMAIL={"MAILGUN_API_KEY": "key-test", "MAILGUN_SENDER_DOMAIN": MAILGUN_DOMAIN},
    ), django_capture_on_commit_callbacks(execute=True):
        notification = send(user, "mailgun:1")

    (call,) = responses.calls
    assert call.request.headers["Authorization"].startswith("Basic ")
    form = parse_qs(call.request.body)
    assert form["from"] == ["Teranga <no-reply@teranga.local>"]
    assert form["to"] == ["awa-mailgun@example.com"]
    assert form["subject"] == ["Rendez-vous confirmé : Coupe et brushing"]
    assert form["h:X-Teranga-Notification"] == [str(notification.pk)]
    assert "Votre rendez-vous est confirmé." in form["text"][0]
    assert "Votre rendez-vous est confirmé." in form["html"][0]
    delivery = email_delivery(notification)
    assert delivery.status == DeliveryStatus.SENT
    assert (delivery.provider, delivery.provider_message_id) == ("mailgun", MAILGUN_ID)


# --- EMAIL_PROVIDER picks the backend ---------------------------------------------------

def settings_in_subprocess(**env) -> subprocess.CompletedProcess:
    code = (
        "import json; from config import settings as s; "
        "print(json.dumps({'backend': s.EMAIL_BACKEND, 'anymail': s.ANYMAIL}))"
    )
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("EMAIL_", "MAILGUN_", "BREVO_", "AWS_"))}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
        cwd=Path(settings.BASE_DIR), timeout=60, check=False,
    )


@pytest.mark.parametrize(
    ("env", "backend", "anymail"),
    [
        ({}, "teranga.core.mail_console.EmailBackend", {}),
        ({"EMAIL_URL": "smtp://u:p@mail.example:587"},
         "django.core.mail.backends.smtp.EmailBackend", {}),
        ({"EMAIL_PROVIDER": "brevo", "BREVO_API_KEY": "k1"},
         "anymail.backends.brevo.EmailBackend", {"BREVO_API_KEY": "k1"}),
        ({"EMAIL_PROVIDER": "Mailgun", "MAILGUN_API_KEY": "k2", "MAILGUN_SENDER_DOMAIN": "mg.x"},
         "anymail.backends.mailgun.EmailBackend",
         {"MAILGUN_API_KEY": "k2", "MAILGUN_SENDER_DOMAIN": "mg.x"}),
    ],
)
def test_email_provider_setting(env, backend, anymail):
    result = settings_in_subprocess(**env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "backend": backend, "anymail": anymail,
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMAIL_PROVIDER": "sendgrid"}, "EMAIL_PROVIDER must be"),
        ({"EMAIL_PROVIDER": "brevo"}, "needs BREVO_API_KEY"),
        ({"EMAIL_PROVIDER": "mailgun"}, "needs MAILGUN_API_KEY"),
    ],
)
def test_email_provider_misconfigured(env, message):
    result = settings_in_subprocess(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
