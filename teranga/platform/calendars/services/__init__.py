"""Writes of calendar sync (keyword-only; remote calls outside transactions; side
effects after commit).

* ``connections``: OAuth connect and callback, calendar choices, disconnect;
* ``sync``: outward push, inward busy times, sync requests, backoff and revocation;
* ``webhooks``: the providers' push notifications.
"""

from .connections import (
    calendar_choose,
    calendars_refresh,
    connection_complete,
    connection_disconnect,
    connection_start,
    provider_get,
    redirect_uri,
)
from .sync import (
    booking_changed,
    connection_pull,
    connection_push,
    connection_revoked,
    connections_reconcile_record,
    sync_request_process,
    sync_requests_due,
    users_push_record,
    watches_renew,
)
from .webhooks import webhook_receive

__all__ = [
    "booking_changed",
    "calendar_choose",
    "calendars_refresh",
    "connection_complete",
    "connection_disconnect",
    "connection_pull",
    "connection_push",
    "connection_revoked",
    "connection_start",
    "connections_reconcile_record",
    "provider_get",
    "redirect_uri",
    "sync_request_process",
    "sync_requests_due",
    "users_push_record",
    "watches_renew",
    "webhook_receive",
]
