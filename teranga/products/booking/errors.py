"""The error codes booking answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``). Registered through the product contract
(``Product.error_codes`` in ``product.py``); generic codes are
``teranga.core.errors.CoreError``."""

from __future__ import annotations

from enum import StrEnum


class BookingError(StrEnum):
    ALREADY_PAID = "already_paid"
    CODE_EXPIRED = "code_expired"
    CODE_INVALID = "code_invalid"
    CODE_USED = "code_used"
    HOST_NOT_FOUND = "host_not_found"
    HOST_TAKEN = "host_taken"
    INVALID_HOST = "invalid_host"
    INVALID_SLUG = "invalid_slug"
    MANAGE_LINK_INVALID = "manage_link_invalid"
    ONLINE_PAYMENT_IN_APP = "online_payment_in_app"
    PAGE_NOT_FOUND = "page_not_found"
    SLUG_TAKEN = "slug_taken"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    EXPORT_TOO_LARGE = "export_too_large"
    HOLD_EXPIRED = "hold_expired"
    IMAGE_NOT_FOUND = "image_not_found"
    INVALID_DEPOSIT = "invalid_deposit"
    INVALID_DURATION = "invalid_duration"
    INVALID_IMAGE = "invalid_image"
    INVALID_RANGE = "invalid_range"
    NOT_AWAITING_PAYMENT = "not_awaiting_payment"
    NOTHING_TO_PAY = "nothing_to_pay"
    ORGANIZATION_KIND_NOT_SUPPORTED = "organization_kind_not_supported"
    ORGANIZATION_REQUIRED = "organization_required"
    OVERRIDE_NOT_FOUND = "override_not_found"
    PAYMENT_MODE_REQUIRES_PRICE = "payment_mode_requires_price"
    PAYMENT_REQUIRED = "payment_required"
    PRICE_OUT_OF_RANGE = "price_out_of_range"
    RANGE_TOO_LONG = "range_too_long"
    RESERVATION_NOT_FOUND = "reservation_not_found"
    RESOURCE_IN_USE = "resource_in_use"
    RESOURCE_NOT_FOUND = "resource_not_found"
    RULE_NOT_FOUND = "rule_not_found"
    SCOPE_REQUIRED = "scope_required"
    SERVICE_HAS_RESERVATIONS = "service_has_reservations"
    SERVICE_INACTIVE = "service_inactive"
    SERVICE_NOT_FOUND = "service_not_found"
    TOO_MANY_IMAGES = "too_many_images"
