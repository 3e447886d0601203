"""OpenAPI: the standard error responses on every operation."""

from __future__ import annotations

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
    "400": "Invalid input (`invalid`, `malformed_request`, or a service error code).",
    "401": "Missing or invalid access token (`not_authenticated`, `authentication_failed`).",
    "403": "Authenticated but not allowed (`permission_denied`).",
    "404": "No such object, or it belongs to another organisation (`not_found`).",
    "409": "Conflicts with the current state (`conflict`).",
    "413": "The request body is too large (`payload_too_large`).",
    "415": "Unsupported content type (`unsupported_media_type`).",
    "429": "Too many requests (`throttled`); see Retry-After.",
}


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: document the standard error shape on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
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
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": _DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    return result
