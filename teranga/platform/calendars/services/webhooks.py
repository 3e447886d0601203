"""Push notifications from the providers: Google's watch channels and Graph's
subscriptions. Each names a channel we opened; its secret (Google's channel token,
Graph's ``clientState``) must match the keyed hash we kept, else the whole request is
refused and nothing is recorded. A valid one records a pull of that calendar (processed
after commit: the incremental sync). Graph's ``validationToken`` handshake is answered
by echoing the token."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.encryption import keyed_hash
from teranga.core.errors import Forbidden, ValidationFailed

from ..errors import CalendarError
from ..models import ConnectionStatus, ExternalCalendar, SyncKind
from ..providers.base import WebhookRejected
from .connections import provider_get
from .sync import SECRET_PURPOSE, sync_requests_record


def _rejected() -> Forbidden:
    return Forbidden(
        _("This notification could not be verified."), code=CalendarError.CALENDAR_WEBHOOK_REJECTED
    )


@transaction.atomic
def webhook_receive(
    *, provider: str, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
) -> tuple[str | None, int]:
    """Handle one notification request. Returns ``(handshake, recorded)``: the token to
    echo (Graph's validation), or how many pulls were recorded."""
    adapter = provider_get(provider)
    try:
        result = adapter.parse_webhook(headers=headers, query=query, body=body)
    except WebhookRejected:
        raise ValidationFailed(
            _("This notification is malformed."), code=CalendarError.CALENDAR_WEBHOOK_REJECTED
        ) from None
    if result.handshake is not None:
        return result.handshake, 0
    ids = {notice.watch_id for notice in result.notices}
    calendars = {
        calendar.watch_id: calendar
        for calendar in ExternalCalendar.objects.filter(
            watch_id__in=ids, connection__provider=provider
        ).select_related("connection")
    }
    to_pull: dict[str, ExternalCalendar] = {}
    for notice in result.notices:
        calendar = calendars.get(notice.watch_id)
        if calendar is None or not calendar.watch_secret_hash:
            raise _rejected()
        expected = calendar.watch_secret_hash
        if not hmac.compare_digest(expected, keyed_hash(notice.secret, purpose=SECRET_PURPOSE)):
            raise _rejected()
        if (
            notice.changed
            and calendar.blocks_slots
            and calendar.connection.status != ConnectionStatus.REVOKED
        ):
            to_pull[str(calendar.pk)] = calendar
    for calendar in to_pull.values():
        sync_requests_record(
            connections=[calendar.connection],
            kind=SyncKind.PULL,
            reason="notified",
            calendar=calendar,
        )
    return None, len(to_pull)
