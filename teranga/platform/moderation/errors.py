"""The error codes moderation answers (``{"error": {"code": …}}``), registered in the
catalogue (``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from rest_framework import status

from teranga.core.errors import ApplicationError, CoreError, error_catalogues


class ModerationError(StrEnum):
    CASE_ALREADY_DECIDED = "case_already_decided"
    CASE_NOT_FOUND = "case_not_found"


error_catalogues.register("moderation", ModerationError, origin="moderation")


class TooManyReports(ApplicationError):
    """429: a user reported too much content in the last hour."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code: str = CoreError.THROTTLED
