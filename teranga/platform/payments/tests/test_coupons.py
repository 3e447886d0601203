"""Coupons: every pricing rule, the discount arithmetic, holding/recording/consuming/
releasing uses, the last use under real threads, the staff CRUD endpoints and the
validate endpoint.

A small payable, ``tests.coupon_item``, is registered once at import: its quotes are
whatever a test stores in :data:`ITEMS` (organisation, amount, currency, scopes)."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from teranga.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from teranga.core.registry import thawed
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import (
    OrganizationFactory,
    member,
    organization_with_owner,
    user,
)
from teranga.platform.payments.models import Coupon, CouponRedemption, Payment, RedemptionStatus
from teranga.platform.payments.payables import PayableBase, Quote, QuoteLine, payables
from teranga.platform.payments.services.coupons import (
    coupons_consume,
    coupons_hold,
    coupons_price,
    coupons_record,
    coupons_release,
    percent_of,
)
from tests.skips import require

from .test_subscriptions import sandbox_choose

ITEM = "tests.coupon_item"
ITEMS: dict[str, Quote] = {}
COUPONS = "/api/v1/coupons/"
VALIDATE = "/api/v1/coupons/validate/"
THREADS = 24


class CouponItemPayable(PayableBase):
    def quote(self, *, target_id: str, payer) -> Quote:
        try:
            return ITEMS[str(target_id)]
        except KeyError:
            raise NotFound(code="item_not_found") from None

    def fulfil(self, *, payment) -> None:
        return None


with thawed():
    if ITEM not in payables:
        payables.register(ITEM, CouponItemPayable())


def item(organization, amount=10000, currency="XOF", *, scopes=(), coupons_allowed=True) -> str:
    """Store a quote for ``organization``; returns its target id."""
    target_id = str(uuid.uuid4())
    ITEMS[target_id] = Quote(
        organization=organization,
        currency=currency,
        description="Article de test",
        lines=(QuoteLine(description="Article de test", unit_amount=amount),),
        scopes=tuple(scopes),
        coupons_allowed=coupons_allowed,
    )
    return target_id


def quote(organization, amount=10000, currency="XOF", **kwargs) -> Quote:
    return ITEMS[item(organization, amount, currency, **kwargs)]


def coupon(organization, code="PROMO10", **fields) -> Coupon:
    fields.setdefault("kind", "percent")
    if fields["kind"] == "percent":
        fields.setdefault("percent_off", 10)
    else:
        fields.setdefault("amount_off", 1000)
        fields.setdefault("currency", organization.currency)
    return Coupon.objects.create(organization=organization, code=code, **fields)


def payment_for(q: Quote, payer, pricing=None) -> Payment:
    """A payment row as the lead's ``payment_initiate`` writes it."""
    return Payment.objects.create(
        organization=q.organization,
        payer=payer,
        target_type=ITEM,
        target_id=str(uuid.uuid4()),
        description=q.description,
        subtotal_amount=q.amount,
        discount_amount=pricing.discount if pricing else 0,
        amount=pricing.total if pricing else q.amount,
        currency=q.currency,
        provider="sandbox",
        expires_at=timezone.now() + timedelta(minutes=30),
    )


def redeem(q: Quote, codes, payer) -> Payment:
    with transaction.atomic():
        pricing = coupons_hold(quote=q, codes=codes, payer=payer)
        payment = payment_for(q, payer, pricing)
        coupons_record(payment=payment, pricing=pricing)
    return payment


def refused(call, code: str, error_class=ApplicationError):
    with pytest.raises(error_class) as info:
        call()
    assert info.value.code == code, info.value.code
    return info.value


@pytest.fixture
def org(db):
    return OrganizationFactory()


@pytest.fixture
def payer(db):
    return user()


# --- Rules ---------------------------------------------------------------------------------


def price(q, codes, payer):
    return lambda: coupons_price(quote=q, codes=codes, payer=payer)


