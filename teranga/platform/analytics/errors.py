"""The error codes analytics answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class AnalyticsError(StrEnum):
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"
    FUNNEL_NOT_FOUND = "funnel_not_found"
    GOAL_IN_USE = "goal_in_use"
    GOAL_NOT_FOUND = "goal_not_found"
    INVALID_GOAL = "invalid_goal"
    NAME_TAKEN = "name_taken"
    SITE_NOT_FOUND = "site_not_found"


error_catalogues.register("analytics", AnalyticsError, origin="analytics")
