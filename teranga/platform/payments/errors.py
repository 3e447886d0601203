"""The error codes payments answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class PaymentError(StrEnum):
    ALREADY_REVIEWED = "already_reviewed"
    COUPON_CODE_TAKEN = "coupon_code_taken"
    COUPON_CURRENCY_MISMATCH = "coupon_currency_mismatch"
    COUPON_EXHAUSTED = "coupon_exhausted"
    COUPON_EXPIRED = "coupon_expired"
    COUPON_IN_USE = "coupon_in_use"
    COUPON_INACTIVE = "coupon_inactive"
    COUPON_LOGIN_REQUIRED = "coupon_login_required"
    COUPON_MIN_AMOUNT = "coupon_min_amount"
    COUPON_NOT_APPLICABLE = "coupon_not_applicable"
    COUPON_NOT_FOUND = "coupon_not_found"
    COUPON_NOT_STACKABLE = "coupon_not_stackable"
    COUPON_NOT_STARTED = "coupon_not_started"
    COUPON_USER_LIMIT = "coupon_user_limit"
    COUPONS_NOT_ALLOWED = "coupons_not_allowed"
    CURRENCY_NOT_SUPPORTED = "currency_not_supported"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INVALID_COUPON_CODE = "invalid_coupon_code"
    INVALID_COUPON_KIND = "invalid_coupon_kind"
    INVALID_COUPON_VALUE = "invalid_coupon_value"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_MAX_USES = "invalid_max_uses"
    INVALID_MIN_AMOUNT = "invalid_min_amount"
    INVALID_PERIOD = "invalid_period"
    INVALID_SCOPE = "invalid_scope"
    INVALID_SIGNATURE = "invalid_signature"
    INVALID_TRANSITION = "invalid_transition"
    INVALID_VALIDITY = "invalid_validity"
    MAX_USES_BELOW_USES = "max_uses_below_uses"
    NOT_MANUAL = "not_manual"
    NOT_REFUNDABLE = "not_refundable"
    NOTHING_TO_PAY = "nothing_to_pay"
    ORGANIZATION_NOT_VERIFIED = "organization_not_verified"
    ORGANIZATION_REQUIRED = "organization_required"
    PAYMENT_IN_PROGRESS = "payment_in_progress"
    PAYMENT_NOT_FOUND = "payment_not_found"
    PLAN_LIMIT_REACHED = "plan_limit_reached"
    PROVIDER_ACCOUNT_NOT_FOUND = "provider_account_not_found"
    PROVIDER_ERROR = "provider_error"
    PROVIDER_NOT_CONFIGURED = "provider_not_configured"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    REFUND_EXCEEDS_AMOUNT = "refund_exceeds_amount"
    REFUND_NOT_FOUND = "refund_not_found"
    REFUND_UNSUPPORTED = "refund_unsupported"
    SUBSCRIPTION_ALREADY_PAID = "subscription_already_paid"
    SUBSCRIPTION_CANCELLED = "subscription_cancelled"
    SUBSCRIPTION_NOT_FOUND = "subscription_not_found"
    TARGET_ALREADY_PAID = "target_already_paid"
    TOO_MANY_COUPONS = "too_many_coupons"
    TRANSACTION_NUMBER_REQUIRED = "transaction_number_required"
    TRANSACTION_NUMBER_USED = "transaction_number_used"
    UNKNOWN_PLAN = "unknown_plan"
    UNKNOWN_PROVIDER = "unknown_provider"
    UNKNOWN_TARGET_TYPE = "unknown_target_type"


error_catalogues.register("payments", PaymentError, origin="payments")
