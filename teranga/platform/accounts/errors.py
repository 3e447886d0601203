"""The error codes accounts answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class AccountError(StrEnum):
    INVALID_PASSWORD = "invalid_password"


error_catalogues.register("accounts", AccountError, origin="accounts")
