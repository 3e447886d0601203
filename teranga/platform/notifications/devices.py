"""Push devices: the registration tokens of a user's phones and browsers.

A token belongs to one device, hence to one user at a time: registering a token another
user registered before moves it to the caller (the phone changed hands, or someone else
logged in on it), so a notification never reaches the previous owner. Registering again
re-activates the device and refreshes ``last_seen_at`` (apps register on every start).
The push channel deactivates the devices whose tokens the provider reports invalid.
"""

from __future__ import annotations

import re
import uuid

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import Device, DevicePlatform

TOKEN_MIN_LENGTH = 20
TOKEN_MAX_LENGTH = 512
#: FCM registration tokens (and APNs/web tokens) use these characters only.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_\-:.=+/]+$")
NAME_MAX_LENGTH = 100
#: A user keeps at most this many active devices; registering one more deactivates the
#: least recently seen.
MAX_ACTIVE_DEVICES = 10
REASON_SUPERSEDED = "superseded"


def token_errors(token: object) -> list[str]:
    """What is wrong with ``token`` as a push token (empty list: nothing)."""
    if not isinstance(token, str) or not token:
        return [_("This field is required.")]
    if not TOKEN_MIN_LENGTH <= len(token) <= TOKEN_MAX_LENGTH:
        return [
            _("A push token has %(min)d to %(max)d characters.")
            % {"min": TOKEN_MIN_LENGTH, "max": TOKEN_MAX_LENGTH}
        ]
    if not TOKEN_PATTERN.match(token):
        return [_("This is not a push token.")]
    return []


def _validate(*, token: str, platform: str, name: str | None) -> None:
    fields: dict[str, list[str]] = {}
    if errors := token_errors(token):
        fields["token"] = errors
    if platform not in DevicePlatform.values:
        fields["platform"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(DevicePlatform.values)}
        ]
    if name is not None and len(name) > NAME_MAX_LENGTH:
        fields["name"] = [_("At most %(max)d characters.") % {"max": NAME_MAX_LENGTH}]
    if fields:
        raise ValidationFailed(code=NotificationError.INVALID_DEVICE, fields=fields)


def devices_of(*, user) -> QuerySet[Device]:
    """``user``'s devices, newest first (a read, for the list endpoint)."""
    return Device.objects.filter(user=user).order_by("-created_at", "-pk")


@transaction.atomic
def device_register(
    *, user, token: str, platform: str, name: str | None = None
) -> tuple[Device, bool]:
    """Register ``token`` for ``user`` (``created`` True), or take over the device that
    has it — ``user``'s own (re-activated) or another user's (moved to ``user``).
    ``name`` None keeps the name of the caller's own device. Returns (device, created)."""
    token = token.strip() if isinstance(token, str) else token
    name = name.strip() if isinstance(name, str) else name
    _validate(token=token, platform=platform, name=name)
    now = timezone.now()
    device = Device.objects.select_for_update().filter(token=token).first()
    created = False
    if device is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
                device = Device.objects.create(
                    user=user, token=token, platform=platform, name=name or "",
                    last_seen_at=now,
                )
            created = True
        except IntegrityError:
            device = Device.objects.select_for_update().filter(token=token).first()
            if device is None:
                raise
    if not created:
        if device.user_id != user.pk:
            device.user = user
            device.name = name or ""
        elif name is not None:
            device.name = name
        device.platform = platform
        device.is_active = True
        device.deactivated_reason = ""
        device.last_seen_at = now
        device.save(
            update_fields=[
                "user", "name", "platform", "is_active", "deactivated_reason",
                "last_seen_at", "updated_at",
            ]
        )
    _retire_extra_devices(user=user, keep=device)
    return device, created


def _retire_extra_devices(*, user, keep: Device) -> None:
    others = (
        Device.objects.filter(user=user, is_active=True)
        .exclude(pk=keep.pk)
        .order_by("-last_seen_at", "-created_at")
        .values_list("pk", flat=True)
    )
    extra = list(others[MAX_ACTIVE_DEVICES - 1 :])
    if extra:
        Device.objects.filter(pk__in=extra).update(
            is_active=False, deactivated_reason=REASON_SUPERSEDED, updated_at=timezone.now()
        )


@transaction.atomic
def device_remove(
    *, user, token: str | None = None, device_id: uuid.UUID | str | None = None
) -> None:
    """Delete one of ``user``'s devices, by token or by id. Another user's device, or
    none, is 404 ``device_not_found``."""
    if (token is None) == (device_id is None):
        raise ValueError("device_remove needs a token or a device_id")
    devices = Device.objects.select_for_update().filter(user=user)
    device = (devices.filter(token=token) if token is not None else devices.filter(pk=device_id))
    device = device.first()
    if device is None:
        raise NotFound(_("No such device."), code=NotificationError.DEVICE_NOT_FOUND)
    device.delete()


def device_deactivate(*, device_id, token: str, reason: str) -> bool:
    """Stop pushing to a device whose token the provider refused (``reason``: why). Only
    if it still has that token; returns whether a device was deactivated."""
    return bool(
        Device.objects.filter(pk=device_id, token=token, is_active=True).update(
            is_active=False, deactivated_reason=reason[:100], updated_at=timezone.now()
        )
    )


@transaction.atomic
def devices_erase(*, user) -> int:
    """GDPR erasure: delete every device (push token) of ``user``; returns how many."""
    deleted, _by_model = Device.objects.filter(user=user).delete()
    return deleted
