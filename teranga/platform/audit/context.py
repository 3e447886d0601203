"""The request being served, for the audit entries its services write.

Services are called with keyword arguments and never see the request; the address and
user agent of an entry come from here. :class:`AuditRequestMiddleware` sets the current
request for the time of a request (a context variable: each thread or task of an ASGI
server has its own); outside a request (a job, a command) there is none, and entries carry
no address.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

_current: ContextVar[HttpRequest | None] = ContextVar("teranga_audit_request", default=None)


def current_request() -> HttpRequest | None:
    return _current.get()


class AuditRequestMiddleware:
    """Make the request known to the audit service while it is served."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
