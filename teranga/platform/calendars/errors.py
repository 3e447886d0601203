"""The error codes calendar sync answers (``{"error": {"code": …}}``), registered in the
catalogue (``teranga.core.errors.error_catalogues``)."""

from __future__ import annotations

from enum import StrEnum

from rest_framework import status

from teranga.core.errors import ApplicationError, error_catalogues


class CalendarError(StrEnum):
    CALENDAR_NOT_FOUND = "calendar_not_found"
    CALENDAR_NOT_WRITABLE = "calendar_not_writable"
    CALENDAR_CONNECTION_NOT_FOUND = "calendar_connection_not_found"
    CALENDAR_CONNECTION_REVOKED = "calendar_connection_revoked"
    CALENDAR_PROVIDER_FAILED = "calendar_provider_failed"
    CALENDAR_PROVIDER_NOT_CONFIGURED = "calendar_provider_not_configured"
    INVALID_OAUTH_STATE = "invalid_oauth_state"
    UNKNOWN_CALENDAR_PROVIDER = "unknown_calendar_provider"
    CALENDAR_WEBHOOK_REJECTED = "calendar_webhook_rejected"


error_catalogues.register("calendars", CalendarError, origin="calendars")


class ProviderUnavailable(ApplicationError):
    """The calendar provider failed or could not be reached (502): try again later."""

    status_code = status.HTTP_502_BAD_GATEWAY
    code: str = CalendarError.CALENDAR_PROVIDER_FAILED
