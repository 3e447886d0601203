"""Cross-origin collection: a page on a site's own domain (or a sub-domain of it) may send
to ``POST /api/v1/analytics/collect/`` from the browser, whatever
``CORS_ALLOWED_ORIGINS`` says; every other path keeps the settings' rule. django-cors-headers
asks :func:`collect_origin_allowed` through its ``check_request_enabled`` hook. The
domains of the active sites are kept for a minute in this process."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

from .models import Site

COLLECT_PATH = "/api/v1/analytics/collect/"
CACHE_SECONDS = 60.0

_lock = threading.Lock()
_domains: tuple[float, frozenset[str]] = (0.0, frozenset())


def _site_domains() -> frozenset[str]:
    global _domains
    expires, domains = _domains
    if expires > time.monotonic():
        return domains
    found = set()
    for listed in Site.objects.filter(is_active=True).values_list("domains", flat=True):
        found.update(listed or ())
    with _lock:
        _domains = (time.monotonic() + CACHE_SECONDS, frozenset(found))
    return _domains[1]


def collect_origin_allowed(sender, request, **kwargs) -> bool:
    if request.path != COLLECT_PATH:
        return False
    origin = request.headers.get("origin", "")
    try:
        host = (urlsplit(origin).hostname or "").lower()
    except ValueError:
        return False
    if not host:
        return False
    domains = _site_domains()
    parts = host.split(".")
    return any(".".join(parts[n:]) in domains for n in range(len(parts)))
