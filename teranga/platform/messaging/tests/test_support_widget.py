"""The support widget page ``/support/widget/<organisation>/`` and its loader, over HTTP:
the page in French, English and Wolof (``?lang=`` or Accept-Language), the channels and
the business hours with whether the desk is open now (in the organisation's time zone),
404 for an organisation without an enabled support desk, framing allowed on this page
only (CSP ``frame-ancestors *``, no X-Frame-Options), no inline script, the loader
served as a static file, and the snippet in ``widget-config`` built from PUBLIC_URL."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from teranga.platform.messaging.models import SupportSettings
from teranga.platform.organizations.models import VerificationStatus

pytestmark = pytest.mark.django_db

TUESDAY_NOON = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)  # Dakar is UTC+0
SATURDAY = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
LOADER = "/static/messaging/support-widget.js"


def page_url(organization) -> str:
    return f"/support/widget/{organization.pk}/"


def csp(response) -> dict[str, str]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


@time_machine.travel(TUESDAY_NOON, tick=False)
def test_the_page_shows_channels_hours_and_the_chat(desk):
    response = Client().get(page_url(desk.organization), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert 'id="organization-name">Calmness Test<' in html
    assert 'id="desk-status" data-open="1">Open now<' in html
    assert 'id="welcome" class="card">Bienvenue !<' in html
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*data-channel="([a-z]+)"', html))
    assert links == {
        "https://wa.me/221771234567": "whatsapp",
        "https://t.me/calmness_test": "telegram",
        "https://discord.gg/abc123": "discord",
        "mailto:support@calmness.test": "email",
    }
    rows = re.findall(r"<tr( class=\"today\")?><td>(\w+)</td><td>([^<]+)</td></tr>", html)
    assert [(day, hours) for _, day, hours in rows] == [
        ("Monday", "09:00–18:00"),
        ("Tuesday", "09:00–18:00"),
        ("Wednesday", "09:00–18:00"),
        ("Thursday", "09:00–18:00"),
        ("Friday", "09:00–18:00"),
        ("Saturday", "Closed"),
        ("Sunday", "Closed"),
    ]
    assert [day for today, day, _ in rows if today] == ["Tuesday"]
    assert "Times in Africa/Dakar." in html
    # The live chat: the app sign-in form, the conversation, the page's data for its script.
    assert 'id="login-view"' in html and 'id="send-form"' in html
    assert f'"organization": "{desk.organization.pk}"' in html
    assert '"poll_seconds": 5' in html


@time_machine.travel(SATURDAY, tick=False)
def test_a_closed_desk_says_when_it_opens(desk):
    html = Client().get(page_url(desk.organization), {"lang": "en"}).content.decode()
    assert 'data-open="0">Closed now<' in html
    assert '<tr class="today"><td>Saturday</td><td>Closed</td></tr>' in html
    assert 'id="next-opening">Opens again March 9, 2026' in html


def test_no_schedule_means_always_open(desk):
    SupportSettings.objects.filter(pk=desk.support.pk).update(business_hours=[])
    html = Client().get(page_url(desk.organization), {"lang": "en"}).content.decode()
    assert 'data-open="1"' in html
    assert 'id="always-open"' in html and 'id="hours"' not in html


@pytest.mark.parametrize(
    ("query", "header", "language", "words"),
    [
        ({"lang": "fr"}, "en", "fr", ["Lundi", "Se connecter", "E-mail"]),
        ({"lang": "wo"}, "fr", "wo", ["Altine", "Dugg", "Imeel"]),
        ({}, "wo", "wo", ["Altine", "Dugg"]),
        ({}, "en", "en", ["Monday", "Sign in", "Email"]),
        ({}, "fr", "fr", ["Lundi", "Se connecter"]),
    ],
)
def test_the_page_speaks_the_visitors_language(desk, query, header, language, words):
    response = Client().get(page_url(desk.organization), query, HTTP_ACCEPT_LANGUAGE=header)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word.lower() in html.lower(), word


def test_the_slug_works_too(desk):
    assert Client().get(f"/support/widget/{desk.organization.slug}/").status_code == 200


def test_no_widget_without_an_enabled_desk(desk):
    client = Client()
    assert client.get(f"/support/widget/{uuid.uuid4()}/").status_code == 404
    assert client.get("/support/widget/no-such-org/").status_code == 404
    assert client.get(page_url(desk.other)).status_code == 404  # no support settings
    SupportSettings.objects.filter(pk=desk.support.pk).update(enabled=False)
    assert client.get(page_url(desk.organization)).status_code == 404
    SupportSettings.objects.filter(pk=desk.support.pk).update(enabled=True)
    desk.organization.verification_status = VerificationStatus.PENDING
    desk.organization.save(update_fields=["verification_status"])
    assert client.get(page_url(desk.organization)).status_code == 404


def test_only_reads(desk):
    response = Client().post(page_url(desk.organization), {})
    assert response.status_code == 405
    assert Client().head(page_url(desk.organization)).status_code == 200


def test_only_this_page_may_be_framed(desk):
    client = Client()
    widget = client.get(page_url(desk.organization))
    assert "X-Frame-Options" not in widget
    assert csp(widget)["frame-ancestors"] == "*"
    # Everything else keeps refusing to be framed, the widget's own 404 included.
    for other in (
        client.get("/"),
        client.get(f"/support/widget/{uuid.uuid4()}/"),
        client.get("/admin/login/"),
    ):
        assert other["X-Frame-Options"] == "DENY", other.request["PATH_INFO"]
        assert csp(other)["frame-ancestors"] == "'none'"
    # The page's own rules are otherwise the site's: scripts of ours only.
    assert csp(widget)["script-src"] == "'self'"


def test_no_inline_script_and_no_cdn(desk):
    html = Client().get(page_url(desk.organization)).content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts, html
    for attributes in scripts:
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes
    assert '<script src="/static/core/app-session.js">' in html
    assert '<script src="/static/messaging/support-widget-frame.js">' in html
    assert "cdn" not in html.lower()


def test_the_loader_and_the_frame_script_are_served():
    client = Client()
    for path in (LOADER, "/static/messaging/support-widget-frame.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "javascript" in response["Content-Type"]
        body = b"".join(response.streaming_content).decode()
        assert "postMessage" in body
    loader = b"".join(client.get(LOADER).streaming_content).decode()
    assert 'pathname.indexOf("/admin") === 0' in loader
    assert "http://" not in loader.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in loader.replace("https://teranga.example", "")


def test_widget_config_gives_the_snippet(desk, settings):
    settings.TERANGA = {**settings.TERANGA, "PUBLIC_URL": "https://support.teranga.example/"}
    body = Client().get("/api/v1/support/widget-config/", {"org": "calmness-test"}).json()
    org = desk.organization.pk
    assert body["embed"] == {
        "page_url": f"https://support.teranga.example/support/widget/{org}/",
        "script_url": f"https://support.teranga.example{LOADER}",
        "snippet": f'<script src="https://support.teranga.example{LOADER}" '
        f'data-organization="{org}" async></script>',
    }
    # The page the snippet frames is the one served here.
    assert Client().get(f"/support/widget/{org}/").status_code == 200
