"""``/metrics``: django-prometheus's exporter, behind a guard.

In PRODUCTION a scrape needs ``Authorization: Bearer <METRICS_TOKEN>`` (compared in
constant time) or a client address in ``METRICS_ALLOWED_IPS`` (addresses or CIDR
networks, matched against the client's address: the connection's, or the one our trusted
proxies forwarded when ``TRUSTED_PROXY_COUNT`` is set, never a header a client wrote); with
neither configured, nobody may scrape. Outside PRODUCTION the endpoint is open unless
``METRICS_TOKEN`` is set. Whoever may not scrape gets the same 404 as an unknown URL.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import Http404
from django_prometheus.exports import ExportToDjangoView

from teranga.core.client_address import client_address


def _token_matches(request, token: str) -> bool:
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


def _address_allowed(request, networks) -> bool:
    try:
        address = ipaddress.ip_address(client_address(request) or "")
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:10.0.0.1
    for network in networks:
        try:
            if address in ipaddress.ip_network(network.strip(), strict=False):
                return True
        except ValueError:  # settings.py refuses such an entry; a test may not
            continue
    return False


def scrape_allowed(request) -> bool:
    token = getattr(settings, "METRICS_TOKEN", "")
    networks = getattr(settings, "METRICS_ALLOWED_IPS", [])
    if not getattr(settings, "PRODUCTION", False) and not token:
        return True
    if token and _token_matches(request, token):
        return True
    return bool(networks) and _address_allowed(request, networks)


def metrics(request):
    if not scrape_allowed(request):
        raise Http404
    return ExportToDjangoView(request)
