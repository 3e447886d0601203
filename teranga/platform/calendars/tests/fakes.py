"""The providers' side, at the HTTP transport (``teranga.core.http.use_transport``), with
the request and response shapes of their documentation: Google Calendar API v3 with its
OAuth endpoints, and Microsoft Graph v1.0 with the identity platform's v2.0 endpoints.
Each keeps its calendars in memory, so a test sees what a person would see there."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote

import httpx2


def _iso_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakeGoogle:
    ACCOUNT = "awa.staff@gmail.com"

    def __init__(self):
        self.requests: list[httpx2.Request] = []
        self.version = 0
        self.access_token = "ya29.first"
        self.refresh_token = "1//refresh-first"
        self.revoked = False
        self.revoked_tokens: list[str] = []
        self.down = False  # event inserts answer 503
        self.calendars = {self.ACCOUNT: {}, "team@group.calendar.google.com": {}}
        self.channels: dict[str, dict] = {}
        self.stopped: list[str] = []
        self.sync_tokens: set[str] = set()

    # --- what a person does in Google Calendar ----------------------------------------------

    def add_busy(self, starts_at, ends_at, *, calendar=None, transparent=False) -> str:
        event_id = uuid.uuid4().hex
        self._store(
            calendar or self.ACCOUNT,
            {
                "id": event_id,
                "status": "confirmed",
                "summary": "Dentist",
                "start": {"dateTime": _iso_z(starts_at)},
                "end": {"dateTime": _iso_z(ends_at)},
                **({"transparency": "transparent"} if transparent else {}),
            },
        )
        return event_id

    def live_events(self, calendar=None) -> list[dict]:
        events = self.calendars[calendar or self.ACCOUNT].values()
        return [e for e in events if e["status"] != "cancelled"]

    def notification_headers(self, calendar=None) -> dict:
        """What Google posts to the channel's address after a change."""
        calendar = calendar or self.ACCOUNT
        [channel] = [c for c in self.channels.values() if c["calendar"] == calendar]
        return {
            "HTTP_X_GOOG_CHANNEL_ID": channel["id"],
            "HTTP_X_GOOG_CHANNEL_TOKEN": channel["token"],
            "HTTP_X_GOOG_RESOURCE_ID": channel["resourceId"],
            "HTTP_X_GOOG_RESOURCE_STATE": "exists",
            "HTTP_X_GOOG_MESSAGE_NUMBER": "2",
        }

    # --- the transport -----------------------------------------------------------------------

    def _store(self, calendar: str, event: dict) -> dict:
        self.version += 1
        event = {**event, "kind": "calendar#event", "etag": f'"{self.version}"'}
        event["updated"] = f"v{self.version:08d}"
        self.calendars[calendar][event["id"]] = event
        return event

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        host, path, method = request.url.host, request.url.path, request.method
        if self.down and method == "POST" and path.endswith("/events"):
            return httpx2.Response(503, json={"error": {"code": 503, "message": "Backend Error"}})
        if host == "oauth2.googleapis.com":
            return self._oauth(request, path)
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return httpx2.Response(
                401,
                json={
                    "error": {
                        "code": 401,
                        "message": "Request had invalid authentication credentials.",
                        "status": "UNAUTHENTICATED",
                    }
                },
            )
        prefix = "/calendar/v3"
        assert path.startswith(prefix), path
        path = path[len(prefix) :]
        if path == "/users/me/calendarList":
            return httpx2.Response(
                200,
                json={
                    "kind": "calendar#calendarList",
                    "items": [
                        {
                            "kind": "calendar#calendarListEntry",
                            "id": self.ACCOUNT,
                            "summary": self.ACCOUNT,
                            "timeZone": "Africa/Dakar",
                            "accessRole": "owner",
                            "primary": True,
                        },
                        {
                            "kind": "calendar#calendarListEntry",
                            "id": "team@group.calendar.google.com",
                            "summary": "Team",
                            "timeZone": "Africa/Dakar",
                            "accessRole": "reader",
                        },
                    ],
                },
            )
        if path == "/channels/stop" and method == "POST":
            self.stopped.append(json.loads(request.content)["id"])
            return httpx2.Response(204)
        parts = [unquote(p) for p in path.split("/")]
        # ["", "calendars", calendarId, "events", (eventId | "watch")]
        calendar = parts[2]
        events = self.calendars[calendar]
        if len(parts) == 4 and method == "POST":
            body = json.loads(request.content)
            if body["id"] in events:
                return httpx2.Response(
                    409,
                    json={
                        "error": {
                            "errors": [
                                {
                                    "domain": "global",
                                    "reason": "duplicate",
                                    "message": "The requested identifier already exists.",
                                }
                            ],
                            "code": 409,
                            "message": "The requested identifier already exists.",
                        }
                    },
                )
            return httpx2.Response(
                200, json=self._store(calendar, {**body, "status": body.get("status", "confirmed")})
            )
        if len(parts) == 4 and method == "GET":
            return self._list(calendar, request)
        if len(parts) == 5 and parts[4] == "watch":
            body = json.loads(request.content)
            channel = {
                "kind": "api#channel",
                "id": body["id"],
                "resourceId": f"res-{uuid.uuid4().hex[:8]}",
                "resourceUri": f"https://www.googleapis.com/calendar/v3/calendars/{calendar}/events",
                "token": body["token"],
                "expiration": str(int(datetime(2026, 3, 9, tzinfo=UTC).timestamp() * 1000)),
                "calendar": calendar,
                "address": body["address"],
            }
            self.channels[body["id"]] = channel
            return httpx2.Response(
                200, json={k: v for k, v in channel.items() if k not in ("calendar", "address")}
            )
        event_id = parts[4]
        event = events.get(event_id)
        if event is None or event["status"] == "cancelled":
            status = 410 if event is not None else 404
            return httpx2.Response(status, json={"error": {"code": status, "message": "Not Found"}})
        if method == "PATCH":
            return httpx2.Response(
                200, json=self._store(calendar, {**event, **json.loads(request.content)})
            )
        if method == "DELETE":
            self._store(calendar, {**event, "status": "cancelled"})
            return httpx2.Response(204)
        raise AssertionError(f"unexpected {method} {path}")

    def _oauth(self, request, path):
        if path == "/revoke":
            self.revoked_tokens.append(parse_qs(request.content.decode())["token"][0])
            return httpx2.Response(200)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["client_id"] == "google-client-id" and form["client_secret"] == "google-secret"
        if form["grant_type"] == "authorization_code":
            if form["code"] != "4/good-code":
                return httpx2.Response(
                    400,
                    json={"error": "invalid_grant", "error_description": "Malformed auth code."},
                )
            return httpx2.Response(
                200,
                json={
                    "access_token": self.access_token,
                    "expires_in": 3599,
                    "refresh_token": self.refresh_token,
                    "scope": "https://www.googleapis.com/auth/calendar",
                    "token_type": "Bearer",
                },
            )
        if self.revoked or form["refresh_token"] != self.refresh_token:
            return httpx2.Response(
                400,
                json={
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                },
            )
        self.access_token = f"ya29.{uuid.uuid4().hex[:8]}"
        return httpx2.Response(
            200,
            json={
                "access_token": self.access_token,
                "expires_in": 3599,
                "scope": "https://www.googleapis.com/auth/calendar",
                "token_type": "Bearer",
            },
        )

    def _list(self, calendar, request):
        params = dict(request.url.params)
        events = list(self.calendars[calendar].values())
        if "syncToken" in params:
            if params["syncToken"] not in self.sync_tokens:
                return httpx2.Response(
                    410,
                    json={
                        "error": {
                            "errors": [{"domain": "global", "reason": "fullSyncRequired"}],
                            "code": 410,
                            "message": "Sync token is no longer valid, a full sync is required.",
                        }
                    },
                )
            since = params["syncToken"].removeprefix("sync-")
            items = [e for e in events if e["updated"] > f"v{int(since):08d}"]
        else:
            low, high = _parse(params["timeMin"]), _parse(params["timeMax"])
            items = [
                e
                for e in events
                if e["status"] != "cancelled"
                and _parse(e["start"]["dateTime"]) < high
                and _parse(e["end"]["dateTime"]) > low
            ]
        token = f"sync-{self.version}"
        self.sync_tokens.add(token)
        return httpx2.Response(
            200,
            json={
                "kind": "calendar#events",
                "summary": calendar,
                "timeZone": "Africa/Dakar",
                "items": items,
                "nextSyncToken": token,
            },
        )


