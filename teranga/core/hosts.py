"""Host names that serve one public page of a business (``salon-ndeye.example.sn``), on top
of the site's own hosts (``ALLOWED_HOSTS``).

How Django's host check is kept (``ALLOWED_HOSTS`` is never widened, never ``*``):

* Django refuses a request whose ``Host`` is not in ``ALLOWED_HOSTS`` the first time
  anything calls ``request.get_host()`` (400, ``DisallowedHost``).
* :class:`PublicHostMiddleware` runs first. A host that Django accepts is left alone. A
  host that Django would refuse is looked up in the resolvers the products register
  (the product contract's ``RootPages.host_resolver``: the allow-list a business
  registers, cached by the product). A host no resolver knows goes on unchanged, and
  Django refuses it as always. A registered host is accepted **for this request only**:
  the request's ``get_host`` answers that host (so CSRF's origin check and absolute
  URLs see it), and its path is moved under the page's own path (``/`` →
  ``/b/salon-ndeye/``), so that host serves that page and nothing else of the site
  (``/admin/`` on it is ``/b/salon-ndeye/admin/``: 404). Static files keep their path.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http.request import split_domain_port, validate_host

from teranga.core.registry import Registry

#: ``host (lower case, no port) -> path of the page it serves ("/b/<slug>/") or None``.
HostResolver = Callable[[str], str | None]

host_resolvers: Registry[HostResolver] = Registry("public host resolver")


def _site_hosts() -> list[str]:
    hosts = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not hosts:  # Django's own DEBUG default
        hosts = [".localhost", "127.0.0.1", "[::1]"]
    return hosts


def page_path_for_host(host: str) -> str | None:
    """The page a registered public host serves, or None."""
    for resolver in host_resolvers.values():
        path = resolver(host)
        if path:
            return path
    return None


def _untouched_prefixes() -> tuple[str, ...]:
    static = "/" + str(settings.STATIC_URL or "/static/").lstrip("/")
    return (static,)


class PublicHostMiddleware:
    """See the module's docstring. Placed first in ``MIDDLEWARE``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request._get_raw_host()
        domain, _port = split_domain_port(raw)
        if not domain or validate_host(domain, _site_hosts()):
            return self.get_response(request)
        page_path = page_path_for_host(domain)
        if page_path is None:
            return self.get_response(request)  # Django refuses it (DisallowedHost: 400)
        request.get_host = lambda: raw
        request.public_host = domain
        path = request.path_info
        if not path.startswith(page_path) and not path.startswith(_untouched_prefixes()):
            request.path_info = page_path + path.lstrip("/")
            request.path = request.META.get("SCRIPT_NAME", "").rstrip("/") + request.path_info
        return self.get_response(request)
