"""Push through Firebase Cloud Messaging (HTTP v1), with the official ``firebase-admin``.

``messaging.send`` posts ``{"message": {"token", "notification": {"title", "body"},
"data": {str: str}, "android": …, "apns": …}}`` to
``https://fcm.googleapis.com/v1/projects/{project}/messages:send`` with an OAuth token
that google-auth obtains from the service account (``https://oauth2.googleapis.com/
token``); the answer ``{"name": "projects/…/messages/…"}`` is the message id.

Settings (``settings.FCM``, from the environment): ``credentials`` — the service
account JSON itself or the path of its file (``FCM_CREDENTIALS``) — and ``project_id``
(``FCM_PROJECT_ID``, else the service account's). ``PUSH_HTTP_TIMEOUT`` bounds every
call. One named firebase app per configuration, created on first use.

Errors (the FCM v1 ``error.details[].errorCode``): ``UNREGISTERED`` (404: the app was
uninstalled, the token expired) and ``SENDER_ID_MISMATCH`` (403: a token of another
project), and ``INVALID_ARGUMENT`` about the registration token, mean the token is no
good: :class:`InvalidToken`. ``QUOTA_EXCEEDED``/429, ``UNAVAILABLE``/503, ``INTERNAL``/
500, timeouts and connection errors are worth retrying; anything else (bad payload,
``THIRD_PARTY_AUTH_ERROR``, bad credentials) is a refusal.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping

from django.conf import settings

from teranga.platform.notifications.providers.push_base import InvalidToken, PushError

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
APP_NAME_PREFIX = "teranga-fcm-"

_apps: dict[tuple[str, str, float], object] = {}
_apps_lock = threading.Lock()


def _config() -> tuple[str, str, float]:
    fcm = getattr(settings, "FCM", {}) or {}
    timeout = float(getattr(settings, "PUSH_HTTP_TIMEOUT", DEFAULT_TIMEOUT))
    return str(fcm.get("credentials") or "").strip(), str(fcm.get("project_id") or ""), timeout


def _app():
    """The firebase app for the current settings (created once per configuration)."""
    import firebase_admin
    from firebase_admin import credentials

    source, project_id, timeout = _config()
    if not source:
        raise PushError(
            "fcm is not configured (missing FCM_CREDENTIALS)", retryable=False,
            code="not_configured",
        )
    key = (source, project_id, timeout)
    app = _apps.get(key)
    if app is not None:
        return app
    with _apps_lock:
        app = _apps.get(key)
        if app is not None:
            return app
        try:
            info = json.loads(source) if source.startswith("{") else source
            certificate = credentials.Certificate(info)
        except (ValueError, OSError) as exc:
            # Never the content: it is a private key.
            raise PushError(
                f"FCM_CREDENTIALS is not a usable service account ({type(exc).__name__})",
                retryable=False,
                code="not_configured",
            ) from None
        options: dict[str, object] = {"httpTimeout": timeout}
        if project_id:
            options["projectId"] = project_id
        name = f"{APP_NAME_PREFIX}{len(_apps) + 1}"
        app = firebase_admin.initialize_app(certificate, options=options, name=name)
        _apps[key] = app
        return app


def _message(*, token: str, title: str, body: str, data: Mapping[str, str]):
    from firebase_admin import messaging

    return messaging.Message(
        token=token,
        notification=messaging.Notification(title=title, body=body),
        data={str(k): str(v) for k, v in data.items()},
        android=messaging.AndroidConfig(
            priority="high", notification=messaging.AndroidNotification(sound="default")
        ),
        apns=messaging.APNSConfig(
            headers={"apns-priority": "10"},
            payload=messaging.APNSPayload(aps=messaging.Aps(sound="default")),
        ),
    )


def _error(exc: Exception) -> PushError:
    """Our error for what firebase-admin (or google-auth underneath) raised."""
    from firebase_admin import exceptions, messaging
    from google.auth import exceptions as auth_exceptions

    name = type(exc).__name__
    if isinstance(exc, (messaging.UnregisteredError, messaging.SenderIdMismatchError)):
        code = "unregistered" if isinstance(exc, messaging.UnregisteredError) else "sender_mismatch"
        return InvalidToken(f"fcm: {code}", code=code)
    if isinstance(exc, exceptions.InvalidArgumentError):
        if "registration token" in str(exc).lower():
            return InvalidToken("fcm: invalid registration token", code="invalid_token")
        return PushError("fcm refused the message (INVALID_ARGUMENT)", retryable=False,
                         code="invalid_argument")
    retryable_types = (
        exceptions.ResourceExhaustedError,  # QUOTA_EXCEEDED, 429
        exceptions.UnavailableError,
        exceptions.InternalError,
        exceptions.DeadlineExceededError,
        exceptions.UnknownError,  # connection errors and unexpected answers
        exceptions.AbortedError,
    )
    if isinstance(exc, exceptions.FirebaseError):
        return PushError(
            f"fcm answered {exc.code}", retryable=isinstance(exc, retryable_types),
            code=str(exc.code).lower(),
        )
    if isinstance(exc, auth_exceptions.GoogleAuthError):  # the OAuth token request
        retryable = bool(getattr(exc, "retryable", False)) or isinstance(
            exc, auth_exceptions.TransportError
        )
        return PushError(f"fcm authentication failed ({name})", retryable=retryable,
                         code="auth_error")
    return PushError(f"fcm failed ({name})", retryable=False, code="error")


class FcmPushProvider:
    name = "fcm"

    def send(self, *, token: str, title: str, body: str, data: Mapping[str, str]) -> str:
        import requests
        from firebase_admin import exceptions, messaging
        from google.auth import exceptions as auth_exceptions

        app = _app()
        try:
            message_id = messaging.send(
                _message(token=token, title=title, body=body, data=data), app=app
            )
        except (exceptions.FirebaseError, auth_exceptions.GoogleAuthError) as exc:
            error = _error(exc)
            logger.warning(
                "fcm send failed",
                extra={"code": error.code, "retryable": error.retryable, "token_hint": token[:8]},
            )
            raise error from None
        except requests.RequestException as exc:
            raise PushError(f"fcm could not be reached ({type(exc).__name__})",
                            code="unreachable") from None
        except ValueError:  # firebase-admin's own validation of the message
            raise PushError("fcm message refused locally (ValueError)", retryable=False,
                            code="invalid_message") from None
        return str(message_id)
