"""Request id and request-body sanity checks, before any view runs."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from teranga.core.errors import CoreError, error_json_response
from teranga.core.parsers import TOO_DEEP, json_nesting_exceeds

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Takes a well-formed ``X-Request-ID`` from the client or makes one, exposes it on
    the response and hands it to django-structlog (which binds it into every log line)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META
        request.request_id = request_id
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class BodySanityMiddleware:
    """Refuse, with the standard error shape, what would otherwise reach the database or
    the parsers in a bad state: NUL bytes in the path or query (PostgreSQL rejects them in
    text), bodies over the size limit (413 rather than a generic 400) and JSON nested
    deeper than ``settings.JSON_MAX_DEPTH`` (which would crash any JSON decoder, ours or
    allauth's, with a RecursionError; see ``teranga.core.parsers``). Uploads (multipart)
    are not read here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in raw_query or "\x00" in raw_query:
            return error_json_response(
                400, CoreError.MALFORMED_REQUEST, _("NUL bytes are not allowed.")
            )
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length_value = int(length)
        except ValueError:
            return error_json_response(
                400, CoreError.MALFORMED_REQUEST, _("Invalid Content-Length.")
            )
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            settings.MAX_UPLOAD_BYTES
            if content_type.startswith("multipart/")
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length_value > limit:
            return error_json_response(
                413, CoreError.PAYLOAD_TOO_LARGE, _("The request body is too large.")
            )
        if not content_type.startswith("multipart/") and json_nesting_exceeds(
            request.body, settings.JSON_MAX_DEPTH
        ):
            # Before LocaleMiddleware: answer in the language the request asks for.
            with translation.override(translation.get_language_from_request(request)):
                return error_json_response(400, CoreError.MALFORMED_REQUEST, _(TOO_DEEP))
        return self.get_response(request)
