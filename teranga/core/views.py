"""JSON error pages: even a URL that matches nothing answers in the standard shape."""

from __future__ import annotations

from django.utils.translation import gettext as _

from teranga.core.errors import CoreError, error_json_response


def not_found(request, exception=None):
    return error_json_response(404, CoreError.NOT_FOUND, _("Not found."))


def server_error(request):
    return error_json_response(500, CoreError.SERVER_ERROR, _("An unexpected error occurred."))
