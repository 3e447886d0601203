"""Coupons: pricing a quote with coupon codes, counting their uses safely under
concurrency, and the staff's create/change/delete.

**Rules** — checked for each code in this order, every refusal with a stable code and a
message on the field ``codes`` (or the ``field`` the caller names):

1. ``coupons_not_allowed`` (400): the quote takes no coupons (subscriptions);
   ``too_many_coupons`` (400): more than :data:`MAX_CODES` distinct codes;
2. ``coupon_not_found`` (400): no such code **in the quote's organisation** (codes are
   compared case-insensitively; the same code twice is one; another organisation's
   coupons are never revealed);
3. ``coupon_inactive`` (400), ``coupon_not_started`` (400, before ``valid_from``),
   ``coupon_expired`` (400, from ``valid_until`` on);
4. ``coupon_exhausted`` (409): ``uses_count >= max_uses``;
   ``coupon_user_limit`` (409): the payer's held and used redemptions reach
   ``max_uses_per_user`` (``coupon_login_required``, 400, when there is no payer);
5. ``coupon_not_applicable`` (400): the coupon has a scope the quote does not declare
   (a scope without ``scope_id`` matches every object of that ``scope_type``);
6. ``coupon_currency_mismatch`` (400): the coupon has a currency (always, for a fixed
   amount) other than the quote's; ``coupon_min_amount`` (400): the quote is below
   ``min_amount``;
7. ``coupon_not_stackable`` (400): two or more codes and one of them is not stackable.

**Discounts**: percentage coupons first, then fixed amounts; within each kind by code.
A percentage is taken of the running amount (what is left after the previous coupons),
rounded half-up to the currency's minor unit (amounts already are minor units: XOF
francs, EUR cents); a fixed amount is capped at what is left. The total never goes
below 0.

**Uses**: ``Coupon.uses_count`` counts held and used redemptions. ``coupons_hold`` locks
the coupon rows (``SELECT … FOR UPDATE``, by id) and checks the counts under the lock;
``coupons_record`` (same transaction) writes the held redemptions and increments the
counts with a conditional ``UPDATE`` (``uses_count < max_uses``), backed by the database
constraint ``pay_coupon_uses_within_max``: the last use can never be taken twice. A paid
payment turns its redemptions to used (``coupons_consume``); one ending unpaid gives its
uses back (``coupons_release``). Both are idempotent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
    refuse_unknown_fields,
)
from teranga.core.money import CURRENCY_EXPONENTS, Money
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Organization
from teranga.platform.payments.errors import PaymentError

from ..models import Coupon, CouponKind, CouponRedemption, Payment, RedemptionStatus
from ..payables import Quote

logger = logging.getLogger(__name__)

#: The most distinct codes one purchase may carry.
MAX_CODES = 5
#: Codes are stored upper-case: letters, digits, ``-`` and ``_``, 3 to 40 characters.
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")
COUNTED = (RedemptionStatus.HELD, RedemptionStatus.USED)
COUPONS_VIEW = "coupons.view"
COUPONS_MANAGE = "coupons.manage"
#: What coupon_create/coupon_update accept besides the organisation.
COUPON_FIELDS = {
    "code",
    "description",
    "kind",
    "percent_off",
    "amount_off",
    "currency",
    "valid_from",
    "valid_until",
    "max_uses",
    "max_uses_per_user",
    "scope_type",
    "scope_id",
    "stackable",
    "min_amount",
    "is_active",
}


@dataclass(frozen=True)
class AppliedCoupon:
    coupon: Coupon
    discount: int  # minor units


@dataclass(frozen=True)
class Pricing:
    subtotal: int
    discount: int
    total: int
    currency: str
    applied: tuple[AppliedCoupon, ...] = ()

    @classmethod
    def without_coupons(cls, quote: Quote) -> Pricing:
        return cls(quote.amount, 0, quote.amount, quote.currency, ())


# --- Pricing ------------------------------------------------------------------------------


def normalize_code(code: Any) -> str:
    return str(code).strip().upper()


def _refuse(error_class, code: str, message: str, field: str):
    return error_class(message, code=code, fields={field: [message]})


def normalize_codes(codes: Iterable[Any], *, field: str = "codes") -> list[str]:
    """Upper-cased, stripped, without blanks or repeats (first occurrence order)."""
    normalized = [code for code in dict.fromkeys(normalize_code(c) for c in codes) if code]
    if len(normalized) > MAX_CODES:
        message = _("At most %(count)d coupon codes.") % {"count": MAX_CODES}
        raise _refuse(ValidationFailed, PaymentError.TOO_MANY_COUPONS, message, field)
    return normalized


def _find(quote: Quote, codes: list[str], *, lock: bool, field: str) -> list[Coupon]:
    queryset = Coupon.objects.annotate(code_upper=Upper("code")).filter(
        organization_id=quote.organization.pk, code_upper__in=codes
    )
    if lock:
        queryset = queryset.select_for_update()
    coupons = list(queryset.order_by("pk"))  # rows are locked in id order
    found = {coupon.code_upper for coupon in coupons}
    missing = [code for code in codes if code not in found]
    if missing:
        message = _("The coupon code “%(code)s” is not valid.") % {"code": missing[0][:40]}
        raise _refuse(ValidationFailed, PaymentError.COUPON_NOT_FOUND, message, field)
    return coupons


def _in_scope(coupon: Coupon, scopes) -> bool:
    for scope_type, scope_id in scopes:
        if scope_type == coupon.scope_type and (
            not coupon.scope_id or str(scope_id) == coupon.scope_id
        ):
            return True
    return False


def _check(coupon: Coupon, quote: Quote, payer, now, field: str) -> None:
    name = {"code": coupon.code}
    if not coupon.is_active:
        message = _("The coupon “%(code)s” is no longer active.") % name
        raise _refuse(ValidationFailed, PaymentError.COUPON_INACTIVE, message, field)
    if coupon.valid_from is not None and now < coupon.valid_from:
        message = _("The coupon “%(code)s” is not valid yet.") % name
        raise _refuse(ValidationFailed, PaymentError.COUPON_NOT_STARTED, message, field)
    if coupon.valid_until is not None and now >= coupon.valid_until:
        message = _("The coupon “%(code)s” has expired.") % name
        raise _refuse(ValidationFailed, PaymentError.COUPON_EXPIRED, message, field)
    if coupon.max_uses is not None and coupon.uses_count >= coupon.max_uses:
        message = _("The coupon “%(code)s” has been used up.") % name
        raise _refuse(Conflict, PaymentError.COUPON_EXHAUSTED, message, field)
    if coupon.max_uses_per_user is not None:
        if payer is None or not getattr(payer, "is_authenticated", False):
            message = _("Sign in to use the coupon “%(code)s”.") % name
            raise _refuse(ValidationFailed, PaymentError.COUPON_LOGIN_REQUIRED, message, field)
        used = CouponRedemption.objects.filter(
            coupon=coupon, user=payer, status__in=COUNTED
        ).count()
        if used >= coupon.max_uses_per_user:
            message = _("You have already used the coupon “%(code)s”.") % name
            raise _refuse(Conflict, PaymentError.COUPON_USER_LIMIT, message, field)
    if coupon.scope_type and not _in_scope(coupon, quote.scopes):
        message = _("The coupon “%(code)s” does not apply to this purchase.") % name
        raise _refuse(ValidationFailed, PaymentError.COUPON_NOT_APPLICABLE, message, field)
    if coupon.currency and coupon.currency != quote.currency:
        message = _("The coupon “%(code)s” is in %(currency)s.") % {
            **name,
            "currency": coupon.currency,
        }
        raise _refuse(ValidationFailed, PaymentError.COUPON_CURRENCY_MISMATCH, message, field)
    if quote.amount < coupon.min_amount:
        message = _("The coupon “%(code)s” needs a purchase of at least %(amount)s.") % {
            **name,
            "amount": Money(int(coupon.min_amount), quote.currency).format(),
        }
        raise _refuse(ValidationFailed, PaymentError.COUPON_MIN_AMOUNT, message, field)


def percent_of(amount: int, percent: int) -> int:
    """``percent`` % of ``amount`` minor units, rounded half-up to a whole minor unit."""
    return (amount * percent + 50) // 100


def discounts(coupons: Iterable[Coupon], amount: int) -> tuple[AppliedCoupon, ...]:
    """The discount of each coupon on ``amount``, in the order they apply."""
    ordered = sorted(coupons, key=lambda c: (c.kind != CouponKind.PERCENT, c.code.upper()))
    running = amount
    applied = []
    for coupon in ordered:
        if coupon.kind == CouponKind.PERCENT:
            discount = min(percent_of(running, int(coupon.percent_off)), running)
        else:
            discount = min(int(coupon.amount_off), running)
        running -= discount
        applied.append(AppliedCoupon(coupon=coupon, discount=discount))
    return tuple(applied)


def _price(quote: Quote, coupons: list[Coupon], payer, field: str) -> Pricing:
    now = timezone.now()
    for coupon in sorted(coupons, key=lambda c: c.code.upper()):
        _check(coupon, quote, payer, now, field)
    if len(coupons) > 1:
        single = next((c for c in coupons if not c.stackable), None)
        if single is not None:
            message = _("The coupon “%(code)s” cannot be combined with another.") % {
                "code": single.code
            }
            raise _refuse(ValidationFailed, PaymentError.COUPON_NOT_STACKABLE, message, field)
    applied = discounts(coupons, quote.amount)
    discount = sum(a.discount for a in applied)
    return Pricing(quote.amount, discount, quote.amount - discount, quote.currency, applied)


def _ensure_allowed(quote: Quote, field: str) -> None:
    if not quote.coupons_allowed:
        message = _("Coupons do not apply to this purchase.")
        raise _refuse(ValidationFailed, PaymentError.COUPONS_NOT_ALLOWED, message, field)


def coupons_price(*, quote: Quote, codes: Iterable[str], payer, field: str = "codes") -> Pricing:
    """The price of ``quote`` with ``codes`` for ``payer``, without holding anything (the
    validate endpoint). Raises the rule errors listed in the module docstring."""
    normalized = normalize_codes(codes, field=field)
    if not normalized:
        return Pricing.without_coupons(quote)
    _ensure_allowed(quote, field)
    return _price(quote, _find(quote, normalized, lock=False, field=field), payer, field)


def coupons_hold(*, quote: Quote, codes: Iterable[str], payer, field: str = "codes") -> Pricing:
    """Like :func:`coupons_price`, with the coupon rows locked (by id) until the caller's
    transaction ends, so the counts checked stay true until :func:`coupons_record`."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("coupons_hold must run inside a transaction")
    normalized = normalize_codes(codes, field=field)
    if not normalized:
        return Pricing.without_coupons(quote)
    _ensure_allowed(quote, field)
    return _price(quote, _find(quote, normalized, lock=True, field=field), payer, field)


