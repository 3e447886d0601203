"""Every link we send is built by one function from PUBLIC_URL, opens a page of ours
(never a raw API URL), and that page answers 200: the handover page of an object, an
invitation's accept page, a calendar feed. /, /api/v1/ and the universal-link files."""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from teranga.core.links import link_kinds, object_link, public_link
from teranga.platform.notifications.models import Notification
from teranga.platform.organizations.demo import ADMIN_EMAIL, demo_password

pytestmark = pytest.mark.django_db

URL = re.compile(r"https?://[^\s\"'<>)]+")


def test_links_are_built_from_public_url_and_refuse_the_api(settings):
    settings.TERANGA = {**settings.TERANGA, "PUBLIC_URL": "https://teranga.example.sn/"}
    assert public_link("/pay/return/1/") == "https://teranga.example.sn/pay/return/1/"
    assert (
        public_link("/invitations/abc/", language="wo")
        == "https://teranga.example.sn/invitations/abc/?lang=wo"
    )
    assert object_link("payments.payment", "42").startswith("https://teranga.example.sn/o/")
    for bad in ("/api/v1/payments/1/", "https://elsewhere.example/x", "//evil.example/"):
        with pytest.raises(ValueError):
            public_link(bad)
    with pytest.raises(LookupError):
        object_link("payments.nope", "1")


def test_every_kind_has_a_handover_page_in_each_language():
    client = Client()
    assert len(link_kinds) >= 7  # payments, subscriptions, invoices, chats, products' own
    for name, kind in link_kinds.items():
        assert kind.app_path and "{id}" in kind.app_path, name
        for language in ("fr", "en", "wo"):
            page = client.get(f"/o/{name}/00000000-0000-0000-0000-000000000000/?lang={language}")
            assert page.status_code == 200, (name, language)
            assert page["Content-Language"] == language
            html = page.content.decode()
            assert (
                f'href="teranga://{kind.app_path.format(id="00000000-0000-0000-0000-000000000000")}"'
                in html
            )
    assert Client().get("/o/nothing.here/1/").status_code == 404


def _links_sent() -> list[str]:
    links = [link for link in Notification.objects.values_list("link", flat=True) if link]
    for message in mail.outbox:
        links += URL.findall(message.body)
        for content, _type in getattr(message, "alternatives", []):
            links += URL.findall(content)
    return links


