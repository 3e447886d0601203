"""Web pages of Campus (check-in): the scanner page ``/campus/scan/`` and its service
worker ``/campus/scan-sw.js`` (served here, not under ``/static/``, so that its scope
covers the page and the page reloads offline).

The page reads nothing private itself: it works with a scanner device's setup code
(``<token>.<signing key>``) that the staff enter once, and talks to
``/api/v1/campus/scanner/…`` from its external script (the CSP allows no inline script).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from teranga.core.pages import in_page_language, page_context

STATIC = Path(__file__).resolve().parent / "static" / "campus"
#: What the service worker keeps for the page to open offline (besides the page).
PRECACHED = ("campus/scan.js", "campus/vendor/jsQR.js")


def scan_strings() -> dict[str, str]:
    """What the page's script writes, in the page's language."""
    return {
        "valid": _("Valid ticket: welcome!"),
        "exit": _("Exit recorded."),
        "already_in": _("Already checked in."),
        "already_in_at": _("Already checked in at %(time)s."),
        "not_on_list": _("This ticket is not valid on this list."),
        "cancelled": _("This ticket has been cancelled."),
        "unknown": _("Unknown ticket."),
        "conflict": _("Admitted twice offline."),
        "online": _("Online"),
        "offline": _("Offline: scans are kept and sent when the network returns."),
        "pending": _("Scans waiting to be sent: %(count)s"),
        "synced": _("Tickets downloaded: %(count)s"),
        "tampered": _("The downloaded list failed its signature check: it was not used."),
        "bad_setup": _("This setup code was refused."),
        "no_camera": _("The camera could not be opened: type the code."),
        "choose_event": _("Choose an event"),
        "uploaded": _("Scans sent: %(count)s"),
        "error": _("Error"),
    }


@require_GET
@in_page_language
def scan_page(request):
    return render(
        request,
        "campus/scan.html",
        page_context(title=_("Ticket scanner"), strings=scan_strings()),
    )


@lru_cache(maxsize=1)
def _worker_source() -> str:
    return (STATIC / "scan-sw.js").read_text()


@require_GET
def scan_worker(request):
    urls = [reverse("campus-scan"), *(static(name) for name in PRECACHED)]
    body = _worker_source().replace("__PRECACHE__", json.dumps(urls))
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/campus/"
    response["Cache-Control"] = "no-cache"
    return response


urlpatterns = [
    path("scan/", scan_page, name="campus-scan"),
    path("scan-sw.js", scan_worker, name="campus-scan-sw"),
]