def _take_use(coupon_id) -> bool:
    """Count one more use unless the coupon is used up (one conditional UPDATE)."""
    try:
        with transaction.atomic():  # a savepoint: the constraint's error stays contained
            return bool(
                Coupon.objects.filter(pk=coupon_id)
                .filter(Q(max_uses__isnull=True) | Q(uses_count__lt=F("max_uses")))
                .update(uses_count=F("uses_count") + 1)
            )
    except IntegrityError:  # pay_coupon_uses_within_max
        return False


def coupons_record(*, payment: Payment, pricing: Pricing) -> list[CouponRedemption]:
    """Record the held uses of ``pricing`` (from :func:`coupons_hold`, same transaction)
    for ``payment``: one held redemption per coupon, and its use counted. 409
    ``coupon_exhausted`` if a coupon got used up meanwhile (then the caller's transaction
    must roll back)."""
    redemptions = []
    for applied in sorted(pricing.applied, key=lambda a: a.coupon.pk):
        coupon = applied.coupon
        if not _take_use(coupon.pk):
            message = _("The coupon “%(code)s” has been used up.") % {"code": coupon.code}
            raise _refuse(Conflict, PaymentError.COUPON_EXHAUSTED, message, "codes")
        redemptions.append(
            CouponRedemption(
                coupon=coupon,
                user=payment.payer,
                payment=payment,
                discount_amount=applied.discount,
                status=RedemptionStatus.HELD,
            )
        )
    return CouponRedemption.objects.bulk_create(redemptions)


