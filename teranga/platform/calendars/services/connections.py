"""Connecting a calendar account (OAuth), choosing its calendars, disconnecting."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.links import public_link

from .. import oauth
from ..errors import CalendarError, ProviderUnavailable
from ..models import (
    BusyInterval,
    CalendarConnection,
    ConnectionStatus,
    ExternalCalendar,
    PushedEvent,
    SyncKind,
)
from ..providers.base import CalendarProvider, GrantRevoked, ProviderError, Watch
from ..providers.registry import calendar_providers
from .sync import provider_of, sync_requests_record, with_token

logger = logging.getLogger(__name__)

#: Disconnecting removes at most this many upcoming pushed events at the provider.
DISCONNECT_DELETE_LIMIT = 200


def provider_get(name: str) -> CalendarProvider:
    """A configured provider by name: 404 ``unknown_calendar_provider``, 409
    ``calendar_provider_not_configured``."""
    if name not in calendar_providers:
        raise NotFound(
            _("This calendar provider does not exist."),
            code=CalendarError.UNKNOWN_CALENDAR_PROVIDER,
        )
    provider = calendar_providers.get(name)
    if not provider.is_configured():
        raise Conflict(
            _("This calendar provider is not available here."),
            code=CalendarError.CALENDAR_PROVIDER_NOT_CONFIGURED,
        )
    return provider


def redirect_uri(provider: str) -> str:
    """The page the provider sends the user back to (to register at the provider)."""
    return public_link(f"/calendar/connect/{provider}/callback/")


def connection_start(*, user, provider: str) -> str:
    """The provider's consent address for ``user``, with a signed one-time state."""
    adapter = provider_get(provider)
    state = oauth.state_make(user_id=user.pk, provider=provider)
    return adapter.authorization_url(state=state, redirect_uri=redirect_uri(provider))


def _provider_failed() -> ProviderUnavailable:
    return ProviderUnavailable(
        _("The calendar provider could not be reached. Try again later."),
        code=CalendarError.CALENDAR_PROVIDER_FAILED,
    )


def calendars_store(*, connection: CalendarConnection, remote: list) -> list[ExternalCalendar]:
    """Keep the account's calendar list: new ones added (the primary one, when it is the
    first time, blocks slots and receives events), vanished ones removed."""
    existing = {c.external_id: c for c in ExternalCalendar.objects.filter(connection=connection)}
    first_time = not existing
    seen = set()
    for item in remote:
        seen.add(item.id)
        calendar = existing.get(item.id)
        if calendar is None:
            ExternalCalendar.objects.create(
                connection=connection,
                external_id=item.id[:255],
                name=item.name[:255],
                is_primary=item.primary,
                can_write=item.can_write,
                blocks_slots=first_time and item.primary,
                receives_events=first_time and item.primary and item.can_write,
            )
        elif (calendar.name, calendar.is_primary, calendar.can_write) != (
            item.name,
            item.primary,
            item.can_write,
        ):
            calendar.name, calendar.is_primary = item.name[:255], item.primary
            calendar.can_write = item.can_write
            if not item.can_write:
                calendar.receives_events = False
            calendar.save(
                update_fields=["name", "is_primary", "can_write", "receives_events", "updated_at"]
            )
    ExternalCalendar.objects.filter(connection=connection).exclude(external_id__in=seen).delete()
    return list(ExternalCalendar.objects.filter(connection=connection))


def connection_complete(*, provider: str, code: str, state: str) -> CalendarConnection:
    """The callback: check the state, exchange the code, store the connection with its
    tokens (encrypted) and calendars, and start the first sync after commit."""
    try:
        user_id = oauth.state_use(state, provider=provider)
    except oauth.InvalidState:
        raise ValidationFailed(
            _("This connection link is invalid or has expired. Start again from the app."),
            code=CalendarError.INVALID_OAUTH_STATE,
        ) from None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed(
            _("This connection link is invalid or has expired. Start again from the app."),
            code=CalendarError.INVALID_OAUTH_STATE,
        )
    adapter = provider_get(provider)
    if not code or len(code) > 2000:
        raise ValidationFailed(
            _("The calendar provider did not grant access."),
            code=CalendarError.INVALID_OAUTH_STATE,
        )
    try:
        tokens = adapter.exchange_code(code=code, redirect_uri=redirect_uri(provider))
        account = adapter.account(access_token=tokens.access_token)
        remote = adapter.calendars(access_token=tokens.access_token)
    except GrantRevoked:
        raise ValidationFailed(
            _("The calendar provider did not grant access."),
            code=CalendarError.INVALID_OAUTH_STATE,
        ) from None
    except ProviderError:
        raise _provider_failed() from None
    with transaction.atomic():
        connection, _created = CalendarConnection.objects.select_for_update().get_or_create(
            user=user, provider=provider, account=account[:254]
        )
        connection.status = ConnectionStatus.ACTIVE
        connection.revoked_at = None
        connection.failures = 0
        connection.next_attempt_at = None
        connection.last_error = ""
        connection.access_token = tokens.access_token
        connection.access_expires_at = timezone.now() + timedelta(seconds=tokens.expires_in)
        if tokens.refresh_token:
            connection.refresh_token = tokens.refresh_token
        connection.save()
        calendars_store(connection=connection, remote=remote)
        sync_requests_record(connections=[connection], kind=SyncKind.PUSH, reason="connected")
        sync_requests_record(connections=[connection], kind=SyncKind.PULL, reason="connected")
    return connection


