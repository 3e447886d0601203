"""The error codes the Academy answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``). Registered through the product contract
(``Product.error_codes`` in ``product.py``); generic codes are
``teranga.core.errors.CoreError``."""

from __future__ import annotations

from enum import StrEnum


class AcademyError(StrEnum):
    # Formations
    FORMATION_NOT_FOUND = "formation_not_found"
    ORGANIZATION_KIND_NOT_SUPPORTED = "organization_kind_not_supported"
    INSTRUCTOR_NOT_FOUND = "instructor_not_found"
    # Sessions
    SESSION_NOT_FOUND = "session_not_found"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_PAST = "session_past"
    SESSION_INVALID_TIMES = "session_invalid_times"
    SCHEDULE_TOO_MANY_SESSIONS = "schedule_too_many_sessions"
    SCHEDULE_NO_SESSIONS = "schedule_no_sessions"
    # Enrolment
    ENROLMENT_NOT_FOUND = "enrolment_not_found"
    ALREADY_ENROLLED = "already_enrolled"
    NOT_AWAITING_PAYMENT = "not_awaiting_payment"
    FORMATION_NOT_OPEN = "formation_not_open"
    # Attendance
    CHECKIN_INVALID = "checkin_invalid"
    CHECKIN_NOT_OPEN = "checkin_not_open"
    NOT_ENROLLED = "not_enrolled"
    # Signals
    SIGNAL_NOT_FOUND = "signal_not_found"
    SIGNALS_SUBSCRIPTION_REQUIRED = "signals_subscription_required"
    SIGNAL_ENDED = "signal_ended"
    SIGNAL_TRANSITION_INVALID = "signal_transition_invalid"
    SIGNAL_LEVELS_INVALID = "signal_levels_invalid"
    SIGNAL_PRICE_REQUIRED = "signal_price_required"
    # MetaTrader sync
    MT_ACCOUNT_NOT_FOUND = "mt_account_not_found"
    MT_KEY_NOT_FOUND = "mt_key_not_found"
    MT_ACCOUNT_MISMATCH = "mt_account_mismatch"
    MT_TOO_MANY_KEYS = "mt_too_many_keys"
    # Signal plans
    SIGNAL_PLAN_NOT_FOUND = "signal_plan_not_found"
    SIGNAL_PLAN_INACTIVE = "signal_plan_inactive"
    SIGNAL_SUBSCRIPTION_NOT_FOUND = "signal_subscription_not_found"