def coupons_consume(*, payment: Payment) -> int:
    """The payment succeeded: its held redemptions become used (their uses were counted
    when held). A redemption released earlier (a late success after a failure) takes its
    use again; when the coupon was used up meanwhile it is still marked used — the money
    moved — without counting past ``max_uses``, and a warning is logged. Idempotent;
    returns the number of redemptions changed."""
    changed = 0
    pending = (
        CouponRedemption.objects.filter(payment=payment)
        .exclude(status=RedemptionStatus.USED)
        .order_by("coupon_id")
        .values_list("pk", "coupon_id", "status")
    )
    for pk, coupon_id, status in list(pending):
        if not CouponRedemption.objects.filter(pk=pk, status=status).update(
            status=RedemptionStatus.USED, updated_at=timezone.now()
        ):
            continue
        changed += 1
        if status == RedemptionStatus.RELEASED and not _take_use(coupon_id):
            logger.warning(
                "coupon %s used beyond max_uses by the late success of payment %s",
                coupon_id,
                payment.pk,
            )
    return changed


def coupons_release(*, payment: Payment) -> int:
    """The payment ended unpaid: its held redemptions are released and their uses given
    back. Idempotent; returns the number of redemptions released."""
    released = 0
    held = (
        CouponRedemption.objects.filter(payment=payment, status=RedemptionStatus.HELD)
        .order_by("coupon_id")
        .values_list("pk", "coupon_id")
    )
    for pk, coupon_id in list(held):
        if CouponRedemption.objects.filter(pk=pk, status=RedemptionStatus.HELD).update(
            status=RedemptionStatus.RELEASED, updated_at=timezone.now()
        ):
            released += 1
            Coupon.objects.filter(pk=coupon_id, uses_count__gt=0).update(
                uses_count=F("uses_count") - 1
            )
    return released