def test_unknown_code_and_another_organisations_code_are_not_found(org, payer):
    other = OrganizationFactory()
    coupon(other, "OTHER20")
    q = quote(org)
    error = refused(price(q, ["NOPE"], payer), "coupon_not_found", ValidationFailed)
    assert error.status_code == 400 and "codes" in error.fields
    refused(price(q, ["other20"], payer), "coupon_not_found")


def test_codes_compare_case_insensitively_and_a_repeated_code_counts_once(org, payer):
    coupon(org, "Promo10")
    pricing = coupons_price(quote=quote(org), codes=["promo10", " PROMO10 "], payer=payer)
    assert [a.coupon.code for a in pricing.applied] == ["Promo10"]
    assert (pricing.subtotal, pricing.discount, pricing.total) == (10000, 1000, 9000)


def test_window_and_activity(org, payer):
    now = timezone.now()
    coupon(org, "OFF", is_active=False)
    coupon(org, "LATER", valid_from=now + timedelta(hours=1))
    coupon(org, "PAST", valid_from=now - timedelta(days=2), valid_until=now - timedelta(days=1))
    coupon(org, "NOW", valid_from=now - timedelta(days=1), valid_until=now + timedelta(days=1))
    q = quote(org)
    refused(price(q, ["off"], payer), "coupon_inactive")
    refused(price(q, ["later"], payer), "coupon_not_started")
    refused(price(q, ["past"], payer), "coupon_expired")
    assert coupons_price(quote=q, codes=["now"], payer=payer).discount == 1000


def test_exhausted_is_a_conflict(org, payer):
    coupon(org, "LAST", max_uses=3, uses_count=3)
    error = refused(price(quote(org), ["LAST"], payer), "coupon_exhausted", Conflict)
    assert error.status_code == 409


def test_per_user_limit_counts_held_and_used_not_released(org, payer):
    c = coupon(org, "ONCE", max_uses_per_user=1)
    q = quote(org)
    first = redeem(q, ["ONCE"], payer)
    refused(price(q, ["ONCE"], payer), "coupon_user_limit", Conflict)
    coupons_consume(payment=first)
    refused(price(q, ["ONCE"], payer), "coupon_user_limit")
    CouponRedemption.objects.filter(coupon=c).update(status=RedemptionStatus.RELEASED)
    assert coupons_price(quote=q, codes=["ONCE"], payer=payer).discount == 1000
    assert coupons_price(quote=q, codes=["ONCE"], payer=user()).discount == 1000
    refused(price(q, ["ONCE"], None), "coupon_login_required")


def test_scope(org, payer):
    coupon(org, "SERVICE", scope_type="booking.service", scope_id="s-1")
    coupon(org, "ANYSERVICE", scope_type="booking.service")
    scoped = quote(org, scopes=[("booking.service", "s-1")])
    elsewhere = quote(org, scopes=[("booking.service", "s-2")])
    unscoped = quote(org)
    assert coupons_price(quote=scoped, codes=["SERVICE"], payer=payer).discount == 1000
    refused(price(elsewhere, ["SERVICE"], payer), "coupon_not_applicable")
    refused(price(unscoped, ["SERVICE"], payer), "coupon_not_applicable")
    assert coupons_price(quote=elsewhere, codes=["ANYSERVICE"], payer=payer).discount == 1000
    refused(price(unscoped, ["ANYSERVICE"], payer), "coupon_not_applicable")


def test_currency_and_minimum(org, payer):
    coupon(org, "EURO", kind="fixed", amount_off=500, currency="EUR")
    coupon(org, "BIG", min_amount=20000, currency="XOF")
    refused(price(quote(org), ["EURO"], payer), "coupon_currency_mismatch")
    refused(price(quote(org, 19999), ["BIG"], payer), "coupon_min_amount")
    assert coupons_price(quote=quote(org, 20000), codes=["BIG"], payer=payer).discount == 2000


