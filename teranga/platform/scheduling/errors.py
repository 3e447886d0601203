"""The error codes scheduling answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class SchedulingError(StrEnum):
    BOOKING_IN_PAST = "booking_in_past"
    BOOKING_NOT_FOUND = "booking_not_found"
    BOOKING_NOT_STARTED = "booking_not_started"
    CANCELLATION_TOO_LATE = "cancellation_too_late"
    CLIENT_OVERLAP = "client_overlap"
    FEED_NOT_FOUND = "feed_not_found"
    HOLD_EXPIRED = "hold_expired"
    INVALID_TRANSITION = "invalid_transition"
    NOTICE_TOO_SHORT = "notice_too_short"
    ORGANIZATION_NOT_VERIFIED = "organization_not_verified"
    OUTSIDE_AVAILABILITY = "outside_availability"
    OVERRIDE_NOT_FOUND = "override_not_found"
    RESCHEDULE_TOO_LATE = "reschedule_too_late"
    RESOURCE_HAS_BOOKINGS = "resource_has_bookings"
    RESOURCE_INACTIVE = "resource_inactive"
    RESOURCE_NOT_FOUND = "resource_not_found"
    RULE_NOT_FOUND = "rule_not_found"
    RULE_OVERLAP = "rule_overlap"
    SAME_TIME = "same_time"
    SLOT_FULL = "slot_full"
    TOO_FAR_AHEAD = "too_far_ahead"


error_catalogues.register("scheduling", SchedulingError, origin="scheduling")