# --- Reads for staff ----------------------------------------------------------------------


def organization_coupons(*, user, organization_id) -> tuple[Organization, QuerySet[Coupon]]:
    """The coupons of an organisation (``coupons.view``: managers and above, staff); the
    organisation must be given (400 ``organization_required``)."""
    if not organization_id:
        message = _("Give the organisation.")
        raise _refuse(ValidationFailed, PaymentError.ORGANIZATION_REQUIRED, message, "organization")
    organization = access.get_organization_for(user, organization_id, COUPONS_VIEW)
    return organization, Coupon.objects.filter(organization=organization)


def coupon_for(*, user, coupon_id, action: str = COUPONS_VIEW) -> Coupon:
    """The coupon if ``user`` may do ``action`` on its organisation: 404
    ``coupon_not_found`` when it does not exist or belongs to another organisation, 403
    when the member's role is too low."""
    coupon = Coupon.objects.filter(pk=coupon_id).select_related("organization").first()
    if coupon is None:
        raise NotFound(code=PaymentError.COUPON_NOT_FOUND)
    try:
        access.ensure(user, coupon.organization, action)
    except NotFound:
        raise NotFound(code=PaymentError.COUPON_NOT_FOUND) from None
    return coupon


# --- Staff writes -------------------------------------------------------------------------


def _invalid(code: str, field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: [message]})


def _validate(coupon: Coupon, organization: Organization) -> None:
    """Normalise and check ``coupon`` before it is saved (400 with a stable code)."""
    coupon.code = normalize_code(coupon.code or "")
    if not CODE_PATTERN.match(coupon.code):
        raise _invalid(
            PaymentError.INVALID_COUPON_CODE,
            "code",
            _("3 to 40 letters, digits, “-” or “_”, starting with a letter or a digit."),
        )
    if coupon.kind not in CouponKind.values:
        raise _invalid(PaymentError.INVALID_COUPON_KIND, "kind", _("Choose “percent” or “fixed”."))
    if coupon.currency and coupon.currency not in CURRENCY_EXPONENTS:
        raise _invalid(PaymentError.INVALID_CURRENCY, "currency", _("Unsupported currency."))
    if coupon.kind == CouponKind.PERCENT:
        if coupon.amount_off is not None:
            raise _invalid(
                PaymentError.INVALID_COUPON_VALUE, "amount_off", _("Only for fixed amounts.")
            )
        if coupon.percent_off is None or not 1 <= coupon.percent_off <= 100:
            raise _invalid(
                PaymentError.INVALID_COUPON_VALUE, "percent_off", _("Between 1 and 100.")
            )
    else:
        if coupon.percent_off is not None:
            raise _invalid(
                PaymentError.INVALID_COUPON_VALUE, "percent_off", _("Only for percentages.")
            )
        if coupon.amount_off is None or coupon.amount_off < 1:
            raise _invalid(PaymentError.INVALID_COUPON_VALUE, "amount_off", _("A positive amount."))
    # A fixed amount and a minimum purchase are amounts: they need a currency.
    if not coupon.currency and (coupon.kind == CouponKind.FIXED or coupon.min_amount):
        coupon.currency = organization.currency
    if coupon.valid_from and coupon.valid_until and coupon.valid_until <= coupon.valid_from:
        raise _invalid(
            PaymentError.INVALID_VALIDITY, "valid_until", _("The end must come after the start.")
        )
    for name in ("max_uses", "max_uses_per_user"):
        value = getattr(coupon, name)
        if value is not None and value < 1:
            raise _invalid(
                PaymentError.INVALID_MAX_USES, name, _("At least 1 (or empty: unlimited).")
            )
    if coupon.max_uses is not None and coupon.max_uses < coupon.uses_count:
        raise _invalid(
            PaymentError.MAX_USES_BELOW_USES,
            "max_uses",
            _("This coupon was already used %(count)d times.") % {"count": coupon.uses_count},
        )
    if coupon.min_amount is None or coupon.min_amount < 0:
        raise _invalid(PaymentError.INVALID_MIN_AMOUNT, "min_amount", _("0 or more."))
    if coupon.scope_id and not coupon.scope_type:
        raise _invalid(
            PaymentError.INVALID_SCOPE, "scope_type", _("A scope id needs a scope type.")
        )
    try:
        coupon.full_clean(exclude=["organization", "created_by"], validate_unique=False,
                          validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict) from None


