"""Rate limits of the guests' visit bookings (the public page and the API): per phone
(tight: each booking texts that number) and per address (wider: a carrier's NAT puts many
visitors behind one address). DRF's throttles of ``teranga.core.throttling``, with the
scopes declared in ``product.py`` (``THROTTLE_REALESTATE_GUEST_VISIT_PHONE`` …)."""

from __future__ import annotations

from teranga.core.throttling import SimpleRateThrottle

GUEST_PHONE_SCOPE = "realestate_guest_visit_phone"
GUEST_ADDRESS_SCOPE = "realestate_guest_visit_address"


class _Throttle(SimpleRateThrottle):
    def __init__(self, scope: str, ident: str) -> None:
        self.scope = scope
        self.ident = ident
        super().__init__()

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def _spend(request, scope: str, ident: str) -> float | None:
    """Spend one unit of the budget; None when it allowed it, else the seconds to wait."""
    throttle = _Throttle(scope, ident)
    if throttle.allow_request(request, None):
        return None
    return throttle.wait() or 1.0


def address_budget_spend(request) -> float | None:
    """One attempt from the request's address (every attempt counts)."""
    ident = _Throttle(GUEST_ADDRESS_SCOPE, "").get_ident(request)
    return _spend(request, GUEST_ADDRESS_SCOPE, ident)


def phone_budget_spend(request, phone: str) -> float | None:
    """One booking texting ``phone`` (E.164)."""
    return _spend(request, GUEST_PHONE_SCOPE, phone)