def test_stacking_needs_every_coupon_stackable(org, payer):
    coupon(org, "SOLO")
    coupon(org, "STACK1", stackable=True)
    coupon(org, "STACK2", stackable=True)
    q = quote(org)
    refused(price(q, ["STACK1", "SOLO"], payer), "coupon_not_stackable")
    assert coupons_price(quote=q, codes=["SOLO"], payer=payer).discount == 1000
    assert coupons_price(quote=q, codes=["STACK1", "STACK2"], payer=payer).total == 8100


def test_coupons_not_allowed_and_too_many_codes(org, payer):
    coupon(org, "PROMO10")
    refused(price(quote(org, coupons_allowed=False), ["PROMO10"], payer), "coupons_not_allowed")
    refused(price(quote(org), [f"C{n:03}" for n in range(6)], payer), "too_many_coupons")
    pricing = coupons_price(quote=quote(org, coupons_allowed=False), codes=[], payer=payer)
    assert (pricing.discount, pricing.total, pricing.applied) == (0, 10000, ())


# --- Arithmetic ----------------------------------------------------------------------------


def test_percent_rounds_half_up_to_the_minor_unit():
    assert percent_of(999, 15) == 150  # 149.85 F
    assert percent_of(1010, 5) == 51  # 50.5 cents
    assert percent_of(1030, 5) == 52  # 51.5 cents
    assert percent_of(1009, 5) == 50  # 50.45 cents
    assert percent_of(7, 100) == 7


def test_xof_percent_and_fixed_cap(org, payer):
    coupon(org, "P15", percent_off=15)
    coupon(org, "F5000", kind="fixed", amount_off=5000)
    pricing = coupons_price(quote=quote(org, 999), codes=["p15"], payer=payer)
    assert (pricing.subtotal, pricing.discount, pricing.total) == (999, 150, 849)
    pricing = coupons_price(quote=quote(org, 3000), codes=["F5000"], payer=payer)
    assert (pricing.discount, pricing.total) == (3000, 0)


def test_eur_cents(db, payer):
    org = OrganizationFactory(currency="EUR", country="FR")
    coupon(org, "P5", percent_off=5)
    coupon(org, "F250", kind="fixed", amount_off=250)
    pricing = coupons_price(quote=quote(org, 1010, "EUR"), codes=["P5"], payer=payer)
    assert (pricing.discount, pricing.total, pricing.currency) == (51, 959, "EUR")
    pricing = coupons_price(quote=quote(org, 1999, "EUR"), codes=["F250"], payer=payer)
    assert (pricing.discount, pricing.total) == (250, 1749)


def test_stacking_order_percent_before_fixed_then_by_code(org, payer):
    coupon(org, "B20", percent_off=20, stackable=True)
    coupon(org, "A10", percent_off=10, stackable=True)
    coupon(org, "AAFIX", kind="fixed", amount_off=500, stackable=True)
    pricing = coupons_price(quote=quote(org), codes=["AAFIX", "B20", "A10"], payer=payer)
    # 10000 - 10 % = 9000; - 20 % of 9000 = 7200; - 500 = 6700.
    assert [(a.coupon.code, a.discount) for a in pricing.applied] == [
        ("A10", 1000),
        ("B20", 1800),
        ("AAFIX", 500),
    ]
    assert (pricing.discount, pricing.total) == (3300, 6700)


def test_total_never_below_zero(org, payer):
    coupon(org, "ALL", percent_off=100, stackable=True)
    coupon(org, "MORE", kind="fixed", amount_off=100, stackable=True)
    pricing = coupons_price(quote=quote(org, 1500), codes=["ALL", "MORE"], payer=payer)
    assert (pricing.discount, pricing.total) == (1500, 0)
    assert [a.discount for a in pricing.applied] == [1500, 0]


# --- Uses ----------------------------------------------------------------------------------


