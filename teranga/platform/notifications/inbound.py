"""Inbound SMS: what clients text to our number, and the replies.

A provider's webhook (``/api/v1/notifications/sms/inbound/<provider>/``) is verified
first (nothing is read or stored before):

* ``twilio``: form-encoded ``From``, ``Body``, ``MessageSid``, signed by Twilio
  (``X-Twilio-Signature``, checked with the SDK's ``RequestValidator`` and
  ``TWILIO_AUTH_TOKEN``, as for delivery receipts);
* ``sandbox``: JSON ``{"from", "body", "id"}`` signed with HMAC-SHA256 of the raw body
  under ``settings.SMS_INBOUND_SECRET`` (env ``SMS_INBOUND_SECRET``), hex in the
  ``X-Teranga-Signature`` header. No secret configured: every request is refused.

:func:`sms_inbound_receive` then records the message once (unique provider + provider
message id: a retry is acknowledged, never handled twice), and — unless the sender has
sent more than :func:`sender_limit` messages this hour (recorded as ``throttled``, no
reply: this also stops two auto-responders from talking to each other forever) — asks
the handlers products registered in :data:`sms_inbound_handlers`, in registration order:
``handler(from_e164, text, language_hint) -> reply text or None``. The first non-None
reply wins (``""``: the handler took the message and chose not to answer) and is queued
with :func:`~.sms_outbox.sms_send` (purpose ``sms_reply``) in the same transaction, so
the record and its reply commit together. A handler that raises is logged and recorded
as ``failed``; the message stays acknowledged.

``language_hint`` is the language of the account whose verified phone is the sender,
else ``"fr"`` (the default language).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from teranga.core.encryption import phone_hash
from teranga.core.i18n import normalize_language
from teranga.core.registry import Registry

from .models import InboundSms, InboundSmsStatus
from .receipts import twilio_signature_valid
from .sms_outbox import phone_to_e164, sms_send

logger = logging.getLogger(__name__)

#: ``handler(from_e164, text, language_hint) -> reply or None``.
InboundHandler = Callable[[str, str, str], "str | None"]
sms_inbound_handlers: Registry[InboundHandler] = Registry("inbound SMS handler")

PROVIDERS = ("twilio", "sandbox")
SIGNATURE_HEADER = "X-Teranga-Signature"
REPLY_PURPOSE = "sms_reply"
#: Messages per sender number and hour that are handled; the rest are only recorded.
DEFAULT_SENDER_LIMIT = 20
MAX_BODY = 1600


def sender_limit() -> int:
    return int(getattr(settings, "SMS_INBOUND_PER_SENDER_PER_HOUR", DEFAULT_SENDER_LIMIT))


def sandbox_signature(body: bytes, secret: str | None = None) -> str:
    """The ``X-Teranga-Signature`` of a sandbox webhook body (hex HMAC-SHA256)."""
    key = (secret if secret is not None else getattr(settings, "SMS_INBOUND_SECRET", "")) or ""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def sandbox_signature_valid(*, body: bytes, signature: str) -> bool:
    if not getattr(settings, "SMS_INBOUND_SECRET", "") or not signature:
        return False
    return hmac.compare_digest(sandbox_signature(body), signature.strip().lower())


def inbound_signature_valid(*, provider: str, url: str, params: dict, body: bytes, signature: str):
    if provider == "twilio":
        return twilio_signature_valid(url=url, params=params, signature=signature)
    if provider == "sandbox":
        return sandbox_signature_valid(body=body, signature=signature)
    return False


@dataclass(frozen=True)
class InboundOutcome:
    message: InboundSms
    duplicate: bool


def _language_of(from_e164: str) -> str:
    user = (
        get_user_model()
        .objects.filter(phone_hash=phone_hash(from_e164), phone_verified=True, is_active=True)
        .only("language")
        .first()
    )
    return normalize_language(getattr(user, "language", None))


def _over_limit(from_e164: str) -> bool:
    bucket = timezone.now().strftime("%Y%m%d%H")
    key = f"sms-inbound:{phone_hash(from_e164)}:{bucket}"  # no number in the cache
    cache.add(key, 0, timeout=3700)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3700)
        count = 1
    return count > sender_limit()


def _dispatch(from_e164: str, text: str, language: str) -> tuple[str, str] | None:
    """(handler name, reply) of the first handler that answers."""
    for name in sms_inbound_handlers:
        reply = sms_inbound_handlers.get(name)(from_e164, text, language)
        if reply is not None:
            return name, reply
    return None


@transaction.atomic
def sms_inbound_receive(
    *, provider: str, provider_message_id: str, from_number: str, body: str
) -> InboundOutcome:
    """Record one inbound SMS and answer it (see the module's docstring). Raises
    ValidationFailed (400 ``invalid_phone``) for a sender that is not a phone number."""
    from_e164 = phone_to_e164(from_number)
    text = (body or "")[:MAX_BODY]
    existing = InboundSms.objects.filter(
        provider=provider, provider_message_id=provider_message_id
    ).first()
    if existing is not None:
        return InboundOutcome(existing, duplicate=True)
    message = InboundSms(
        provider=provider,
        provider_message_id=provider_message_id[:100],
        from_number=from_e164,
        body=text,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:  # the same message, received concurrently
        existing = InboundSms.objects.get(
            provider=provider, provider_message_id=provider_message_id[:100]
        )
        return InboundOutcome(existing, duplicate=True)
    if _over_limit(from_e164):
        message.status = InboundSmsStatus.THROTTLED
        message.save(update_fields=["status", "updated_at"])
        return InboundOutcome(message, duplicate=False)
    try:
        with transaction.atomic():  # a failing handler leaves nothing behind
            answer = _dispatch(from_e164, text.strip(), _language_of(from_e164))
            if answer is not None:
                message.handler, reply = answer
                if reply:
                    message.reply = sms_send(to=from_e164, body=reply, purpose=REPLY_PURPOSE)
                    message.status = InboundSmsStatus.ANSWERED
    except Exception as exc:
        logger.exception("inbound SMS handler failed", extra={"inbound_sms": str(message.pk)})
        message.handler = ""
        message.reply = None
        message.status = InboundSmsStatus.FAILED
        message.error = f"{type(exc).__name__}: {exc}"[:2000]
    message.save(update_fields=["status", "handler", "reply", "error", "updated_at"])
    return InboundOutcome(message, duplicate=False)
