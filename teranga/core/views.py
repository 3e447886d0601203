"""JSON error pages: even a URL that matches nothing answers in the standard shape."""

from __future__ import annotations

from django.utils.translation import gettext as _

from teranga.core.errors import error_json_response


def not_found(request, exception=None):
    return error_json_response(404, "not_found", _("Not found."))


def server_error(request):
    return error_json_response(500, "server_error", _("An unexpected error occurred."))
