"""Microsoft 365 / Outlook calendars through Microsoft Graph (v1.0), with the Microsoft
identity platform's OAuth 2.0 v2.0 endpoints.

- Consent: ``https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize`` with
  ``response_mode=query`` and the scopes ``offline_access Calendars.ReadWrite User.Read``
  (``offline_access`` is what gives a refresh token); ``MICROSOFT_TENANT`` is ``common``
  by default (work, school and personal accounts).
- Tokens: ``POST …/oauth2/v2.0/token`` (``authorization_code``, then ``refresh_token``;
  each refresh may return a new refresh token, kept). A refused refresh answers 400
  ``{"error": "invalid_grant"}``. Graph has no endpoint that revokes one refresh token:
  disconnecting deletes ours and the subscriptions.
- Account: ``GET /me`` (``mail``, else ``userPrincipalName``); calendars:
  ``GET /me/calendars`` (``value[]``: ``id``, ``name``, ``isDefaultCalendar``,
  ``canEdit``).
- Events: ``POST /me/calendars/{id}/events`` with ``transactionId`` derived from our uid
  (Graph drops a repeated create with the same id), ``PATCH`` / ``DELETE
  /me/events/{id}`` (404 on delete: already gone). Times are sent and read in UTC
  (``Prefer: outlook.timezone="UTC"``).
- Incremental sync: ``GET /me/calendars/{id}/calendarView/delta?startDateTime=…&
  endDateTime=…`` then the ``@odata.nextLink`` pages, the last giving an
  ``@odata.deltaLink`` (our cursor, called as is next time); removed events come as
  ``{"id", "@removed": {…}}``; ``showAs: "free"`` and cancelled events do not block time.
  410 Gone (``syncStateNotFound``): sync again in full.
- Push: ``POST /subscriptions`` ``{"changeType": "created,updated,deleted",
  "notificationUrl", "resource": "/me/calendars/{id}/events", "expirationDateTime",
  "clientState"}``; Graph first calls the URL with ``?validationToken=…`` and expects it
  back as ``text/plain`` within 10 seconds, then posts ``{"value": [{"subscriptionId",
  "clientState", "changeType", …}]}``. Renewal: ``PATCH /subscriptions/{id}``
  ``{"expirationDateTime"}`` (at most 4 230 minutes ahead for events); removal:
  ``DELETE /subscriptions/{id}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.dateparse import parse_datetime

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

LOGIN_URL = "https://login.microsoftonline.com"
GRAPH_URL = "https://graph.microsoft.com/v1.0"
SCOPES = "offline_access Calendars.ReadWrite User.Read"
#: Graph's longest subscription on events (4 230 minutes), less a margin.
SUBSCRIPTION_LIFETIME = timedelta(minutes=4200)
PREFER_UTC = 'outlook.timezone="UTC"'
MAX_PAGES = 40
NAME = "microsoft"


def transaction_id_for(uid: str) -> str:
    return hashlib.sha256(f"teranga:{uid}".encode()).hexdigest()[:36]


def _when(value: datetime) -> dict[str, str]:
    return {"dateTime": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def _moment(value: Mapping[str, Any] | None) -> datetime | None:
    """A ``dateTimeTimeZone`` read with ``Prefer: outlook.timezone="UTC"``."""
    if not value or not value.get("dateTime"):
        return None
    moment = parse_datetime(str(value["dateTime"]))
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


#: The longest ``validationToken`` echoed back (Graph's are a few hundred characters).
VALIDATION_TOKEN_MAX_LENGTH = 1024


class MicrosoftCalendarProvider:
    name = NAME
    push_notifications = True

    def is_configured(self) -> bool:
        return bool(settings.MICROSOFT_CLIENT_ID and settings.MICROSOFT_CLIENT_SECRET)

    def _oauth(self, path: str) -> str:
        tenant = quote(settings.MICROSOFT_TENANT or "common", safe="")
        return f"{LOGIN_URL}/{tenant}/oauth2/v2.0/{path}"

    # --- OAuth --------------------------------------------------------------------------

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        query = {
            "client_id": settings.MICROSOFT_CLIENT_ID,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "response_mode": "query",
            "scope": SCOPES,
            "prompt": "select_account",
            "state": state,
        }
        return f"{self._oauth('authorize')}?{urlencode(query)}"

    def _token(self, data: dict[str, str]) -> Tokens:
        return token_request(
            url=self._oauth("token"),
            provider=NAME,
            data={
                "client_id": settings.MICROSOFT_CLIENT_ID,
                "client_secret": settings.MICROSOFT_CLIENT_SECRET,
                "scope": SCOPES,
                **data,
            },
            revoked_errors=("invalid_grant", "interaction_required", "unauthorized_client"),
        )

    def exchange_code(self, *, code: str, redirect_uri: str) -> Tokens:
        return self._token(
            {"code": code, "redirect_uri": redirect_uri, "grant_type": "authorization_code"}
        )

    def refresh(self, *, refresh_token: str) -> Tokens:
        return self._token({"refresh_token": refresh_token, "grant_type": "refresh_token"})

    def revoke(self, *, token: str) -> None:
        """Graph cannot revoke one refresh token: forgetting it is all there is."""

    # --- API ----------------------------------------------------------------------------

    def _call(self, method: str, url: str, access_token: str, *, retry=True, **kwargs):
        headers = {"Authorization": f"Bearer {access_token}", "Prefer": PREFER_UTC}
        with http.client(base_url=GRAPH_URL, headers=headers) as client:
            response = http.send(client, method, url, provider=NAME, retry=retry, **kwargs)
        if response.status_code == 401:
            raise ProviderError("microsoft refused the access token", code="unauthorized")
        return response

    def account(self, *, access_token: str) -> str:
        response = self._call("GET", "/me", access_token)
        http.raise_for_status(response, provider=NAME)
        body = json_body(response)
        return str(body.get("mail") or body.get("userPrincipalName") or "")[:254]

    def calendars(self, *, access_token: str) -> list[RemoteCalendar]:
        result: list[RemoteCalendar] = []
        url = "/me/calendars?$top=100"
        for _page in range(MAX_PAGES):
            response = self._call("GET", url, access_token)
            http.raise_for_status(response, provider=NAME)
            body = json_body(response)
            for item in body.get("value") or []:
                result.append(
                    RemoteCalendar(
                        id=str(item.get("id") or ""),
                        name=str(item.get("name") or "")[:255],
                        primary=bool(item.get("isDefaultCalendar")),
                        can_write=bool(item.get("canEdit")),
                    )
                )
            url = str(body.get("@odata.nextLink") or "")
            if not url:
                break
        return [calendar for calendar in result if calendar.id]

    def _event_body(self, event: OutboundEvent) -> dict[str, Any]:
        text = event.description
        if event.url:
            text = f"{text}\n\n{event.url}" if text else event.url
        return {
            "subject": event.title,
            "body": {"contentType": "text", "content": text},
            "start": _when(event.starts_at),
            "end": _when(event.ends_at),
            "location": {"displayName": event.location},
            "showAs": "tentative" if event.tentative else "busy",
        }

    def event_put(
        self,
        *,
        access_token: str,
        calendar_id: str,
        event: OutboundEvent,
        external_id: str | None,
    ) -> str:
        body = self._event_body(event)
        if external_id is not None:
            response = self._call(
                "PATCH", f"/me/events/{quote(external_id, safe='')}", access_token, json=body
            )
            if response.status_code != 404:
                http.raise_for_status(response, provider=NAME)
                return external_id
        response = self._call(
            "POST",
            f"/me/calendars/{quote(calendar_id, safe='')}/events",
            access_token,
            json={**body, "transactionId": transaction_id_for(event.uid)},
        )
        http.raise_for_status(response, provider=NAME)
        event_id = str(json_body(response).get("id") or "")
        if not event_id:
            raise ProviderError("microsoft gave no event id", code="no_event_id")
        return event_id

    def event_delete(self, *, access_token: str, calendar_id: str, external_id: str) -> None:
        response = self._call("DELETE", f"/me/events/{quote(external_id, safe='')}", access_token)
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
        if cursor:
            if not cursor.startswith(GRAPH_URL + "/"):
                raise CursorExpired("not a Graph delta link")
            url = cursor
        else:
            query = urlencode({"startDateTime": _iso(window[0]), "endDateTime": _iso(window[1])})
            url = f"/me/calendars/{quote(calendar_id, safe='')}/calendarView/delta?{query}"
        changes: list[BusyChange] = []
        for _page in range(MAX_PAGES):
            response = self._call("GET", url, access_token)
            body = json_body(response)
            if response.status_code == 410 or (
                (body.get("error") or {}).get("code") == "syncStateNotFound"
            ):
                raise CursorExpired()
            http.raise_for_status(response, provider=NAME)
            for item in body.get("value") or []:
                changes.append(_busy_change(item))
            if body.get("@odata.nextLink"):
                url = str(body["@odata.nextLink"])
                continue
            return Changes(
                changes=changes, cursor=str(body.get("@odata.deltaLink") or ""), full=not cursor
            )
        raise ProviderError(
            "microsoft listed too many pages", retryable=True, code="too_many_pages"
        )

    # --- subscriptions ------------------------------------------------------------------

    def watch(
        self,
        *,
        access_token: str,
        calendar_id: str,
        address: str,
        secret: str,
        channel_id: str,
    ) -> Watch:
        expires_at = datetime.now(UTC) + SUBSCRIPTION_LIFETIME
        response = self._call(
            "POST",
            "/subscriptions",
            access_token,
            retry=False,
            json={
                "changeType": "created,updated,deleted",
                "notificationUrl": address,
                "resource": f"/me/calendars/{calendar_id}/events",
                "expirationDateTime": _iso(expires_at),
                "clientState": secret,
            },
        )
        http.raise_for_status(response, provider=NAME)
        body = json_body(response)
        return Watch(
            id=str(body.get("id") or ""),
            resource_id=str(body.get("resource") or ""),
            expires_at=_moment({"dateTime": body.get("expirationDateTime")}) or expires_at,
        )

    def renew(
        self, *, access_token: str, calendar_id: str, watch: Watch, address: str, secret: str
    ) -> Watch:
        expires_at = datetime.now(UTC) + SUBSCRIPTION_LIFETIME
        response = self._call(
            "PATCH",
            f"/subscriptions/{quote(watch.id, safe='')}",
            access_token,
            json={"expirationDateTime": _iso(expires_at)},
        )
        if response.status_code == 404:  # gone (expired): open a new one
            return self.watch(
                access_token=access_token,
                calendar_id=calendar_id,
                address=address,
                secret=secret,
                channel_id="",
            )
        http.raise_for_status(response, provider=NAME)
        body = json_body(response)
        return Watch(
            id=watch.id,
            resource_id=watch.resource_id,
            expires_at=_moment({"dateTime": body.get("expirationDateTime")}) or expires_at,
        )

    def unwatch(self, *, access_token: str, watch: Watch) -> None:
        response = self._call("DELETE", f"/subscriptions/{quote(watch.id, safe='')}", access_token)
        if response.status_code in (404, 410):
            return
        http.raise_for_status(response, provider=NAME)

    def parse_webhook(
        self, *, headers: Mapping[str, str], query: Mapping[str, str], body: bytes
    ) -> WebhookResult:
        token = query.get("validationToken")
        if token is not None:
            if len(token) > VALIDATION_TOKEN_MAX_LENGTH:
                raise WebhookRejected("validation token too long")
            return WebhookResult(handshake=token)
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            raise WebhookRejected("not JSON") from None
        values = data.get("value") if isinstance(data, dict) else None
        if not isinstance(values, list) or not values:
            raise WebhookRejected("no notifications")
        notices = []
        for value in values[:100]:
            if not isinstance(value, dict) or not value.get("subscriptionId"):
                raise WebhookRejected("a notification without subscription")
            notices.append(
                WebhookNotice(
                    watch_id=str(value["subscriptionId"])[:255],
                    secret=str(value.get("clientState") or ""),
                )
            )
        return WebhookResult(notices=notices)


def _busy_change(item: Mapping[str, Any]) -> BusyChange:
    event_id = str(item.get("id") or "")
    if "@removed" in item or item.get("isCancelled") or item.get("showAs") == "free":
        return BusyChange(event_id=event_id)
    starts_at, ends_at = _moment(item.get("start")), _moment(item.get("end"))
    if starts_at is None or ends_at is None or starts_at >= ends_at:
        return BusyChange(event_id=event_id)
    return BusyChange(event_id=event_id, starts_at=starts_at, ends_at=ends_at)
