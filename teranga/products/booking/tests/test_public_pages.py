"""The public booking page (``/b/<slug>/``) over HTTP: what it shows, a guest's booking
verified by SMS code (sandbox outbox), a signed-in booking, the manage page (cancel and
move within the policy), the rate limits and codes' expiry and attempts, and the host
names a business registers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from conftest import DEFAULT_PASSWORD
from teranga.core.encryption import phone_hash
from teranga.platform.notifications.models import SmsMessage
from teranga.platform.organizations.models import Branch, OpeningHours, VerificationStatus
from teranga.platform.scheduling.models import Booking, BookingStatus
from teranga.products.booking.models import GuestCheck, PublicPage, PublicPageHost, Reservation
from teranga.products.booking.public_pages import manage_token

# The shop's clock: Monday 2 March 2026, 08:00 UTC (Dakar is UTC). A slot on Wednesday.
SLOT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
LATE_SLOT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # today: inside the 24 h notice
PHONE = "+221771234567"


@pytest.fixture
def page(shop):
    branch = Branch.objects.create(
        organization=shop.business,
        name="Salon Awa — Thiès",
        address="Avenue Léopold Senghor",
        commune="Thiès",
        latitude="14.791000",
        longitude="-16.925600",
    )
    for day in range(6):
        OpeningHours.objects.create(branch=branch, weekday=day, opens_at="09:00", closes_at="18:00")
    return PublicPage.objects.create(organization=shop.business, slug="chez-awa", is_enabled=True)


def _start(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def _last_code(phone: str = PHONE) -> str:
    sent = SmsMessage.objects.filter(to_hash=phone_hash(phone), purpose="booking_guest_code")
    message = sent.latest("created_at")
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def _guest_start(client, shop, *, moment=SLOT, phone=PHONE, service=None, **extra):
    return client.post(
        "/b/chez-awa/book/",
        {
            "service": str((service or shop.service).pk),
            "start": _start(moment),
            "mode": "guest",
            "name": "Fatou Sow",
            "phone": phone,
            "note": "",
            **extra,
        },
    )


def _guest_book(client, shop, **kwargs):
    response = _guest_start(client, shop, **kwargs)
    assert response.status_code == 302, response.content[:500]
    verify = response["Location"]
    response = client.post(verify, {"code": _last_code(kwargs.get("phone", PHONE))})
    assert response.status_code == 302, response.content[:800]
    return response["Location"]


# --- The page ---


def test_page_shows_services_prices_slots_hours_map_and_policy(
    page, shop, django_assert_max_num_queries
):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with django_assert_max_num_queries(30):
        response = client.get("/b/chez-awa/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Salon Awa" in html and "Coupe" in html and "Massage" in html
    assert "5\u202f000\xa0F\u202fCFA" in html or "5 000 F CFA" in html.replace(
        "\u202f", " "
    ).replace("\xa0", " ")
    assert f"start={_start(SLOT)}" in html
    assert "https://www.openstreetmap.org/?mlat=14.791000&amp;mlon=-16.925600" in html
    assert "Avenue Léopold Senghor" in html and "09:00" in html
    assert "Free cancellation up to 24 hours before." in html
    assert len(response.content) < 100_000


def test_query_count_does_not_grow_with_services(page, shop, django_assert_num_queries):
    from teranga.products.booking.tests.factories import ServiceFactory

    client = Client()
    client.get("/b/chez-awa/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        client.get("/b/chez-awa/")
    ServiceFactory(
        organization=shop.business, name="Tresses", price_amount=9000, payment_mode="on_site"
    )
    with CaptureQueriesContext(connection) as three:
        client.get("/b/chez-awa/")
    # One slot computation per service (a fixed number of queries each), no per-slot query.
    per_service = len(three) - len(two)
    assert per_service <= 8


@pytest.mark.parametrize("language", ["en", "wo", "fr"])
def test_page_language_from_accept_language_and_switch(page, language):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/b/chez-awa/")
    assert response.status_code == 200
    assert response["Content-Language"] == language
    assert f'<html lang="{language}">' in response.content.decode()
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    switched = client.get(f"/b/chez-awa/?lang={language}")
    assert switched["Content-Language"] == language
    # Remembered for the next pages (the language cookie).
    assert client.get("/b/chez-awa/")["Content-Language"] == language


def test_page_404_when_disabled_unverified_or_unknown(page, shop):
    client = Client()
    assert client.get("/b/nobody-here/").status_code == 404
    PublicPage.objects.filter(pk=page.pk).update(is_enabled=False)
    assert client.get("/b/chez-awa/").status_code == 404
    PublicPage.objects.filter(pk=page.pk).update(is_enabled=True)
    shop.business.verification_status = VerificationStatus.PENDING
    shop.business.save()
    assert client.get("/b/chez-awa/").status_code == 404


def test_book_page_of_another_business_service_is_404(page, shop):
    from teranga.products.booking.tests.factories import ServiceFactory

    foreign = ServiceFactory(organization=shop.other, payment_mode="on_site")
    response = Client().get(f"/b/chez-awa/book/?service={foreign.pk}&start={_start(SLOT)}")
    assert response.status_code == 404
    assert Client().get("/b/chez-awa/book/?service=nope&start=x").status_code == 404


# --- A guest's booking ---


def test_guest_books_with_sms_code_and_cancels_from_manage_link(page, shop):
    client = Client()
    response = client.get(f"/b/chez-awa/book/?service={shop.service.pk}&start={_start(SLOT)}")
    assert response.status_code == 200 and b"book-guest" in response.content
    confirmed = _guest_book(client, shop)
    reservation = Reservation.objects.get()
    assert reservation.booking.client_id is None
    assert (reservation.guest_name, reservation.guest_phone) == ("Fatou Sow", PHONE)
    assert reservation.booking.status == BookingStatus.CONFIRMED
    check = GuestCheck.objects.get()
    assert check.used_at is not None and "code" not in check.code_hash and len(check.code_hash) > 20
    page_html = client.get(confirmed).content.decode()
    assert "Coupe" in page_html and "manage-link" in page_html
    # The manage link also went by SMS, built from PUBLIC_URL.
    link_sms = SmsMessage.objects.get(purpose="booking_guest_manage_link")
    link = re.search(r"(http\S+)", link_sms.body).group(1)
    assert link.startswith("http://") and "/b/chez-awa/manage/" in link
    path = link.split("//", 1)[1].split("/", 1)[1]
    manage = client.get("/" + path.split("?")[0])
    assert manage.status_code == 200 and b'id="cancel"' in manage.content
    cancel = client.post("/" + path.split("?")[0] + "cancel/")
    assert cancel.status_code == 302
    reservation.booking.refresh_from_db()
    assert reservation.booking.status == BookingStatus.CANCELLED_BY_CLIENT


def test_wrong_code_spends_attempts_then_refuses(page, shop):
    client = Client()
    verify = _guest_start(client, shop)["Location"]
    right = _last_code()
    wrong = "000000" if right != "000000" else "111111"
    for _attempt in range(5):
        response = client.post(verify, {"code": wrong})
        assert response.status_code == 400
    response = client.post(verify, {"code": right})
    assert response.status_code == 410
    assert not Reservation.objects.exists()
    assert GuestCheck.objects.get().attempts == 5


def test_code_expires(page, shop, clock):
    client = Client()
    verify = _guest_start(client, shop)["Location"]
    code = _last_code()
    clock.shift(timedelta(minutes=11))
    response = client.post(verify, {"code": code})
    assert response.status_code == 410 and b"code_expired" in response.content
    assert not Reservation.objects.exists()


def test_code_is_used_once(page, shop):
    client = Client()
    verify = _guest_start(client, shop)["Location"]
    code = _last_code()
    assert client.post(verify, {"code": code}).status_code == 302
    assert client.post(verify, {"code": code}).status_code == 409
    assert Reservation.objects.count() == 1


def test_guest_bad_input_changes_nothing(page, shop):
    client = Client()
    response = _guest_start(client, shop, phone="12")
    # The form again, the error beside the phone field.
    assert response.status_code == 400 and b'id="book-guest"' in response.content
    assert b"errorlist" in response.content
    response = _guest_start(client, shop, name="")
    assert response.status_code == 400
    assert not GuestCheck.objects.exists() and not SmsMessage.objects.exists()
    assert (
        client.post(
            "/b/chez-awa/verify/00000000-0000-0000-0000-000000000000/", {"code": "123456"}
        ).status_code
        == 404
    )


def test_guest_cannot_book_a_service_paid_online(page, shop):
    response = _guest_start(Client(), shop, service=shop.online)
    assert response.status_code == 409 and b"online_payment_in_app" in response.content
    assert not SmsMessage.objects.exists()


@override_settings()
def test_codes_rate_limited_per_phone_tight_and_per_address_wide(page, shop):
    from django.conf import settings

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates["booking_guest_phone"] == "5/hour"
    client = Client()
    for _n in range(5):
        assert _guest_start(client, shop).status_code == 302
    response = _guest_start(client, shop)
    assert response.status_code == 429
    assert SmsMessage.objects.count() == 5
    # Another phone behind the same address still gets its code (the address budget is wide).
    assert _guest_start(client, shop, phone="+221771234568").status_code == 302
    cache.clear()


def test_slot_taken_meanwhile_shows_a_clear_message(page, shop):
    first, second = Client(), Client()
    verify_a = _guest_start(first, shop)["Location"]
    code_a = _last_code()
    verify_b = _guest_start(second, shop, phone="+221771234568")["Location"]
    code_b = _last_code("+221771234568")
    assert first.post(verify_a, {"code": code_a}).status_code == 302
    response = second.post(verify_b, {"code": code_b})
    assert response.status_code == 409
    assert b'id="error"' in response.content and b"slot_full" in response.content
    assert Reservation.objects.count() == 1


# --- Signed in ---


def test_signed_in_client_books_with_email_and_password(page, shop):
    client = Client()
    alice = shop.users["alice"]
    response = client.post(
        "/b/chez-awa/book/",
        {
            "service": str(shop.service.pk),
            "start": _start(SLOT),
            "mode": "signin",
            "email": alice.email,
            "password": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 302, response.content[:600]
    reservation = Reservation.objects.get()
    assert reservation.booking.client_id == alice.pk and reservation.guest_phone == ""
    # Signed in now: the next booking is one click.
    response = client.get(
        f"/b/chez-awa/book/?service={shop.service.pk}&start={_start(SLOT + timedelta(hours=2))}"
    )
    assert b"book-account" in response.content


def test_an_account_with_two_step_verification_is_sent_to_the_app(page, shop):
    from allauth.mfa.models import Authenticator

    alice = shop.users["alice"]
    Authenticator.objects.create(user=alice, type=Authenticator.Type.TOTP, data={"secret": "x"})
    response = Client().post(
        "/b/chez-awa/book/",
        {
            "service": str(shop.service.pk),
            "start": _start(SLOT),
            "mode": "signin",
            "email": alice.email,
            "password": DEFAULT_PASSWORD,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # The page asks for no second factor: the password alone signs nobody in here.
    assert response.status_code == 400
    assert b"two-step verification" in response.content
    assert not Reservation.objects.exists()


def test_wrong_password_is_refused_and_rate_limited(page, shop):
    client = Client()
    alice = shop.users["alice"]
    data = {
        "service": str(shop.service.pk),
        "start": _start(SLOT),
        "mode": "signin",
        "email": alice.email,
        "password": "wrong-password-123",
    }
    statuses = [client.post("/b/chez-awa/book/", data).status_code for _n in range(6)]
    assert statuses == [400] * 6
    last = client.post("/b/chez-awa/book/", {**data, "password": DEFAULT_PASSWORD})
    # The login budget (5 failures per address and account) is spent: even the right
    # password is refused for now.
    assert last.status_code == 400 and not Reservation.objects.exists()


def test_signed_in_online_service_is_handed_to_the_payment_flow(
    page, shop, django_capture_on_commit_callbacks
):
    from teranga.platform.payments.models import Payment
    from teranga.products.booking.tests.test_payments import press

    client = Client()
    client.force_login(shop.users["alice"])
    response = client.post(
        "/b/chez-awa/book/",
        {"service": str(shop.online.pk), "start": _start(SLOT), "mode": "account"},
    )
    assert response.status_code == 302 and "/pay/" in response["Location"]
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING and booking.hold_expires_at is not None
    pay_page = client.get(response["Location"])
    assert pay_page.status_code == 200 and b'value="sandbox"' in pay_page.content
    # Only its client pays: another visitor with the link gets 404.
    assert Client().get(response["Location"]).status_code == 404
    assert client.post(response["Location"], {"provider": "nope"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        checkout = client.post(response["Location"], {"provider": "sandbox"})
    assert checkout.status_code == 302 and "/pay/sandbox/" in checkout["Location"]
    payment = Payment.objects.get()
    assert "/b/chez-awa/confirmed/" in payment.return_url
    with django_capture_on_commit_callbacks(execute=True):
        press(payment.pk)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# --- The manage page ---


def test_manage_reschedules_within_policy(page, shop):
    client = Client()
    confirmed = _guest_book(client, shop)
    token = confirmed.rstrip("/").rsplit("/", 1)[1]
    new = SLOT + timedelta(days=1)
    response = client.post(f"/b/chez-awa/manage/{token}/reschedule/", {"start": _start(new)})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.starts_at == new and booking.status == BookingStatus.CONFIRMED


def test_manage_outside_policy_changes_nothing(page, shop):
    client = Client()
    confirmed = _guest_book(client, shop, moment=LATE_SLOT)
    token = confirmed.rstrip("/").rsplit("/", 1)[1]
    manage = client.get(f"/b/chez-awa/manage/{token}/")
    assert b"too-late-cancel" in manage.content and b'id="cancel"' not in manage.content
    response = client.post(f"/b/chez-awa/manage/{token}/cancel/")
    assert response.status_code == 409 and b"cancellation_too_late" in response.content
    response = client.post(f"/b/chez-awa/manage/{token}/reschedule/", {"start": _start(SLOT)})
    assert response.status_code == 409
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED and booking.starts_at == LATE_SLOT


def test_manage_token_is_signed_and_bound_to_its_page(page, shop):
    client = Client()
    _guest_book(client, shop)
    reservation = Reservation.objects.get()
    assert client.get(f"/b/chez-awa/manage/{reservation.pk}/").status_code == 404
    assert client.get(f"/b/chez-awa/manage/{manage_token(reservation.pk)}x/").status_code == 404
    other = PublicPage.objects.create(organization=shop.other, slug="autre-page", is_enabled=True)
    assert client.get(f"/b/{other.slug}/manage/{manage_token(reservation.pk)}/").status_code == 404


# --- Host names ---


def test_registered_host_serves_the_page_unregistered_is_refused(page, shop):
    PublicPageHost.objects.create(page=page, host="rdv.salon-awa.sn")
    client = Client(HTTP_HOST="rdv.salon-awa.sn")
    response = client.get("/")
    assert response.status_code == 200 and b"Salon Awa" in response.content
    # Only the page: the rest of the site is not served on that host.
    assert client.get("/admin/").status_code == 404
    assert client.get("/api/v1/").status_code == 404
    assert Client(HTTP_HOST="unknown.example.sn").get("/").status_code == 400
    # Removed from the allow-list: refused at once (the cached lookup is invalidated).
    PublicPageHost.objects.all().delete()
    assert client.get("/").status_code == 400


def test_host_of_a_disabled_page_is_refused(page, shop):
    PublicPageHost.objects.create(page=page, host="rdv.salon-awa.sn")
    assert Client(HTTP_HOST="rdv.salon-awa.sn").get("/").status_code == 200
    page.is_enabled = False
    page.save()
    assert Client(HTTP_HOST="rdv.salon-awa.sn").get("/").status_code == 400


def test_guest_books_through_a_registered_host_with_csrf(page, shop):
    PublicPageHost.objects.create(page=page, host="rdv.salon-awa.sn")
    client = Client(HTTP_HOST="rdv.salon-awa.sn", enforce_csrf_checks=True)
    form = client.get(f"/book/?service={shop.service.pk}&start={_start(SLOT)}")
    assert form.status_code == 200
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content).group(1)
    response = client.post(
        "/book/",
        {
            "csrfmiddlewaretoken": token.decode(),
            "service": str(shop.service.pk),
            "start": _start(SLOT),
            "mode": "guest",
            "name": "Fatou Sow",
            "phone": PHONE,
        },
        HTTP_ORIGIN="http://rdv.salon-awa.sn",
    )
    assert response.status_code == 302 and GuestCheck.objects.exists()


# --- Admin, housekeeping ---


def test_admin_lists_pages_hosts_and_checks_and_validates_the_slug(page, shop, client):
    from django.urls import reverse

    from conftest import create_user

    PublicPageHost.objects.create(page=page, host="rdv.salon-awa.sn")
    _guest_start(Client(), shop)
    client.force_login(create_user("root@example.test", is_staff=True, is_superuser=True))
    changelist = reverse("admin:booking_publicpage_changelist")
    assert client.get(changelist, {"q": "rdv.salon-awa"}).status_code == 200
    assert client.get(changelist, {"is_enabled__exact": "1"}).status_code == 200
    change = reverse("admin:booking_publicpage_change", args=[page.pk])
    assert client.get(change).status_code == 200
    checks = client.get(reverse("admin:booking_guestcheck_changelist"))
    assert checks.status_code == 200 and b"+221771234567" in checks.content
    form = {
        "organization": str(shop.business.pk),
        "slug": "admin",
        "is_enabled": "on",
        "hosts-TOTAL_FORMS": "0",
        "hosts-INITIAL_FORMS": "0",
        "hosts-MIN_NUM_FORMS": "0",
        "hosts-MAX_NUM_FORMS": "1000",
    }
    response = client.post(change, form)
    assert response.status_code == 200  # the form again, with the error
    page.refresh_from_db()
    assert page.slug == "chez-awa"


def test_old_guest_checks_are_purged(page, shop, clock):
    from teranga.products.booking.services.public_page import guest_checks_purge

    _guest_start(Client(), shop)
    assert guest_checks_purge() == 0
    clock.shift(timedelta(days=2))
    assert guest_checks_purge() == 1
    assert not GuestCheck.objects.exists()