def test_hold_record_consume_and_release(org, payer):
    c = coupon(org, "TWO", max_uses=2)
    q = quote(org)
    first = redeem(q, ["TWO"], payer)
    second = redeem(q, ["two"], user())
    c.refresh_from_db()
    assert c.uses_count == 2
    assert first.discount_amount == 1000 and first.amount == 9000
    held = CouponRedemption.objects.filter(payment=first).values_list("status", flat=True)
    assert list(held) == ["held"]
    refused(lambda: redeem(q, ["TWO"], user()), "coupon_exhausted")

    assert coupons_consume(payment=first) == 1
    assert coupons_consume(payment=first) == 0  # idempotent
    assert coupons_release(payment=second) == 1
    assert coupons_release(payment=second) == 0
    assert coupons_release(payment=first) == 0  # a used redemption stays used
    c.refresh_from_db()
    assert c.uses_count == 1
    statuses = dict(CouponRedemption.objects.values_list("payment_id", "status"))
    assert statuses == {first.pk: "used", second.pk: "released"}
    redeem(q, ["TWO"], user())  # the released use is available again
    c.refresh_from_db()
    assert c.uses_count == 2


def test_a_late_success_takes_the_use_again_without_counting_past_the_maximum(org, payer):
    c = coupon(org, "ONE", max_uses=1)
    q = quote(org)
    late = redeem(q, ["ONE"], payer)
    coupons_release(payment=late)
    assert coupons_consume(payment=late) == 1  # the failed payment succeeded after all
    c.refresh_from_db()
    assert c.uses_count == 1
    coupons_release(payment=late)  # nothing: it is used
    other = payment_for(q, user())
    CouponRedemption.objects.create(
        coupon=c, payment=other, user=other.payer, discount_amount=1000, status="released"
    )
    assert coupons_consume(payment=other) == 1
    c.refresh_from_db()
    assert c.uses_count == 1  # used up: marked used, not counted past max_uses
    assert CouponRedemption.objects.filter(coupon=c, status="used").count() == 2


def test_record_refuses_a_coupon_used_up_meanwhile_and_the_database_refuses_too(org, payer):
    c = coupon(org, "RACE", max_uses=1)
    q = quote(org)
    with transaction.atomic():
        pricing = coupons_price(quote=q, codes=["RACE"], payer=payer)  # not held
        Coupon.objects.filter(pk=c.pk).update(uses_count=1)
        payment = payment_for(q, payer, pricing)
        refused(lambda: coupons_record(payment=payment, pricing=pricing), "coupon_exhausted")
    assert not CouponRedemption.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Coupon.objects.filter(pk=c.pk).update(uses_count=2)


def test_nothing_to_consume_or_release_is_cheap(org, payer, django_assert_max_num_queries):
    payment = payment_for(quote(org), payer)
    with django_assert_max_num_queries(1):
        assert coupons_consume(payment=payment) == 0
    with django_assert_max_num_queries(1):
        assert coupons_release(payment=payment) == 0


# --- The last use, under real threads ------------------------------------------------------


def race(calls) -> tuple[list, Counter, list]:
    barrier = threading.Barrier(len(calls))
    lock = threading.Lock()
    successes: list = []
    codes: Counter = Counter()
    unexpected: list = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            result = call()
            with lock:
                successes.append(result)
        except ApplicationError as error:
            with lock:
                codes[error.code] += 1
        except Exception as error:  # noqa: BLE001 — reported by the test
            with lock:
                unexpected.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a redemption thread hung"
    return successes, codes, unexpected


@pytest.fixture
def threaded(db):
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "threaded tests need separate connections: config/test_settings.py sets its TEST NAME",
    )


@pytest.mark.django_db(transaction=True)
def test_the_last_use_is_taken_once(threaded):
    org = OrganizationFactory()
    c = coupon(org, "LASTONE", max_uses=10, uses_count=9)
    q = quote(org)
    payers = [user() for _ in range(THREADS)]
    calls = [lambda who=who: redeem(q, ["lastone"], who).pk for who in payers]
    successes, codes, unexpected = race(calls)
    assert unexpected == []
    assert len(successes) == 1
    assert codes == Counter({"coupon_exhausted": THREADS - 1})
    c.refresh_from_db()
    assert c.uses_count == 10
    assert CouponRedemption.objects.filter(coupon=c).count() == 1
    assert Payment.objects.filter(discount_amount=1000).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_use_per_user_holds_under_threads(threaded):
    org = OrganizationFactory()
    c = coupon(org, "PERUSER", max_uses_per_user=1)
    q = quote(org)
    payer = user()
    successes, codes, unexpected = race(
        [lambda: redeem(q, ["PERUSER"], payer).pk for _ in range(THREADS)]
    )
    assert unexpected == []
    assert len(successes) == 1
    assert codes == Counter({"coupon_user_limit": THREADS - 1})
    c.refresh_from_db()
    assert c.uses_count == 1