def _own_connection(user, connection_id, *, lock: bool = False) -> CalendarConnection:
    queryset = CalendarConnection.objects.filter(user=user, pk=connection_id)
    if lock:
        queryset = queryset.select_for_update()
    connection = queryset.first()
    if connection is None:
        raise NotFound(code=CalendarError.CALENDAR_CONNECTION_NOT_FOUND)
    return connection


def calendars_refresh(*, user, connection_id) -> CalendarConnection:
    """Read the account's calendar list again."""
    connection = _own_connection(user, connection_id)
    if connection.status == ConnectionStatus.REVOKED:
        raise Conflict(
            _("Access to this calendar was revoked: connect it again."),
            code=CalendarError.CALENDAR_CONNECTION_REVOKED,
        )
    provider = provider_of(connection)
    try:
        remote = with_token(connection, lambda token: provider.calendars(access_token=token))
    except GrantRevoked:
        raise Conflict(
            _("Access to this calendar was revoked: connect it again."),
            code=CalendarError.CALENDAR_CONNECTION_REVOKED,
        ) from None
    except ProviderError:
        raise _provider_failed() from None
    with transaction.atomic():
        calendars_store(connection=connection, remote=remote)
    return connection


@transaction.atomic
def calendar_choose(
    *,
    user,
    connection_id,
    calendar_id,
    blocks_slots: bool | None = None,
    receives_events: bool | None = None,
) -> ExternalCalendar:
    """Choose whether a calendar blocks the user's slots, and whether it is the one that
    receives their events (one per connection; choosing one unsets the other). The sync
    that follows runs after commit."""
    connection = _own_connection(user, connection_id, lock=True)
    calendar = ExternalCalendar.objects.filter(connection=connection, pk=calendar_id).first()
    if calendar is None:
        raise NotFound(code=CalendarError.CALENDAR_NOT_FOUND)
    if receives_events and not calendar.can_write:
        raise ValidationFailed(
            _("Teranga cannot write to this calendar."),
            code=CalendarError.CALENDAR_NOT_WRITABLE,
            fields={"receives_events": [_("Teranga cannot write to this calendar.")]},
        )
    live = connection.status != ConnectionStatus.REVOKED
    if receives_events is not None and receives_events != calendar.receives_events:
        if receives_events:
            ExternalCalendar.objects.filter(connection=connection, receives_events=True).update(
                receives_events=False
            )
        calendar.receives_events = receives_events
        if live:
            sync_requests_record(connections=[connection], kind=SyncKind.PUSH, reason="target")
    if blocks_slots is not None and blocks_slots != calendar.blocks_slots:
        calendar.blocks_slots = blocks_slots
        if blocks_slots:
            calendar.sync_cursor = ""
        else:
            # Its busy times stop counting at once; its channel is left to expire.
            BusyInterval.objects.filter(calendar=calendar).delete()
            calendar.sync_cursor = ""
    calendar.save()
    if blocks_slots and live:
        sync_requests_record(
            connections=[connection], kind=SyncKind.PULL, reason="chosen", calendar=calendar
        )
    return calendar


def connection_disconnect(*, user, connection_id) -> None:
    """Disconnect: remove the upcoming events we pushed and the push channels, revoke the
    grant where the provider can, then delete the connection with its tokens, busy times
    and mapping. What the provider refuses (it may be unreachable, or the grant already
    revoked) does not stop the disconnection."""
    connection = _own_connection(user, connection_id)
    provider = provider_of(connection)
    if connection.status != ConnectionStatus.REVOKED and connection.refresh_token:
        try:
            _remote_cleanup(connection, provider)
        except (ProviderError, GrantRevoked) as exc:
            logger.warning(
                "calendar disconnect: provider cleanup failed",
                extra={"connection": str(connection.pk), "error": type(exc).__name__},
            )
    with transaction.atomic():
        CalendarConnection.objects.filter(pk=connection.pk).delete()


def _remote_cleanup(connection: CalendarConnection, provider: CalendarProvider) -> None:
    now = timezone.now()
    upcoming = PushedEvent.objects.filter(connection=connection, ends_at__gt=now).order_by(
        "starts_at"
    )[:DISCONNECT_DELETE_LIMIT]
    for mapping in upcoming:
        with_token(
            connection,
            lambda token, m=mapping: provider.event_delete(
                access_token=token, calendar_id=m.calendar_id, external_id=m.external_id
            ),
        )
    for calendar in ExternalCalendar.objects.filter(connection=connection).exclude(watch_id=""):
        watch = Watch(
            calendar.watch_id, calendar.watch_resource_id, calendar.watch_expires_at or now
        )
        with_token(connection, lambda token, w=watch: provider.unwatch(access_token=token, watch=w))
    provider.revoke(token=connection.refresh_token)
