"""One error hierarchy and one DRF exception handler.

Every error body has the same shape::

    {"error": {"code": "not_found", "message": "…", "fields": {…}}}

``code`` is stable and machine-readable; ``message`` is in the request's language.

Every code comes from a catalogue: each app lists its codes in one ``StrEnum`` in its
``errors.py`` (core's generic ones are :class:`CoreError`, below), and
:data:`error_catalogues` holds them all (platform apps register theirs from their
``errors`` module, found by ``CoreConfig.ready``; products through the product contract's
``error_codes``). The OpenAPI lists the catalogue (``teranga.core.schema``).
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from teranga.core.registry import Registry

logger = logging.getLogger(__name__)


class CoreError(StrEnum):
    """The generic codes: the hierarchy's defaults and what the exception handler, the
    middleware and the error views answer."""

    AUTHENTICATION_FAILED = "authentication_failed"
    CONFLICT = "conflict"
    GONE = "gone"
    ILLEGAL_TRANSITION = "illegal_transition"
    IN_USE = "in_use"
    INVALID = "invalid"
    INVALID_PHONE = "invalid_phone"
    INVALID_REQUEST = "invalid_request"
    MALFORMED_REQUEST = "malformed_request"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_ACCEPTABLE = "not_acceptable"
    NOT_AUTHENTICATED = "not_authenticated"
    NOT_FOUND = "not_found"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    PERMISSION_DENIED = "permission_denied"
    SERVER_ERROR = "server_error"
    THROTTLED = "throttled"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"


#: Every app's catalogue of error codes, by app label (``"core"``, ``"payments"``, …).
error_catalogues: Registry[type[StrEnum]] = Registry("error catalogue")
error_catalogues.register("core", CoreError, origin="core")


def catalogue_codes() -> list[str]:
    """Every code of every catalogue, sorted, each once."""
    return sorted({str(code) for catalogue in error_catalogues.values() for code in catalogue})


class ApplicationError(Exception):
    """Base of every error a service raises on purpose. Subclass it with a stable code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code: str = CoreError.INVALID_REQUEST
    default_message = gettext_noop("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: StrEnum | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        self.message = str(message or _(self.default_message))
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    code: str = CoreError.INVALID
    default_message = gettext_noop("Some fields are invalid.")


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code: str = CoreError.NOT_FOUND
    default_message = gettext_noop("Not found.")


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code: str = CoreError.PERMISSION_DENIED
    default_message = gettext_noop("You do not have permission to perform this action.")


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code: str = CoreError.CONFLICT
    default_message = gettext_noop("The request conflicts with the current state.")


class Gone(ApplicationError):
    status_code = status.HTTP_410_GONE
    code: str = CoreError.GONE
    default_message = gettext_noop("This resource is no longer available.")


def refuse_unknown_fields(fields, allowed) -> None:
    """Raise ValidationFailed naming every key of ``fields`` not in ``allowed`` (the
    services' counterpart of the strict serializers' check)."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in unknown})


#: At most this many kinds of rows are named in an ``in_use`` message.
IN_USE_KINDS_SHOWN = 5


def in_use_conflict(error: ProtectedError | RestrictedError) -> Conflict:
    """The 409 ``in_use`` for a delete that rows which must be kept refuse: Django's
    ``ProtectedError`` (``on_delete=PROTECT``) or ``RestrictedError`` (``RESTRICT``).

    A service checks what it can name (``branch_in_use``, ``coupon_in_use``…); this is
    the net under every other delete, so that none answers 500. The message names the
    kinds of rows in the way (their models' plural verbose names, translated), never a
    row: those may belong to another organisation. Logged at warning level with the
    models' labels only."""
    blocking = (
        error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    )
    # PROTECT raises with the queryset of the blocking rows (not evaluated: its model is
    # enough), the collector with a set of instances.
    model = getattr(blocking, "model", None)
    models = {model} if model is not None else {type(row) for row in blocking}
    models = {m._meta.concrete_model for m in models}
    logger.warning(
        "Delete refused (409 in_use): rows of %s refer to it.",
        ", ".join(sorted(m._meta.label for m in models)),
    )
    kinds = sorted(str(m._meta.verbose_name_plural) for m in models)
    shown = ", ".join(kinds[:IN_USE_KINDS_SHOWN]) + ("…" if len(kinds) > IN_USE_KINDS_SHOWN else "")
    return Conflict(
        _("This cannot be deleted: other records depend on it (%(kinds)s).") % {"kinds": shown},
        code=CoreError.IN_USE,
    )


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict:
    # str(): a catalogue member is a StrEnum; the body carries its plain value.
    return {"error": {"code": str(code), "message": str(message), "fields": fields or {}}}


def error_json_response(status_code: int, code: str, message: str) -> JsonResponse:
    """The standard error shape for plain Django views and middleware."""
    return JsonResponse(error_body(code, message), status=status_code)


def _flatten(detail: Any) -> Any:
    """DRF ErrorDetail trees -> plain lists/dicts of strings."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


# DRF exception class -> (stable code, status) where DRF's own code is too vague.
_DRF_CODES: dict[type, str] = {
    drf.ParseError: CoreError.MALFORMED_REQUEST,
    drf.NotAuthenticated: CoreError.NOT_AUTHENTICATED,
    drf.AuthenticationFailed: CoreError.AUTHENTICATION_FAILED,
    drf.PermissionDenied: CoreError.PERMISSION_DENIED,
    drf.NotFound: CoreError.NOT_FOUND,
    drf.MethodNotAllowed: CoreError.METHOD_NOT_ALLOWED,
    drf.NotAcceptable: CoreError.NOT_ACCEPTABLE,
    drf.UnsupportedMediaType: CoreError.UNSUPPORTED_MEDIA_TYPE,
    drf.Throttled: CoreError.THROTTLED,
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    headers: dict[str, str] = {}
    if isinstance(exc, (ProtectedError, RestrictedError)):
        exc = in_use_conflict(exc)
    if isinstance(exc, ApplicationError):
        set_rollback()
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            error_body(CoreError.PAYLOAD_TOO_LARGE, _("The request body is too large.")),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = drf.ValidationError(detail)
    elif isinstance(exc, SuspiciousOperation):
        exc = drf.ParseError(_("The request is malformed."))

    if not isinstance(exc, drf.APIException):
        return None  # a real bug: let Django answer 500 and report it

    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header

    if isinstance(exc, drf.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = _flatten(detail)
            non_field = fields.pop("non_field_errors", None)
            message = non_field[0] if non_field else _("Some fields are invalid.")
            if non_field:
                fields["non_field_errors"] = non_field
        else:
            flat = _flatten(detail)
            fields = {"non_field_errors": flat if isinstance(flat, list) else [flat]}
            message = fields["non_field_errors"][0] if fields["non_field_errors"] else ""
        body = error_body(CoreError.INVALID, message or _("Some fields are invalid."), fields)
    else:
        code = _DRF_CODES.get(type(exc)) or next(
            (c for klass, c in _DRF_CODES.items() if isinstance(exc, klass)),
            str(exc.default_code),
        )
        message = _flatten(exc.detail)
        request = context.get("request")
        if isinstance(exc, drf.ParseError) and "json" in getattr(request, "content_type", ""):
            # DRF's parser appends Python's own reason, in English: one language per answer.
            message = _("The request body is not valid JSON.")
        body = error_body(code, message)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)