# --- Staff CRUD over HTTP ------------------------------------------------------------------


@pytest.fixture
def staffed(db, client_for):
    """(organization, manager client, manager)."""
    organization, _owner = organization_with_owner()
    manager = member(organization, Role.MANAGER)
    return organization, client_for(manager), manager


def body(organization, **fields):
    return {"organization": str(organization.pk), "code": "bienvenue", "kind": "percent",
            "percent_off": 15, **fields}


def test_create_and_read(staffed):
    organization, client, manager = staffed
    response = client.post(COUPONS, body(organization, max_uses=100, description="Bienvenue"))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["code"] == "BIENVENUE"
    assert (data["kind"], data["percent_off"], data["amount_off"]) == ("percent", 15, None)
    assert (data["max_uses"], data["uses_count"], data["remaining_uses"]) == (100, 0, 100)
    assert Coupon.objects.get(pk=data["id"]).created_by == manager
    fixed = client.post(
        COUPONS, body(organization, code="MOINS500", kind="fixed", percent_off=None,
                      amount_off=500)
    )
    assert fixed.status_code == 201, fixed.content
    assert fixed.json()["currency"] == "XOF"  # the organisation's
    detail = client.get(f"{COUPONS}{data['id']}/")
    assert detail.status_code == 200 and detail.json()["code"] == "BIENVENUE"


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"percent_off": 0}, "invalid_coupon_value", "percent_off"),
        ({"percent_off": 101}, "invalid_coupon_value", "percent_off"),
        ({"percent_off": None}, "invalid_coupon_value", "percent_off"),
        ({"amount_off": 500}, "invalid_coupon_value", "amount_off"),
        ({"kind": "fixed", "percent_off": None}, "invalid_coupon_value", "amount_off"),
        ({"kind": "fixed", "percent_off": None, "amount_off": 0}, "invalid_coupon_value",
         "amount_off"),
        ({"code": "a b"}, "invalid_coupon_code", "code"),
        ({"code": "ab"}, "invalid_coupon_code", "code"),
        ({"valid_from": "2026-05-02T00:00:00Z", "valid_until": "2026-05-01T00:00:00Z"},
         "invalid_validity", "valid_until"),
        ({"max_uses": 0}, "invalid_max_uses", "max_uses"),
        ({"scope_id": "x"}, "invalid_scope", "scope_type"),
        ({"kind": "half"}, "invalid", "kind"),
        ({"currency": "USD"}, "invalid", "currency"),
        ({"min_amount": -1}, "invalid", "min_amount"),
        ({"colour": "red"}, "invalid", "colour"),
    ],
)
def test_create_refuses_bad_input_and_changes_nothing(staffed, fields, code, field):
    organization, client, _manager = staffed
    response = client.post(COUPONS, body(organization, **fields))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert not Coupon.objects.exists()


