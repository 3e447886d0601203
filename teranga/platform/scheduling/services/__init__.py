"""Writes of the scheduling engine (keyword-only, atomic; side effects after commit).

* ``resources``: resources, weekly rules and date overrides;
* ``bookings``: the booking lifecycle under lock, holds, and the availability re-check;
* ``feeds``: calendar feeds.

Every transition writes a ``BookingEvent`` and announces itself (notifications are
recorded in the same transaction, delivered after commit: see ``notices``).
"""

from .bookings import (
    TRANSITIONS,
    booking_cancel,
    booking_complete,
    booking_confirm,
    booking_create,
    booking_hold_keep,
    booking_no_show,
    booking_reschedule,
    bookings_recheck,
    hold_duration,
    holds_expire,
)
from .feeds import (
    calendar_feed_create,
    calendar_feed_revoke,
    calendar_feed_touch,
    feed_token_digest,
)
from .resources import (
    RESOURCE_FIELDS,
    RULE_FIELDS,
    override_create,
    override_delete,
    resource_create,
    resource_delete,
    resource_update,
    rule_create,
    rule_delete,
    rule_update,
    rules_create,
    rules_generate,
)

__all__ = [
    "RESOURCE_FIELDS",
    "RULE_FIELDS",
    "TRANSITIONS",
    "booking_cancel",
    "booking_complete",
    "booking_confirm",
    "booking_hold_keep",
    "hold_duration",
    "booking_create",
    "booking_no_show",
    "booking_reschedule",
    "bookings_recheck",
    "calendar_feed_create",
    "calendar_feed_revoke",
    "calendar_feed_touch",
    "feed_token_digest",
    "holds_expire",
    "override_create",
    "override_delete",
    "resource_create",
    "resource_delete",
    "resource_update",
    "rule_create",
    "rule_delete",
    "rule_update",
    "rules_create",
    "rules_generate",
]