class FakeGraph:
    ACCOUNT = "awa@contoso.onmicrosoft.com"
    GRAPH = "/v1.0"

    def __init__(self):
        self.requests: list[httpx2.Request] = []
        self.access_token = "eyJ0eXAi.first"
        self.refresh_token = "M.R3_BAY.first"
        self.revoked = False
        self.calendars = {"AAMkAGI2-default": {}, "AAMkAGI2-birthdays": {}}
        self.subscriptions: dict[str, dict] = {}
        self.deleted_subscriptions: list[str] = []
        self.version = 0
        self.delta_links: dict[str, tuple[str, int]] = {}
        self.removed: dict[str, list[tuple[int, str]]] = {c: [] for c in self.calendars}
        self.transaction_ids: dict[str, str] = {}

    def add_busy(self, starts_at, ends_at, *, calendar="AAMkAGI2-default", show_as="busy") -> str:
        event_id = f"AAMkAGI2-{uuid.uuid4().hex[:10]}"
        self.version += 1
        self.calendars[calendar][event_id] = {
            "id": event_id,
            "subject": "Dentist",
            "start": {
                "dateTime": starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
                "timeZone": "UTC",
            },
            "end": {
                "dateTime": ends_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
                "timeZone": "UTC",
            },
            "showAs": show_as,
            "isCancelled": False,
            "_version": self.version,
        }
        return event_id

    def live_events(self, calendar="AAMkAGI2-default") -> list[dict]:
        return list(self.calendars[calendar].values())

    def notification_body(self, calendar="AAMkAGI2-default") -> dict:
        [sub] = [s for s in self.subscriptions.values() if s["calendar"] == calendar]
        return {
            "value": [
                {
                    "subscriptionId": sub["id"],
                    "subscriptionExpirationDateTime": sub["expirationDateTime"],
                    "changeType": "created",
                    "resource": f"Users/{uuid.uuid4()}/Events/AAMkAGI2-x",
                    "resourceData": {
                        "@odata.type": "#Microsoft.Graph.Event",
                        "@odata.id": "Users/x/Events/AAMkAGI2-x",
                        "id": "AAMkAGI2-x",
                    },
                    "clientState": sub["clientState"],
                    "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
                }
            ]
        }

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        host, path, method = request.url.host, request.url.path, request.method
        if host == "login.microsoftonline.com":
            return self._oauth(request, path)
        if request.headers.get("authorization") != f"Bearer {self.access_token}":
            return httpx2.Response(
                401,
                json={
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token has expired.",
                    }
                },
            )
        assert path.startswith(self.GRAPH), path
        path = path[len(self.GRAPH) :]
        if path == "/me":
            return httpx2.Response(
                200,
                json={
                    "displayName": "Awa Ndiaye",
                    "mail": self.ACCOUNT,
                    "userPrincipalName": self.ACCOUNT,
                },
            )
        if path == "/me/calendars":
            return httpx2.Response(
                200,
                json={
                    "value": [
                        {
                            "id": "AAMkAGI2-default",
                            "name": "Calendar",
                            "isDefaultCalendar": True,
                            "canEdit": True,
                        },
                        {
                            "id": "AAMkAGI2-birthdays",
                            "name": "Birthdays",
                            "isDefaultCalendar": False,
                            "canEdit": False,
                        },
                    ]
                },
            )
        if path == "/subscriptions" and method == "POST":
            body = json.loads(request.content)
            calendar = body["resource"].split("/")[3]
            sub = {
                "id": str(uuid.uuid4()),
                "resource": body["resource"],
                "changeType": body["changeType"],
                "clientState": body["clientState"],
                "notificationUrl": body["notificationUrl"],
                "expirationDateTime": body["expirationDateTime"],
                "calendar": calendar,
            }
            self.subscriptions[sub["id"]] = sub
            return httpx2.Response(201, json={k: v for k, v in sub.items() if k != "calendar"})
        if path.startswith("/subscriptions/"):
            sub_id = path.rsplit("/", 1)[1]
            if method == "DELETE":
                self.deleted_subscriptions.append(sub_id)
                self.subscriptions.pop(sub_id, None)
                return httpx2.Response(204)
        if path.startswith("/me/calendars/") and path.endswith("/events") and method == "POST":
            calendar = unquote(path.split("/")[3])
            body = json.loads(request.content)
            existing = self.transaction_ids.get(body.get("transactionId", ""))
            if existing and existing in self.calendars[calendar]:
                return httpx2.Response(201, json=self.calendars[calendar][existing])
            event_id = f"AAMkAGI2-{uuid.uuid4().hex[:10]}"
            self.version += 1
            self.calendars[calendar][event_id] = {
                **body,
                "id": event_id,
                "_version": self.version,
                "isCancelled": False,
            }
            self.transaction_ids[body.get("transactionId", "")] = event_id
            return httpx2.Response(201, json=self.calendars[calendar][event_id])
        if path.startswith("/me/events/"):
            event_id = unquote(path.rsplit("/", 1)[1])
            for calendar, events in self.calendars.items():
                if event_id in events:
                    if method == "DELETE":
                        del events[event_id]
                        self.version += 1
                        self.removed[calendar].append((self.version, event_id))
                        return httpx2.Response(204)
                    self.version += 1
                    events[event_id].update(json.loads(request.content), _version=self.version)
                    return httpx2.Response(200, json=events[event_id])
            return httpx2.Response(
                404, json={"error": {"code": "ErrorItemNotFound", "message": "Not found."}}
            )
        if "/calendarView/delta" in path or path.startswith("/delta/"):
            return self._delta(request, path)
        raise AssertionError(f"unexpected {method} {path}")

    def _delta(self, request, path):
        if path.startswith("/delta/"):
            key = path.removeprefix("/delta/")
            if key not in self.delta_links:
                return httpx2.Response(
                    410, json={"error": {"code": "syncStateNotFound", "message": "x"}}
                )
            calendar, since = self.delta_links[key]
            items = [
                {k: v for k, v in e.items() if k != "_version"}
                for e in self.calendars[calendar].values()
                if e["_version"] > since
            ]
            items += [
                {"id": eid, "@removed": {"reason": "deleted"}}
                for v, eid in self.removed[calendar]
                if v > since
            ]
        else:
            calendar = unquote(path.split("/")[3])
            params = dict(request.url.params)
            assert "startDateTime" in params and "endDateTime" in params
            items = [
                {k: v for k, v in e.items() if k != "_version"}
                for e in self.calendars[calendar].values()
            ]
        key = uuid.uuid4().hex
        self.delta_links[key] = (calendar, self.version)
        return httpx2.Response(
            200,
            json={
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(event)",
                "@odata.deltaLink": f"https://graph.microsoft.com/v1.0/delta/{key}",
                "value": items,
            },
        )

    def _oauth(self, request, path):
        assert path == "/common/oauth2/v2.0/token", path
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert "offline_access" in form["scope"]
        if form["grant_type"] == "authorization_code":
            if form["code"] != "M.C507_good":
                return httpx2.Response(
                    400, json={"error": "invalid_grant", "error_description": "AADSTS70000"}
                )
        elif self.revoked or form["refresh_token"] != self.refresh_token:
            return httpx2.Response(
                400,
                json={
                    "error": "invalid_grant",
                    "error_description": "AADSTS700082: The refresh token has expired.",
                },
            )
        else:
            self.access_token = f"eyJ0eXAi.{uuid.uuid4().hex[:8]}"
            self.refresh_token = f"M.R3_BAY.{uuid.uuid4().hex[:8]}"
        return httpx2.Response(
            200,
            json={
                "token_type": "Bearer",
                "scope": "Calendars.ReadWrite User.Read",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
            },
        )