def test_codes_are_unique_per_organisation_whatever_the_case(staffed):
    organization, client, _manager = staffed
    assert client.post(COUPONS, body(organization, code="Ete2026")).status_code == 201
    response = client.post(COUPONS, body(organization, code="ETE2026"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "coupon_code_taken"
    other, owner = organization_with_owner()
    assert Coupon.objects.count() == 1
    coupon(other, "ETE2026")  # another organisation may use the same code


def test_list_filters_and_pagination(staffed, client_for):
    organization, client, _manager = staffed
    coupon(organization, "SUMMER10")
    coupon(organization, "WINTER10", is_active=False)
    coupon(OrganizationFactory(), "SUMMER20")
    response = client.get(COUPONS, {"organization": str(organization.pk)})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and {c["code"] for c in data["results"]} == {"SUMMER10", "WINTER10"}
    active = client.get(COUPONS, {"organization": str(organization.pk), "is_active": "true"})
    assert [c["code"] for c in active.json()["results"]] == ["SUMMER10"]
    searched = client.get(COUPONS, {"organization": str(organization.pk), "q": "wint"})
    assert [c["code"] for c in searched.json()["results"]] == ["WINTER10"]
    ordered = client.get(COUPONS, {"organization": str(organization.pk), "ordering": "code"})
    assert [c["code"] for c in ordered.json()["results"]] == ["SUMMER10", "WINTER10"]
    missing = client.get(COUPONS)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "organization_required"
    staff = client_for(user(is_staff=True))
    assert staff.get(COUPONS, {"organization": str(organization.pk)}).json()["count"] == 2


def test_update(staffed):
    organization, client, _manager = staffed
    c = coupon(organization, "CHANGE", max_uses=10, uses_count=4)
    url = f"{COUPONS}{c.pk}/"
    response = client.patch(url, {"kind": "fixed", "amount_off": 750, "stackable": True})
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["kind"], data["percent_off"], data["amount_off"]) == ("fixed", None, 750)
    assert data["currency"] == "XOF" and data["stackable"] is True
    for bad, code in [
        ({"max_uses": 3}, "max_uses_below_uses"),
        ({"amount_off": 0}, "invalid_coupon_value"),
        ({"valid_from": "2026-05-02T00:00:00Z", "valid_until": "2026-05-02T00:00:00Z"},
         "invalid_validity"),
        ({"uses_count": 0}, "invalid"),
    ]:
        refused_response = client.patch(url, bad)
        assert refused_response.status_code == 400, (bad, refused_response.content)
        assert refused_response.json()["error"]["code"] == code
    c.refresh_from_db()
    assert (c.kind, c.amount_off, c.max_uses, c.uses_count, c.valid_from) == (
        "fixed", 750, 10, 4, None
    )
    coupon(organization, "TAKEN")
    taken = client.patch(url, {"code": "taken"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "coupon_code_taken"


def test_delete_only_when_never_redeemed(staffed, payer):
    organization, client, _manager = staffed
    unused = coupon(organization, "UNUSED")
    assert client.delete(f"{COUPONS}{unused.pk}/").status_code == 204
    assert not Coupon.objects.filter(pk=unused.pk).exists()
    used = coupon(organization, "USED")
    redeem(quote(organization), ["USED"], payer)
    response = client.delete(f"{COUPONS}{used.pk}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "coupon_in_use"
    assert Coupon.objects.filter(pk=used.pk).exists()
    assert client.patch(f"{COUPONS}{used.pk}/", {"is_active": False}).status_code == 200


def test_another_organisations_coupons_are_not_found(staffed):
    organization, client, _manager = staffed
    other, _owner = organization_with_owner()
    theirs = coupon(other, "THEIRS")
    url = f"{COUPONS}{theirs.pk}/"
    for response in (
        client.get(url),
        client.patch(url, {"is_active": False}),
        client.delete(url),
        client.get(COUPONS, {"organization": str(other.pk)}),
        client.post(COUPONS, body(other)),
        client.get(f"{COUPONS}{uuid.uuid4()}/"),
    ):
        assert response.status_code == 404, response.content
    theirs.refresh_from_db()
    assert theirs.is_active and Coupon.objects.filter(organization=other).count() == 1


def test_members_below_manager_are_forbidden(staffed, client_for, api):
    organization, _client, _manager = staffed
    agent = client_for(member(organization, Role.AGENT))
    mine = coupon(organization, "MINE")
    url = f"{COUPONS}{mine.pk}/"
    for response in (
        agent.get(url),
        agent.patch(url, {"is_active": False}),
        agent.delete(url),
        agent.get(COUPONS, {"organization": str(organization.pk)}),
        agent.post(COUPONS, body(organization, code="AGENT")),
    ):
        assert response.status_code == 403, response.content
    assert api.get(url).status_code == 401
    staff = client_for(user(is_staff=True))
    assert staff.get(url).status_code == 200
    assert staff.patch(url, {"is_active": False}).status_code == 404  # staff only read
    mine.refresh_from_db()
    assert mine.is_active and Coupon.objects.count() == 1


# --- Validate endpoint ---------------------------------------------------------------------


def test_validate(client_for, org, payer):
    coupon(org, "DIX", percent_off=10, stackable=True)
    coupon(org, "MOINS", kind="fixed", amount_off=300, stackable=True)
    client = client_for(payer)
    target = item(org, 4990)
    response = client.post(
        VALIDATE, {"target_type": ITEM, "target_id": target, "codes": ["moins", "dix"]}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "subtotal": 4990,
        "discount": 799,
        "total": 4191,
        "currency": "XOF",
        "coupons": [{"code": "DIX", "discount": 499}, {"code": "MOINS", "discount": 300}],
    }
    assert Coupon.objects.get(code="DIX").uses_count == 0  # nothing held


def test_validate_errors(client_for, api, org, payer):
    coupon(org, "DIX")
    client = client_for(payer)
    target = item(org)

    def post(**fields):
        data = {"target_type": ITEM, "target_id": target, "codes": ["DIX"], **fields}
        return client.post(VALIDATE, data)

    cases = [
        (post(target_type="nothing.here"), 400, "unknown_target_type"),
        (post(target_id=str(uuid.uuid4())), 404, "item_not_found"),
        (post(codes=["NOPE"]), 400, "coupon_not_found"),
        (post(target_id=item(org, coupons_allowed=False)), 400, "coupons_not_allowed"),
        (post(target_id=item(OrganizationFactory())), 400, "coupon_not_found"),
        (post(codes=[]), 400, "invalid"),
        (post(codes=[f"C{n}" for n in range(6)]), 400, "invalid"),
        (post(extra=1), 400, "invalid"),
    ]
    for response, status, code in cases:
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert api.post(VALIDATE, {"target_type": ITEM, "target_id": target, "codes": ["DIX"]},
                    format="json").status_code == 401


def test_validate_is_throttled(client_for, org, payer, settings):
    coupon(org, "DIX")
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "coupon_validate": "3/min"}
    client = client_for(payer)
    data = {"target_type": ITEM, "target_id": item(org), "codes": ["WRONG"]}
    with override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        statuses = [client.post(VALIDATE, data).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]


# --- End to end: a coupon through POST /api/v1/payments/ with the sandbox ------------------


def test_a_coupon_through_the_payments_api(
    client_for, org, payer, django_capture_on_commit_callbacks
):
    c = coupon(org, "DIX", max_uses=1)
    client = client_for(payer)
    target = item(org, 10000)

    def pay(key, target=target):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/payments/",
                {"target_type": ITEM, "target_id": target, "provider": "sandbox",
                 "coupon_codes": ["dix"]},
                HTTP_IDEMPOTENCY_KEY=key,
            )

    first = pay("coupon-pay-1")
    assert first.status_code == 201, first.content
    assert (first.json()["total"]["amount"], first.json()["discount"]["amount"]) == (9000, 1000)
    c.refresh_from_db()
    assert c.uses_count == 1
    busy = pay("coupon-pay-2", item(org, 10000))  # another purchase: the one use is held
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "coupon_exhausted"

    sandbox_choose(first.json()["id"], "failed", django_capture_on_commit_callbacks)
    c.refresh_from_db()
    assert c.uses_count == 0
    assert CouponRedemption.objects.get(payment_id=first.json()["id"]).status == "released"

    second = pay("coupon-pay-3")
    assert second.status_code == 201, second.content
    sandbox_choose(second.json()["id"], "succeeded", django_capture_on_commit_callbacks)
    c.refresh_from_db()
    assert c.uses_count == 1
    assert CouponRedemption.objects.get(payment_id=second.json()["id"]).status == "used"
