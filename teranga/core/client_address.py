"""The address of the client that sent a request, the one way every module reads it.

``X-Forwarded-For`` is believed only behind proxies we run: ``TRUSTED_PROXY_COUNT`` of
them (default 0: the header is ignored and the connection's ``REMOTE_ADDR`` is the
client). Each trusted proxy appends the address it received the request from, so the
client is the ``TRUSTED_PROXY_COUNT``-th entry from the right; anything further left
was written by the client and proves nothing.

The same setting drives allauth (``ALLAUTH_TRUSTED_PROXY_COUNT``: its rate limits and
user sessions go through our adapter, which calls this function) and DRF's throttles
(``NUM_PROXIES``), whose rule this follows entry for entry. Hand-written because the
two libraries keep theirs inside their own classes (allauth's answers 500 when the
header is shorter than the proxy count; DRF's is a throttle method).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

#: Longer headers are not ours to parse (a proxy chain is a few entries).
MAX_FORWARDED_FOR_LENGTH = 1000


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:5555
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:10.0.0.1
    return str(address)


def client_address(request) -> str | None:
    """The client's IP address as text, or ``None`` when it cannot be told."""
    remote = _clean(request.META.get("REMOTE_ADDR", "") or "")
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded or len(forwarded) > MAX_FORWARDED_FOR_LENGTH:
        return remote
    entries = forwarded.split(",")
    return _clean(entries[-min(trusted, len(entries))]) or remote
