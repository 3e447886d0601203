"""Kiosks: an organisation API key per ticket kiosk of a branch, and the tickets they
issue.

A key is ``sqk_`` + 32 random bytes (URL-safe base64). It is shown once, when created;
the row keeps its SHA-256 digest (unique, the lookup key) and its first characters (to
tell keys apart). A revoked kiosk's key answers 401.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.notifications.services import phone_to_e164
from teranga.platform.organizations.models import Branch, Organization
from teranga.platform.payments.errors import PaymentError
from teranga.platform.payments.services.subscriptions import subscription_has_feature
from teranga.products.smartqueue.errors import SmartQueueError

from ..models import Channel, Kiosk, Queue, Ticket, TicketClass
from .tickets import ticket_issue

KEY_PREFIX = "sqk_"
SHOWN_PREFIX_LENGTH = 12
#: ``last_used_at`` is written at most this often (no write per request).
TOUCH_EVERY = timedelta(minutes=5)
#: What a kiosk may ask for: a normal ticket, or priority (elderly, pregnant, disabled).
KIOSK_CLASSES = (TicketClass.NORMAL, TicketClass.PRIORITY)
#: The plan feature (``product.plan_features``) without which an organisation has no kiosks.
KIOSK_FEATURE = "kiosk"


def kiosk_feature_check(*, organization) -> None:
    """409 ``plan_limit_reached`` (the plan refusal of the platform) when the
    organisation's plan in force does not include kiosks."""
    if not subscription_has_feature(organization=organization, feature=KIOSK_FEATURE):
        message = _("Your plan does not include kiosks. Upgrade to use them.")
        raise Conflict(
            message, code=PaymentError.PLAN_LIMIT_REACHED, fields={KIOSK_FEATURE: [message]}
        )


def key_digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """A fresh key: ``(raw key, shown prefix, SHA-256 digest)``."""
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw_key, raw_key[:SHOWN_PREFIX_LENGTH], key_digest(raw_key)


@transaction.atomic
def kiosk_create(*, organization: Organization, branch_id, name: str) -> tuple[Kiosk, str]:
    """A new kiosk of the branch and its raw key (returned once, never stored); only on
    a plan with kiosks (409 ``plan_limit_reached``)."""
    branch = Branch.objects.filter(organization=organization, pk=branch_id, is_active=True).first()
    if branch is None:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_BRANCH,
            fields={"branch": [_("Choose an active branch of this organisation.")]},
        )
    kiosk_feature_check(organization=organization)
    raw_key, prefix, digest = new_key()
    kiosk = Kiosk.objects.create(
        organization=organization, branch=branch, name=name, key_prefix=prefix, key_digest=digest
    )
    return kiosk, raw_key


@transaction.atomic
def kiosk_revoke(*, organization: Organization, kiosk_id) -> Kiosk:
    kiosk = Kiosk.objects.select_for_update().filter(organization=organization, pk=kiosk_id).first()
    if kiosk is None:
        raise NotFound(_("No such kiosk."), code=SmartQueueError.KIOSK_NOT_FOUND)
    if kiosk.is_active:
        kiosk.is_active = False
        kiosk.save(update_fields=["is_active", "updated_at"])
    return kiosk


def kiosk_authenticate(raw_key: str, *, now: datetime | None = None) -> Kiosk | None:
    """The active kiosk whose key is ``raw_key``, or None."""
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 100:
        return None
    digest = key_digest(raw_key)
    kiosk = Kiosk.objects.select_related("organization", "branch").filter(key_digest=digest).first()
    if kiosk is None or not hmac.compare_digest(kiosk.key_digest, digest) or not kiosk.is_active:
        return None
    now = now or timezone.now()
    if kiosk.last_used_at is None or now - kiosk.last_used_at > TOUCH_EVERY:
        Kiosk.objects.filter(pk=kiosk.pk).update(last_used_at=now)
        kiosk.last_used_at = now
    return kiosk


def kiosk_ticket_issue(
    *, kiosk: Kiosk, queue_id, ticket_class: str | None = None, phone: str = ""
) -> Ticket:
    """A ticket of an open queue of the kiosk's branch (``channel="kiosk"``). A paid
    service is paid at the counter: 409 ``payment_at_counter``. A plan without kiosks:
    409 ``plan_limit_reached``."""
    kiosk_feature_check(organization=kiosk.organization)
    key = parse_uuid(queue_id)
    queue = (
        Queue.objects.select_related("organization", "service", "branch")
        .filter(pk=key, branch_id=kiosk.branch_id, is_active=True)
        .first()
        if key
        else None
    )
    if queue is None:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_QUEUE,
            fields={"queue": [_("Choose a queue of this branch.")]},
        )
    if queue.service.is_paid:
        raise Conflict(
            _("This service is paid: please go to the reception counter."),
            code=SmartQueueError.PAYMENT_AT_COUNTER,
        )
    if ticket_class is not None and ticket_class not in KIOSK_CLASSES:
        raise ValidationFailed(
            code=SmartQueueError.INVALID_CLASS,
            fields={"ticket_class": [_("Choose normal or priority.")]},
        )
    if phone:
        try:
            phone = phone_to_e164(phone, region=queue.organization.country)
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message, code=SmartQueueError.INVALID_PHONE, fields={"phone": [exc.message]}
            ) from exc
    return ticket_issue(
        queue=queue,
        channel=Channel.KIOSK,
        phone=phone,
        ticket_class=ticket_class if ticket_class != TicketClass.NORMAL else None,
    )
