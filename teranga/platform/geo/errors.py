"""The error codes geo answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class GeoError(StrEnum):
    REGION_NOT_FOUND = "region_not_found"


error_catalogues.register("geo", GeoError, origin="geo")