def test_every_link_in_the_demo_opens_a_page(django_capture_on_commit_callbacks, settings):
    """The demo's notifications and emails, and what the demo's people then do (invite,
    pay, chat): every link is ours, not the API, and its page answers 200 to its reader
    (signed in on the browser: their object is shown)."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())
    sent = _links_sent()
    assert sent, "the demo sent no link at all"
    base = settings.TERANGA["PUBLIC_URL"].rstrip("/")
    owners = {}
    for link in set(sent):
        assert link.startswith(base), link
        path = urlsplit(link).path
        assert not path.startswith("/api/"), link
        notification = Notification.objects.filter(link=link).select_related("recipient").first()
        client = Client()
        if notification is not None:
            client.force_login(notification.recipient)
            owners[link] = notification.recipient.email
        page = client.get(link.removeprefix(base))
        assert page.status_code == 200, (link, page.status_code)
        if notification is not None and path.startswith("/o/"):
            assert 'id="summary"' in page.content.decode(), link  # the reader sees it


def test_handover_page_shows_the_object_to_its_owner_only(make_user):
    from teranga.platform.payments.links import PAYMENT  # noqa: F401
    from teranga.platform.payments.models import Payment

    call_command("seed_demo", stdout=io.StringIO())
    payment = Payment.objects.select_related("payer").exclude(payer=None).first()
    if payment is None:
        pytest.fail("the demo has no payment with a payer")
    path = object_link("payments.payment", payment.pk).split("://", 1)[1].split("/", 1)[1]
    owner = Client()
    owner.force_login(payment.payer)
    html = owner.get(f"/{path}").content.decode()
    assert 'id="summary"' in html and payment.organization.name in html
    stranger = Client()
    stranger.force_login(make_user("stranger@example.com"))
    html = stranger.get(f"/{path}").content.decode()
    assert 'id="summary"' not in html and payment.organization.name not in html


def test_invitation_link_opens_an_accept_page(
    client_for, make_user, django_capture_on_commit_callbacks
):
    call_command("seed_demo", stdout=io.StringIO())
    from teranga.platform.organizations.models import Membership, Organization, Role

    owner_membership = (
        Membership.objects.filter(role=Role.OWNER).select_related("user", "organization").first()
    )
    organization: Organization = owner_membership.organization
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner_membership.user, demo_password()).post(
            f"/api/v1/organizations/{organization.pk}/invitations/",
            {"email": "invitee@example.com", "role": "agent"},
            HTTP_ACCEPT_LANGUAGE="wo",
        )
    assert response.status_code == 201, response.content
    (link,) = {u for u in URL.findall(mail.outbox[-1].body) if "/invitations/" in u}
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client().get(f"/{path}")
    assert anonymous.status_code == 200
    html = anonymous.content.decode()
    assert organization.name in html and 'id="open-app"' in html and 'id="accept"' not in html

    invitee = make_user("invitee@example.com")
    browser = Client()
    browser.force_login(invitee)
    assert 'id="accept"' in browser.get(f"/{path}").content.decode()
    accepted = browser.post(f"/{path}")
    assert accepted.status_code == 200
    assert 'data-outcome="accepted"' in accepted.content.decode()
    assert Membership.objects.filter(
        organization=organization, user=invitee, role=Role.AGENT
    ).exists()
    # Used: the page now says so, and a second accept changes nothing.
    assert Client().get(f"/{path}").status_code == 404


def test_home_page_and_api_index(settings):
    call_command("seed_demo", stdout=io.StringIO())
    home = Client().get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert home.status_code == 200 and home["Content-Type"].startswith("text/html")
    html = home.content.decode()
    for expected in (
        "/api/docs/",
        "/api/schema/",
        "/health/ready/",
        "/api/v1/booking/",
        "/api/v1/smartqueue/",
        ADMIN_EMAIL,
        demo_password(),
        "/smartqueue/console/",
    ):
        assert expected in html, expected
    settings.TERANGA = {**settings.TERANGA, "DEMO": False}
    html = Client().get("/").content.decode()
    assert ADMIN_EMAIL not in html and demo_password() not in html

    index = Client().get("/api/v1/")
    assert index.status_code == 200
    body = index.json()
    assert body["schema"] == "/api/schema/" and body["docs"] == "/api/docs/"
    assert {p["label"] for p in body["products"]} >= {"booking", "smartqueue"}


def test_universal_link_files(settings):
    assert Client().get("/.well-known/assetlinks.json").status_code == 404
    settings.TERANGA = {
        **settings.TERANGA,
        "APP_ANDROID_PACKAGE": "sn.teranga.app",
        "APP_ANDROID_SHA256": ["AB:CD"],
        "APP_IOS_APP_IDS": ["TEAM123.sn.teranga.app"],
    }
    android = Client().get("/.well-known/assetlinks.json").json()
    assert android[0]["target"]["package_name"] == "sn.teranga.app"
    apple = Client().get("/.well-known/apple-app-site-association").json()
    assert apple["applinks"]["details"][0]["appIDs"] == ["TEAM123.sn.teranga.app"]
    assert {"/": "/o/*"} in apple["applinks"]["details"][0]["components"]


def test_account_emails_link_to_our_pages(api, make_user, django_capture_on_commit_callbacks):
    """allauth's emails link to /account/… pages of ours (never a bare app scheme): the
    "account already exists" email of a signup with a known address, for one."""
    make_user("known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = api.post(
            "/_allauth/app/v1/auth/signup",
            {"email": "known@example.com", "password": "Another-Pass-2026!"},
            format="json",
        )
        new = api.post(
            "/_allauth/app/v1/auth/signup",
            {"email": "new@example.com", "password": "Another-Pass-2026!"},
            format="json",
        )
    assert known.status_code == new.status_code, (known.content, new.content)
    links = [u for m in mail.outbox for u in URL.findall(m.body)]
    assert links, [m.body for m in mail.outbox]
    for link in links:
        path = urlsplit(link).path
        assert path.startswith("/account/"), link
        page = Client().get(path)
        assert page.status_code == 200 and 'href="teranga://account/' in page.content.decode()
