"""OpenAPI: the standard error responses on every operation.

The ``code`` of the Error component is an enum of the whole catalogue
(``teranga.core.errors.error_catalogues``), so generated clients know every code. An
operation declares the codes it answers per status with :func:`error_codes` in its
``extend_schema(extensions=...)``; the hook lists them in that status's description and
keeps them in the operation's ``x-error-codes``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

from django.core.exceptions import ImproperlyConfigured

from teranga.core.errors import CoreError, catalogue_codes

#: The operation's extension that :func:`error_codes` fills: ``{"409": ["queue_full", …]}``.
ERROR_CODES_EXTENSION = "x-error-codes"


def error_codes(codes: Mapping[int, Iterable[str]]) -> dict:
    """The ``extensions`` of an ``extend_schema``: the catalogue codes the operation
    answers, by HTTP status (``{404: [ClinicError.VISIT_NOT_FOUND], 409: [...]}``)."""
    return {
        ERROR_CODES_EXTENSION: {
            str(status): sorted({str(code) for code in values})
            for status, values in sorted(codes.items())
        }
    }


ERROR_COMPONENT = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "In the request's language."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per-field messages for invalid input.",
                },
            },
        }
    },
}

_DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "Missing or invalid access token.",
    "403": "Authenticated but not allowed.",
    "404": "No such object, or it belongs to another organisation.",
    "409": "Conflicts with the current state.",
    "410": "No longer available.",
    "413": "The request body is too large.",
    "415": "Unsupported content type.",
    "429": "Too many requests; see Retry-After.",
    "502": "The provider refused or could not be reached.",
    "503": "A dependency could not be reached; try again later.",
}

#: The codes every operation may answer with a status, whatever it declares.
_GENERIC_CODES = {
    "400": [CoreError.INVALID, CoreError.MALFORMED_REQUEST],
    "401": [CoreError.NOT_AUTHENTICATED, CoreError.AUTHENTICATION_FAILED],
    "403": [CoreError.PERMISSION_DENIED],
    "404": [CoreError.NOT_FOUND],
    "409": [],
    "413": [CoreError.PAYLOAD_TOO_LARGE],
    "415": [CoreError.UNSUPPORTED_MEDIA_TYPE],
    "429": [CoreError.THROTTLED],
}


def _description(status: str, declared: list[str] | None, base: str | None = None) -> str:
    codes = sorted({*map(str, _GENERIC_CODES.get(status, ())), *(declared or ())})
    text = base or _DESCRIPTIONS.get(status, "Error.")
    if not codes:
        return text
    listed = ", ".join(f"`{code}`" for code in codes)
    return f"{text} Codes: {listed}." if declared else f"{text} Codes: {listed} (or another)."


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: document the standard error shape on every operation, with
    the codes each status may carry, and the catalogue as the ``code`` enum."""
    known = catalogue_codes()
    component = copy.deepcopy(ERROR_COMPONENT)
    component["properties"]["error"]["properties"]["code"]["enum"] = known
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = component
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            security = operation.get("security", [])
            anonymous_ok = not security or {} in security
            codes = {"429", "400"}
            if not anonymous_ok:
                codes |= {"401", "403"}
            if "{" in path:
                codes.add("404")
            if method in {"post", "put", "patch"}:
                codes |= {"413", "415"}
            if method in {"post", "put", "patch", "delete"}:
                codes.add("409")
            declared = operation.get(ERROR_CODES_EXTENSION) or {}
            unknown = {c for values in declared.values() for c in values} - set(known)
            if unknown:
                raise ImproperlyConfigured(
                    f"{method.upper()} {path} declares error codes outside the catalogue: "
                    f"{sorted(unknown)}"
                )
            codes |= set(declared)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                if code in responses:  # the view documents it: add the declared codes
                    if code in declared:
                        responses[code]["description"] = _description(
                            code, declared[code], responses[code].get("description")
                        )
                    continue
                responses[code] = {
                    "description": _description(code, declared.get(code)),
                    "content": {"application/json": {"schema": ref}},
                }
    return result
