"""The push channel: one notification to every active device of its recipient.

The delivery pipeline calls :func:`push_deliver` for a push delivery and maps the
outcome: a provider id string (sent), :class:`PushSkipped` (skipped: nothing to push to)
or :class:`PushError` (``retryable``: try again later; otherwise failed). A device whose
token the provider reports invalid is deactivated here, whatever happens to the others.

At least one device reached counts as sent: retrying would push twice to those that got
it, so the devices that failed transiently are not tried again for this notification.
"""

from __future__ import annotations

import logging

from teranga.platform.notifications.devices import device_deactivate
from teranga.platform.notifications.models import Device
from teranga.platform.notifications.providers.push_base import InvalidToken, PushError
from teranga.platform.notifications.providers.registry import push_provider_current

logger = logging.getLogger(__name__)

__all__ = ["PushError", "PushSkipped", "push_deliver", "push_payload"]

#: Push messages are small (FCM: 4 KB in all); the inbox keeps the whole text.
TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 1000
#: How many devices one notification is pushed to (the most recently seen first).
MAX_DEVICES = 10
SEPARATOR = ","


class PushSkipped(Exception):
    """Nothing to push to: no active device (or only invalid tokens, now deactivated),
    or the recipient is no longer active."""


def _shorten(text: str, limit: int) -> str:
    text = str(text or "").strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def push_payload(notification) -> dict:
    """The title, body and data a push of ``notification`` carries (data: strings)."""
    return {
        "title": _shorten(" ".join(str(notification.title or "").split()), TITLE_MAX_LENGTH),
        "body": _shorten(notification.body, BODY_MAX_LENGTH),
        "data": {
            "notification_id": str(notification.pk),
            "kind": str(notification.kind),
            "link": str(notification.link or ""),
        },
    }


def push_deliver(*, notification) -> str:
    """Push ``notification`` to each active device of its recipient through the current
    provider; returns the provider message ids joined with ``,``.

    Raises PushSkipped when there is no device to push to, PushError(retryable=True) when
    every device failed and at least one failure was transient, PushError(retryable=
    False) when every device was refused for good."""
    recipient = notification.recipient
    if not getattr(recipient, "is_active", True) or getattr(recipient, "erased_at", None):
        raise PushSkipped("recipient is not active")
    devices = list(
        Device.objects.filter(user_id=notification.recipient_id, is_active=True)
        .order_by("-last_seen_at", "-created_at")
        .only("pk", "token")[:MAX_DEVICES]
    )
    if not devices:
        raise PushSkipped("no active device")
    provider = push_provider_current()
    payload = push_payload(notification)
    sent: list[str] = []
    failures: list[PushError] = []
    for device in devices:
        try:
            sent.append(str(provider.send(token=device.token, **payload)))
        except InvalidToken as exc:
            device_deactivate(
                device_id=device.pk, token=device.token, reason=f"invalid_token:{exc.code}"
            )
            logger.info(
                "push token invalid, device deactivated",
                extra={"device_id": str(device.pk), "code": exc.code},
            )
        except PushError as exc:
            failures.append(exc)
            logger.warning(
                "push to a device failed",
                extra={"device_id": str(device.pk), "code": exc.code, "retryable": exc.retryable},
            )
    if sent:
        return SEPARATOR.join(sent)
    if not failures:
        raise PushSkipped("no valid device token")
    retryable = any(failure.retryable for failure in failures)
    codes = sorted({failure.code or "error" for failure in failures})
    raise PushError(
        f"push failed on {len(failures)} device(s): {', '.join(codes)}",
        retryable=retryable,
        code=codes[0] if len(codes) == 1 else "several",
    )
