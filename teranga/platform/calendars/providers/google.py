"""Google Calendar (API v3) with OAuth 2.0 for web server applications.

- Consent: ``https://accounts.google.com/o/oauth2/v2/auth`` with ``access_type=offline``
  and ``prompt=consent`` (a refresh token every time), scope
  ``https://www.googleapis.com/auth/calendar`` (events and the calendar list).
- Tokens: ``POST https://oauth2.googleapis.com/token`` (``authorization_code``, then
  ``refresh_token``); a refused refresh answers 400 ``{"error": "invalid_grant"}``.
  Revoke: ``POST https://oauth2.googleapis.com/revoke`` with the token.
- Calendars: ``GET /users/me/calendarList`` (``items[]``: ``id``, ``summary``,
  ``primary``, ``accessRole``); the primary calendar's id is the account's address.
- Events: ``POST /calendars/{id}/events`` with our own event ``id`` (base32hex, derived
  from our uid: a repeated insert answers 409 and becomes a patch, so pushes are
  idempotent), ``PATCH`` and ``DELETE /calendars/{id}/events/{eventId}`` (404/410 on
  delete: already gone). Our events carry ``extendedProperties.private.teranga_uid``.
- Incremental sync: ``GET /calendars/{id}/events`` with ``singleEvents=true``; the first
  (full) listing gives ``timeMin``/``timeMax``, each last page a ``nextSyncToken``, the
  next calls pass ``syncToken`` and get what changed (cancelled events with
  ``status: "cancelled"``); 410 Gone: the token expired, sync again in full.
  ``transparency: "transparent"`` events do not block time.
- Push: ``POST /calendars/{id}/events/watch`` ``{"id", "type": "web_hook", "address",
  "token"}`` -> ``{"id", "resourceId", "expiration"}`` (ms since the epoch); Google then
  posts empty bodies with ``X-Goog-Channel-ID``, ``X-Goog-Channel-Token`` and
  ``X-Goog-Resource-State`` (``sync`` first, then ``exists`` / ``not_exists``).
  Channels are not renewed: a new one is opened and the old stopped
  (``POST /channels/stop`` ``{"id", "resourceId"}``).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime

from teranga.core import http

from .base import (
    BusyChange,
    Changes,
    CursorExpired,
    OutboundEvent,
    ProviderError,
    RemoteCalendar,
    Tokens,
    Watch,
    WebhookNotice,
    WebhookRejected,
    WebhookResult,
)
from .oauth2 import json_body, token_request

AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
REVOKE_URL = "https://oauth2.googleapis.com/revoke"
API_URL = "https://www.googleapis.com/calendar/v3"
SCOPE = "https://www.googleapis.com/auth/calendar"
UID_PROPERTY = "teranga_uid"
PAGE_SIZE = 250
MAX_PAGES = 40
NAME = "google"


def event_id_for(uid: str) -> str:
    """Our event id at Google for the entry ``uid``: base32hex (the characters Google
    allows: a–v and 0–9), stable, 52 characters."""
    digest = hashlib.sha256(f"teranga:{uid}".encode()).digest()
    return base64.b32hexencode(digest).decode().lower().rstrip("=")


def _when(value: datetime) -> dict[str, str]:
    return {"dateTime": value.astimezone(UTC).isoformat().replace("+00:00", "Z"), "timeZone": "UTC"}


def _moment(value: Mapping[str, Any] | None, time_zone: str) -> datetime | None:
    """An event's ``start``/``end``: a ``dateTime``, or an all-day ``date`` (midnight in
    the event's or the calendar's time zone)."""
    if not value:
        return None
    if value.get("dateTime"):
        moment = parse_datetime(str(value["dateTime"]))
        return moment.astimezone(UTC) if moment and moment.tzinfo else None
    if value.get("date"):
        day = parse_date(str(value["date"]))
        if day is None:
            return None
        try:
            tz = ZoneInfo(str(value.get("timeZone") or time_zone or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    return None


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class GoogleCalendarProvider:
    name = NAME
    push_notifications = True

    # --- configuration ------------------------------------------------------------------

    def _client_id(self) -> str:
        return settings.GOOGLE_CALENDAR_CLIENT_ID

    def _client_secret(self) -> str:
        return settings.GOOGLE_CALENDAR_CLIENT_SECRET

    def is_configured(self) -> bool:
        return bool(self._client_id() and self._client_secret())

    # --- OAuth --------------------------------------------------------------------------

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        query = {
            "client_id": self._client_id(),
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": SCOPE,
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
        }
        return f"{AUTHORIZE_URL}?{urlencode(query)}"

    def _token(self, data: dict[str, str]) -> Tokens:
        return token_request(
            url=TOKEN_URL,
            provider=NAME,
            data={
                "client_id": self._client_id(),
                "client_secret": self._client_secret(),
                **data,
            },
            revoked_errors=("invalid_grant", "unauthorized_client"),
        )

    def exchange_code(self, *, code: str, redirect_uri: str) -> Tokens:
        return self._token(
            {"code": code, "redirect_uri": redirect_uri, "grant_type": "authorization_code"}
        )

    def refresh(self, *, refresh_token: str) -> Tokens:
        return self._token({"refresh_token": refresh_token, "grant_type": "refresh_token"})

    def revoke(self, *, token: str) -> None:
        with http.client() as client:
            response = http.send(
                client, "POST", REVOKE_URL, provider=NAME, retry=True, data={"token": token}
            )
        if response.status_code == 400:  # already invalid: nothing to revoke
            return
        http.raise_for_status(response, provider=NAME)

    # --- API ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, access_token: str, *, retry=True, **kwargs):
        with http.client(
            base_url=API_URL, headers={"Authorization": f"Bearer {access_token}"}
        ) as client:
            response = http.send(client, method, path, provider=NAME, retry=retry, **kwargs)
        if response.status_code == 401:
            raise ProviderError("google refused the access token", code="unauthorized")
        return response

    def account(self, *, access_token: str) -> str:
        for calendar in self.calendars(access_token=access_token):
            if calendar.primary:
                return calendar.id
        return ""

    def calendars(self, *, access_token: str) -> list[RemoteCalendar]:
        result: list[RemoteCalendar] = []
        page_token = ""
        for _page in range(MAX_PAGES):
            params = {"maxResults": "250"}
            if page_token:
                params["pageToken"] = page_token
            response = self._call("GET", "/users/me/calendarList", access_token, params=params)
            http.raise_for_status(response, provider=NAME)
            body = json_body(response)
            for item in body.get("items") or []:
                result.append(
                    RemoteCalendar(
                        id=str(item.get("id") or ""),
                        name=str(item.get("summaryOverride") or item.get("summary") or "")[:255],
                        primary=bool(item.get("primary")),
                        can_write=item.get("accessRole") in ("owner", "writer"),
                    )
                )
            page_token = str(body.get("nextPageToken") or "")
            if not page_token:
                break
        return [calendar for calendar in result if calendar.id]

    def _event_body(self, event: OutboundEvent) -> dict[str, Any]:
        body: dict[str, Any] = {
            "summary": event.title,
            "description": event.description,
            "location": event.location,
            "start": _when(event.starts_at),
            "end": _when(event.ends_at),
            "status": "tentative" if event.tentative else "confirmed",
            "extendedProperties": {"private": {UID_PROPERTY: event.uid}},
        }
        if event.url:
            body["source"] = {"title": "Teranga", "url": event.url}
        return body

    def event_put(
        self,
        *,
        access_token: str,
        calendar_id: str,
        event: OutboundEvent,
        external_id: str | None,
    ) -> str:
        event_id = external_id or event_id_for(event.uid)
        events = f"/calendars/{quote(calendar_id, safe='')}/events"
        body = self._event_body(event)
        if external_id is None:
            response = self._call("POST", events, access_token, json={"id": event_id, **body})
            if response.status_code != 409:  # 409: it exists (an earlier try): patch it
                http.raise_for_status(response, provider=NAME)
                return str(json_body(response).get("id") or event_id)
        response = self._call(
            "PATCH", f"{events}/{quote(event_id, safe='')}", access_token, json=body
        )
        if response.status_code in (404, 410) and external_id is not None:
            # Deleted over there: put it back under the same id.
            return self.event_put(
                access_token=access_token, calendar_id=calendar_id, event=event, external_id=None
            )
        http.raise_for_status(response, provider=NAME)
        return event_id

    def event_delete(self, *, access_token: str, calendar_id: str, external_id: str) -> None:
        path = f"/calendars/{quote(calendar_id, safe='')}/events/{quote(external_id, safe='')}"
        response = self._call("DELETE", path, access_token)
        if response.status_code in (404, 410):
            return
        http.raise_for_status(response, provider=NAME)

    def changes(
        self,
        *,
        access_token: str,
        calendar_id: str,
        cursor: str,
        window: tuple[datetime, datetime],
    ) -> Changes:
        path = f"/calendars/{quote(calendar_id, safe='')}/events"
        base: dict[str, str] = {"singleEvents": "true", "maxResults": str(PAGE_SIZE)}
        if cursor:
            base["syncToken"] = cursor
        else:
            base["timeMin"], base["timeMax"] = _rfc3339(window[0]), _rfc3339(window[1])
        changes: list[BusyChange] = []
        page_token = ""
        for _page in range(MAX_PAGES):
            params = dict(base, pageToken=page_token) if page_token else base
            response = self._call("GET", path, access_token, params=params)
            if response.status_code == 410:
                raise CursorExpired()
            http.raise_for_status(response, provider=NAME)
            body = json_body(response)
            time_zone = str(body.get("timeZone") or "UTC")
            for item in body.get("items") or []:
                changes.append(_busy_change(item, time_zone))
            page_token = str(body.get("nextPageToken") or "")
            if not page_token:
                return Changes(
                    changes=changes, cursor=str(body.get("nextSyncToken") or ""), full=not cursor
                )
        raise ProviderError("google listed too many pages", retryable=True, code="too_many_pages")

    # --- push channels --------------------------------------------------------------------

    def watch(
        self,
        *,
        access_token: str,
        calendar_id: str,
        address: str,
        secret: str,
        channel_id: str,
    ) -> Watch:
        path = f"/calendars/{quote(calendar_id, safe='')}/events/watch"
        response = self._call(
            "POST",
            path,
            access_token,
            retry=False,
            json={"id": channel_id, "type": "web_hook", "address": address, "token": secret},
        )
        http.raise_for_status(response, provider=NAME)
        body = json_body(response)
        try:
            expires_at = datetime.fromtimestamp(int(body.get("expiration")) / 1000, tz=UTC)
        except (TypeError, ValueError):
            expires_at = datetime.now(UTC) + timedelta(days=7)
        return Watch(
            id=str(body.get("id") or channel_id),
            resource_id=str(body.get("resourceId") or ""),
            expires_at=expires_at,
        )

    def renew(
        self, *, access_token: str, calendar_id: str, watch: Watch, address: str, secret: str
    ) -> Watch:
        fresh = self.watch(
            access_token=access_token,
            calendar_id=calendar_id,
            address=address,
            secret=secret,
            channel_id=str(uuid.uuid4()),
        )
        self.unwatch(access_token=access_token, watch=watch)
        return fresh

    def unwatch(self, *, access_token: str, watch: Watch) -> None:
        response = self._call(
            "POST",
            "/channels/stop",
            access_token,
            json={"id": watch.id, "resourceId": watch.resource_id},
        )
        if response.status_code in (404, 410):
            return
        http.raise_for_status(response, provider=NAME)

    def parse_webhook(
        self, *, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
    ) -> WebhookResult:
        channel = headers.get("x-goog-channel-id", "")
        if not channel or len(channel) > 255:
            raise WebhookRejected("no channel id")
        state = headers.get("x-goog-resource-state", "")
        return WebhookResult(
            notices=[
                WebhookNotice(
                    watch_id=channel,
                    secret=headers.get("x-goog-channel-token", ""),
                    changed=state != "sync",
                )
            ]
        )


def _busy_change(item: Mapping[str, Any], time_zone: str) -> BusyChange:
    event_id = str(item.get("id") or "")
    private = (item.get("extendedProperties") or {}).get("private") or {}
    if (
        item.get("status") == "cancelled"
        or item.get("transparency") == "transparent"
        or UID_PROPERTY in private  # ours: it is a booking already
    ):
        return BusyChange(event_id=event_id)
    starts_at = _moment(item.get("start"), time_zone)
    ends_at = _moment(item.get("end"), time_zone)
    if starts_at is None or ends_at is None or starts_at >= ends_at:
        return BusyChange(event_id=event_id)
    return BusyChange(event_id=event_id, starts_at=starts_at, ends_at=ends_at)