def _code_taken(coupon: Coupon) -> bool:
    return (
        Coupon.objects.annotate(code_upper=Upper("code"))
        .filter(organization_id=coupon.organization_id, code_upper=coupon.code.upper())
        .exclude(pk=coupon.pk)
        .exists()
    )


def _save(coupon: Coupon) -> Coupon:
    taken = Conflict(
        _("A coupon with this code exists already."),
        code=PaymentError.COUPON_CODE_TAKEN,
        fields={"code": [_("Already used by another coupon.")]},
    )
    if _code_taken(coupon):
        raise taken
    try:
        with transaction.atomic():
            coupon.save()
    except IntegrityError:
        if _code_taken(coupon):  # a concurrent create won the code
            raise taken from None
        raise
    return coupon


@transaction.atomic
def coupon_create(*, actor, organization: Organization, code: str, kind: str, **fields) -> Coupon:
    """A new coupon of ``organization`` (its code stored upper-case, unique in the
    organisation whatever the case: 409 ``coupon_code_taken``)."""
    refuse_unknown_fields(fields, COUPON_FIELDS)
    coupon = Coupon(organization=organization, code=code, kind=kind, created_by=actor, **fields)
    _validate(coupon, organization)
    return _save(coupon)


def _lock(organization: Organization, coupon_id) -> Coupon:
    coupon = (
        Coupon.objects.select_for_update().filter(organization=organization, pk=coupon_id).first()
    )
    if coupon is None:
        raise NotFound(code=PaymentError.COUPON_NOT_FOUND)
    return coupon


@transaction.atomic
def coupon_update(*, organization: Organization, coupon_id, **fields) -> Coupon:
    """Change a coupon. Switching ``kind`` clears the other kind's value unless given.
    ``max_uses`` cannot go below the uses already counted (400 ``max_uses_below_uses``)."""
    refuse_unknown_fields(fields, COUPON_FIELDS)
    coupon = _lock(organization, coupon_id)
    if "kind" in fields and fields["kind"] != coupon.kind:
        other = "amount_off" if fields["kind"] == CouponKind.PERCENT else "percent_off"
        fields.setdefault(other, None)
    for name, value in fields.items():
        setattr(coupon, name, value)
    _validate(coupon, organization)
    return _save(coupon)


@transaction.atomic
def coupon_delete(*, organization: Organization, coupon_id) -> None:
    """Delete a coupon that was never redeemed; one with redemptions is kept for the
    accounts (409 ``coupon_in_use``: deactivate it instead)."""
    coupon = _lock(organization, coupon_id)
    if CouponRedemption.objects.filter(coupon=coupon).exists():
        raise Conflict(
            _("This coupon has been used: deactivate it instead of deleting it."),
            code=PaymentError.COUPON_IN_USE,
        )
    coupon.delete()
