"""Rate limits of the guests' visit bookings (the public page and the API): per phone
(tight: each booking texts that number) and per address (wider: a carrier's NAT puts many
visitors behind one address). DRF's throttles of ``teranga.core.throttling``, with the
scopes declared in ``product.py`` (``THROTTLE_REALESTATE_GUEST_VISIT_PHONE`` …)."""

from __future__ import annotations

from teranga.core.throttling import budget_spend, client_address

GUEST_PHONE_SCOPE = "realestate_guest_visit_phone"
GUEST_ADDRESS_SCOPE = "realestate_guest_visit_address"


def address_budget_spend(request) -> float | None:
    """One attempt from the request's address (every attempt counts); None when allowed,
    else the seconds to wait."""
    return budget_spend(request, GUEST_ADDRESS_SCOPE, client_address(request))


def phone_budget_spend(request, phone: str) -> float | None:
    """One booking texting ``phone`` (E.164); None when allowed, else the seconds to wait."""
    return budget_spend(request, GUEST_PHONE_SCOPE, phone)
