"""Issue 15, defect 4: login limits stop guessing without letting a stranger lock a user
out, and do not lock out everyone behind one carrier-NAT address.

- failures count per (client address, account): a stranger failing from address A does
  not stop the owner from address B, and the owner failing from A is stopped on A;
- a slower budget per account bounds guessing spread over many addresses, but the owner's
  known device (token set at login: cookie, or ``X-Known-Device`` header) skips it;
- per-address limits are wide enough for many users behind one address, but bounded;
- ``X-Forwarded-For`` is believed only behind ``TRUSTED_PROXY_COUNT`` proxies."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import AUTH, DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = f"{AUTH}/auth/login"
EMAIL = "owner@example.com"
A, B, C = "203.0.113.10", "198.51.100.20", "192.0.2.30"


def attempt(password: str, *, address: str, email: str = EMAIL, client=None, **headers):
    client = client or APIClient()
    return client.post(
        LOGIN, {"email": email, "password": password}, format="json", REMOTE_ADDR=address, **headers
    )


def refused(response) -> bool:
    return (
        response.status_code == 400
        and response.json()["errors"][0]["code"] == "too_many_login_attempts"
    )


@pytest.fixture
def owner(make_user):
    return make_user(EMAIL)


def test_a_stranger_failing_elsewhere_does_not_lock_the_owner_out(owner):
    for i in range(12):
        assert attempt(f"guess-{i}", address=A).status_code == 400
    assert refused(attempt(DEFAULT_PASSWORD, address=A))
    ok = attempt(DEFAULT_PASSWORD, address=B)
    assert ok.status_code == 200, ok.content


def test_the_owner_failing_from_one_address_is_stopped_there(owner):
    failures = [attempt(f"typo-{i}", address=A) for i in range(5)]
    assert all(r.status_code == 400 and not refused(r) for r in failures)
    # Five failures for (A, owner): even the right password is refused from A.
    assert refused(attempt(DEFAULT_PASSWORD, address=A))
    assert refused(attempt("typo-again", address=A))
    # Another account from the same address is not affected.
    other = APIClient().post(
        LOGIN,
        {"email": "someone-else@example.com", "password": "x"},
        format="json",
        REMOTE_ADDR=A,
    )
    assert other.status_code == 400 and not refused(other)


def test_successful_logins_do_not_count_as_failures(owner):
    for i in range(4):
        assert attempt(f"typo-{i}", address=A).status_code == 400
    for _ in range(3):
        assert attempt(DEFAULT_PASSWORD, address=A).status_code == 200
    # The successes spent nothing: the fifth failure is still answered as a failure...
    fifth = attempt("typo-4", address=A)
    assert fifth.status_code == 400 and not refused(fifth)
    # ...and only then is the address stopped for this account.
    assert refused(attempt(DEFAULT_PASSWORD, address=A))


def test_the_per_account_budget_stops_a_distributed_guesser_but_not_the_known_device(owner):
    # The owner logged in earlier on their phone (app: header) and laptop (browser: cookie).
    phone = attempt(DEFAULT_PASSWORD, address=B)
    assert phone.status_code == 200, phone.content
    device_token = phone["X-Known-Device"]
    laptop = APIClient()
    first = attempt(DEFAULT_PASSWORD, address=B, client=laptop)
    cookie = first.cookies["teranga_known_device"]
    assert cookie["httponly"] and cookie["path"] == "/_allauth/"
    # New request cookies only: no stale session state.
    browser = APIClient()
    browser.cookies["teranga_known_device"] = cookie.value

    # A guesser spreads 20 guesses over 20 addresses (one each: no pair limit is hit).
    for i in range(20):
        response = attempt(f"guess-{i}", address=f"10.9.{i}.1")
        assert response.status_code == 400 and not refused(response)
    # The account's budget is spent: a new address is refused, even with the password.
    assert refused(attempt("guess-x", address="10.9.99.1"))
    assert refused(attempt(DEFAULT_PASSWORD, address=C))

    # The owner's known devices still log in, from anywhere.
    ok = attempt(DEFAULT_PASSWORD, address=C, HTTP_X_KNOWN_DEVICE=device_token)
    assert ok.status_code == 200, ok.content
    ok = attempt(DEFAULT_PASSWORD, address="10.9.0.1", client=browser)
    assert ok.status_code == 200, ok.content
    # A forged or foreign token does not.
    assert refused(attempt(DEFAULT_PASSWORD, address=C, HTTP_X_KNOWN_DEVICE=device_token + "x"))


def test_a_known_device_token_is_bound_to_its_account_and_password(owner, make_user):
    make_user("other@example.com")
    other_token = attempt(DEFAULT_PASSWORD, address=B, email="other@example.com")["X-Known-Device"]
    stale_token = attempt(DEFAULT_PASSWORD, address=B)["X-Known-Device"]
    new_password = "A-New-Password-2027!"
    owner.set_password(new_password)
    owner.save()
    for i in range(20):
        attempt(f"guess-{i}", address=f"10.8.{i}.1")
    # Another account's token does not exempt this one.
    assert refused(attempt(new_password, address=C, HTTP_X_KNOWN_DEVICE=other_token))
    # A token issued before the password changed no longer counts.
    assert refused(attempt(new_password, address=C, HTTP_X_KNOWN_DEVICE=stale_token))


def test_many_users_behind_one_nat_address_can_log_in(make_user):
    nat = "41.82.0.1"  # one carrier-NAT address
    for i in range(40):
        make_user(f"subscriber{i}@example.com")
    for i in range(40):
        # A typo first, then the right password: ordinary people behind one address.
        assert attempt("typo", address=nat, email=f"subscriber{i}@example.com").status_code == 400
        ok = attempt(DEFAULT_PASSWORD, address=nat, email=f"subscriber{i}@example.com")
        assert ok.status_code == 200, (i, ok.content)


def test_one_address_total_failures_are_bounded(owner):
    nat = "41.82.0.2"
    for i in range(100):
        response = attempt("x", address=nat, email=f"nobody{i}@example.com")
        assert response.status_code == 400 and not refused(response), i
    assert refused(attempt("x", address=nat, email="nobody-more@example.com"))
    # The owner's known device behind that address still logs in.
    token = attempt(DEFAULT_PASSWORD, address=B)["X-Known-Device"]
    ok = attempt(DEFAULT_PASSWORD, address=nat, HTTP_X_KNOWN_DEVICE=token)
    assert ok.status_code == 200, ok.content


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # A guesser writes a new X-Forwarded-For each time: still one address (REMOTE_ADDR).
    for i in range(5):
        attempt(f"guess-{i}", address=A, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    assert refused(attempt(DEFAULT_PASSWORD, address=A, HTTP_X_FORWARDED_FOR="10.0.0.99"))


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    # The stranger's guesses through our proxy are counted against their own address;
    # what they write in front of the header is ignored.
    for i in range(5):
        attempt(f"guess-{i}", address=proxy, HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, {A}")
    assert refused(attempt(DEFAULT_PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"9.9.9.9, {A}"))
    # The owner, through the same proxy from another address, logs in.
    ok = attempt(DEFAULT_PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=B)
    assert ok.status_code == 200, ok.content


def test_the_metrics_allow_list_reads_the_same_client_address(settings):
    from django.test import Client

    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXY_COUNT = 0
    # Untrusted: a written header is ignored, the connection's address decides.
    assert (
        Client().get("/metrics", REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code
        == 404
    )
    settings.TRUSTED_PROXY_COUNT = 1
    # Behind our proxy (8.8.8.8 here), the forwarded client address decides.
    assert (
        Client().get("/metrics", REMOTE_ADDR="8.8.8.8", HTTP_X_FORWARDED_FOR="10.0.0.1").status_code
        == 200
    )
    assert (
        Client()
        .get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.5, 8.8.4.4")
        .status_code
        == 404
    )
