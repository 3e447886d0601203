"""Notification writes. Every message is a row first, recorded in the caller's
transaction; delivery runs after commit and is idempotent (only queued rows are sent).

* :func:`notification_send` records a Notification and one delivery row per channel of
  its type — now, or scheduled (``send_at``); :func:`notification_delivery_deliver`
  hands one delivery to its channel (:mod:`.channels`: email, SMS through the SMS
  outbox, push, the user's live socket), after asking the user's preferences and
  quiet hours (:mod:`.preferences`).
* A channel error is retried with exponential backoff (``next_attempt_at``) by the
  periodic job :func:`notification_deliveries_redeliver_stale`, which also delivers
  scheduled notifications when they are due and recovers deliveries whose task was
  lost in a crash.
* The SMS outbox lives in :mod:`.sms_outbox` (re-exported here: :func:`sms_send`,
  :func:`sms_deliver` …); announcements to an organisation's Discord channels in
  :mod:`.discord` (re-exported: :func:`discord_announce`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from teranga.core.errors import NotFound
from teranga.core.i18n import normalize_language
from teranga.core.priorities import CRITICAL
from teranga.platform.notifications.channels import (
    WRITES_NOTHING,
    Permanent,
    Skip,
    notification_payload,  # noqa: F401  (re-exported: the live socket's shape)
    sender_for,
    skip_reason,
)
from teranga.platform.notifications.discord import (  # noqa: F401  (re-exported)
    discord_announce,
)
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import (
    Channel,
    DeliveryStatus,
    Notification,
    NotificationDelivery,
)
from teranga.platform.notifications.preferences import RecipientRules, delivery_hold
from teranga.platform.notifications.selectors import CANCELLED, notification_visible
from teranga.platform.notifications.sms_outbox import (  # noqa: F401  (re-exported)
    phone_to_e164,
    sms_deliver,
    sms_deliver_stale,
    sms_recipient_erase,
    sms_send,
)
from teranga.platform.notifications.types import json_context, notification_type, rendering

logger = logging.getLogger(__name__)


# --- Notifications ----------------------------------------------------------------------

#: A delivery that fails this many times (a channel error, not a missing address) is
#: marked failed; before that it stays queued and is tried again after a backoff.
MAX_DELIVERY_ATTEMPTS = 5
#: The first retry waits this long, each next one twice as long (30 s, 1, 2, 4 min …).
RETRY_BASE_SECONDS = 30
IDEMPOTENCY_KEY_MAX_LENGTH = 255
#: How many notifications one delivery task takes (bulk sends, broadcasts).
DELIVERY_BATCH_SIZE = 200


def retry_delay(attempts: int, *, retry_after: float | None = None) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt; at least
    ``retry_after`` seconds when the provider asked for it (a 429's ``retry_after``)."""
    seconds = RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    if retry_after:
        seconds = max(seconds, float(retry_after))
    return timedelta(seconds=seconds)


def _check_key(idempotency_key: str) -> None:
    if not idempotency_key or len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValueError("notification_send needs an idempotency_key of 1 to 255 characters")


def _scheduled(send_at: datetime | None) -> datetime | None:
    """``send_at`` if it is in the future (then nothing is sent before it), else None."""
    if send_at is None:
        return None
    if timezone.is_naive(send_at):
        raise ValueError("send_at must be an aware datetime")
    return send_at if send_at > timezone.now() else None


def _enqueue_delivery(notification_ids: list[str], *, priority: int = CRITICAL) -> None:
    """After commit, hand the notifications to the task engine (the tasks below, beside
    what they run), at their type's ``send_priority``. ``robust``: the caller's data is
    committed; a failure to enqueue is recovered by the periodic job."""
    single, batched = notification_deliver_task, notification_deliver_batch_task
    if priority != CRITICAL:
        single, batched = single.using(priority=priority), batched.using(priority=priority)
    for start in range(0, len(notification_ids), DELIVERY_BATCH_SIZE):
        batch = notification_ids[start : start + DELIVERY_BATCH_SIZE]
        if len(batch) == 1:
            transaction.on_commit(
                lambda nid=batch[0]: single.enqueue(notification_id=nid), robust=True
            )
        else:
            transaction.on_commit(
                lambda ids=batch: batched.enqueue(notification_ids=ids), robust=True
            )


def notification_send(
    *,
    recipient,
    kind: str,
    context: dict,
    link: str = "",
    idempotency_key: str,
    channels: Iterable[str] | None = None,
    send_at: datetime | None = None,
    email: str = "",
    language: str | None = None,
) -> Notification:
    """Tell ``recipient`` about something: record the notification of type ``kind``,
    rendered in the recipient's language from ``context`` (JSON values), and one queued
    delivery per channel of the type, in the caller's transaction. The deliveries run
    once it commits — or, with ``send_at`` in the future, when the periodic job finds
    them due (once; the inbox shows the notification from then on). A scheduled
    notification can be called off with :func:`notification_cancel_scheduled`.

    ``idempotency_key`` names the fact being told (e.g. ``booking:<id>:confirmed:…``):
    when a notification with that key exists already — a retry, a second worker — it is
    returned as it is and nothing more is sent.

    ``channels`` narrows the type's channels for this recipient (e.g. no SMS to staff);
    a channel the type does not have is ignored. The user's preferences and quiet hours
    are applied at delivery time.

    ``recipient=None`` with ``email`` tells an address that has no account (yet), e.g.
    an invitation: by email only (the other channels are left out), in ``language``
    (French by default), recorded and retried like any other; no inbox shows it.
    ``language`` also overrides an account's own language.
    """
    _check_key(idempotency_key)
    email = (email or "").strip()[:254] if recipient is None else ""
    if recipient is None and not email:
        raise ValueError("notification_send needs a recipient or an email address")
    scheduled = _scheduled(send_at)
    # No read of the key first: the insert below finds a notification told already.
    try:
        kind_type = notification_type(kind)
        data = json_context(context)
        with rendering(language or getattr(recipient, "language", None)) as language:
            title = kind_type.render_title(data)
            body = kind_type.render_body(data)
    except Exception:  # told already: returned as it is, even if not tellable now
        existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        raise
    # What may refuse has run: in a caller's transaction, only the insert needs a savepoint.
    with transaction.atomic(savepoint=False):
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
                notification = Notification.objects.create(
                    recipient=recipient,
                    email=email,
                    kind=kind,
                    title=title,
                    body=body,
                    link=link[:300],
                    data=data,
                    language=language,
                    idempotency_key=idempotency_key,
                    send_at=scheduled,
                )
        except IntegrityError:
            existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return existing
        wanted = kind_type.channels if channels is None else set(channels)
        if recipient is None:
            wanted = set(wanted) & {Channel.EMAIL}
        selected = [channel for channel in kind_type.channels if channel in wanted]
        NotificationDelivery.objects.bulk_create(
            [
                NotificationDelivery(
                    notification=notification, channel=c, next_attempt_at=scheduled
                )
                for c in selected
            ]
        )
        if selected and scheduled is None:
            _enqueue_delivery([str(notification.pk)], priority=kind_type.send_priority)
        return notification


@transaction.atomic
def notifications_send_bulk(
    *,
    recipients: Iterable,
    kind: str,
    context: dict,
    idempotency_key: Callable[[object], str],
    link: str = "",
    channels: Iterable[str] | None = None,
    broadcast=None,
) -> list[Notification]:
    """:func:`notification_send` for many recipients at once (a broadcast): the same
    context, rendered once per language, written with a few bulk inserts and delivered
    by batch tasks. ``idempotency_key(user)`` names each recipient's notification; keys
    that exist already are left out (a retried bulk send sends nothing twice)."""
    kind_type = notification_type(kind)
    data = json_context(context)
    wanted = kind_type.channels if channels is None else set(channels)
    selected = [channel for channel in kind_type.channels if channel in wanted]
    people = {str(idempotency_key(user)): user for user in recipients}
    for key in people:
        _check_key(key)
    taken = set(
        Notification.objects.filter(idempotency_key__in=list(people)).values_list(
            "idempotency_key", flat=True
        )
    )
    texts: dict[str, tuple[str, str]] = {}
    notifications = []
    for key, user in people.items():
        if key in taken:
            continue
        language = normalize_language(getattr(user, "language", None))
        if language not in texts:
            with rendering(language):
                texts[language] = (kind_type.render_title(data), kind_type.render_body(data))
        title, body = texts[language]
        notifications.append(
            Notification(
                recipient=user,
                kind=kind,
                title=title,
                body=body,
                link=link[:300],
                data=data,
                language=language,
                idempotency_key=key,
                broadcast=broadcast,
            )
        )
    Notification.objects.bulk_create(notifications, batch_size=500)
    NotificationDelivery.objects.bulk_create(
        [
            NotificationDelivery(notification=notification, channel=channel)
            for notification in notifications
            for channel in selected
        ],
        batch_size=1000,
    )
    if selected:
        _enqueue_delivery(
            [str(notification.pk) for notification in notifications],
            priority=kind_type.send_priority,
        )
    return notifications


@transaction.atomic
def notification_cancel_scheduled(*, idempotency_key: str = "", notification_id=None) -> bool:
    """Call off a scheduled notification that has not gone out yet (by its idempotency
    key or its id): its deliveries are skipped ("cancelled") and the inbox never shows
    it. False when there is nothing to call off (unknown, not scheduled, already due)."""
    if bool(idempotency_key) == (notification_id is not None):
        raise ValueError("give either idempotency_key or notification_id")
    lookup = {"idempotency_key": idempotency_key} if idempotency_key else {"pk": notification_id}
    notification = Notification.objects.select_for_update().filter(**lookup).first()
    if notification is None or notification.send_at is None:
        return False
    if notification.send_at <= timezone.now():
        return False
    deliveries = list(
        NotificationDelivery.objects.select_for_update()
        .filter(notification=notification, status=DeliveryStatus.QUEUED)
        .order_by("channel")
    )
    if not deliveries:
        if NotificationDelivery.objects.filter(notification=notification).exists():
            return False  # called off already
        # Inbox only: nothing went anywhere and nothing will; it simply never was.
        notification.delete()
        return True
    NotificationDelivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
        status=DeliveryStatus.SKIPPED,
        error=CANCELLED,
        next_attempt_at=None,
        updated_at=timezone.now(),
    )
    return True


def _record_failure(delivery: NotificationDelivery, exc: Exception, now: datetime) -> None:
    logger.warning(
        "notification delivery failed",
        extra={"delivery_id": str(delivery.pk), "channel": delivery.channel},
        exc_info=True,
    )
    delivery.error = f"{type(exc).__name__}: {exc}"[:2000]
    if delivery.attempts >= MAX_DELIVERY_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + retry_delay(
            delivery.attempts, retry_after=getattr(exc, "retry_after", None)
        )


@transaction.atomic
def notification_delivery_deliver(
    *,
    delivery_id,
    notification: Notification | None = None,
    rules: RecipientRules | None = None,
) -> NotificationDelivery | None:
    """Hand one queued, due delivery to its channel. Idempotent: the row is locked and
    anything not queued (or not due yet) is left as it is.

    A channel the user turned off is skipped ("disabled by user"); SMS and push during
    the user's quiet hours wait until they end (urgent types ignore both). A channel
    error keeps the delivery queued with ``next_attempt_at`` pushed back exponentially
    (:func:`retry_delay`) until :data:`MAX_DELIVERY_ATTEMPTS`, then marks it failed.

    The returned row's ``sent_now`` says whether this call sent it (not another worker
    before it). ``notification``: its notification and recipient, if already read;
    ``rules``: the recipient's preferences for it, read once for all its channels."""
    delivery = NotificationDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is not None:
        delivery.sent_now = False
    if delivery is None or delivery.status != DeliveryStatus.QUEUED:
        return delivery
    now = timezone.now()
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return delivery
    if getattr(notification, "pk", None) != (key := delivery.notification_id):
        notification = Notification.objects.select_related("recipient").get(pk=key)
    fields = [
        "status",
        "attempts",
        "next_attempt_at",
        "provider",
        "provider_message_id",
        "sent_at",
        "error",
        "updated_at",
    ]
    try:
        kind_type = notification_type(notification.kind)
    except LookupError as exc:
        delivery.status, delivery.error = DeliveryStatus.FAILED, str(exc)[:2000]
        delivery.save(update_fields=fields)
        return delivery
    # A channel known not to apply (no phone …) is skipped below whatever the user's
    # switches say: no need to read them.
    hold = (
        None
        if skip_reason(delivery.channel, notification)
        else delivery_hold(
            user_id=notification.recipient_id,
            kind_type=kind_type,
            channel=delivery.channel,
            moment=now,
            rules=rules,
        )
    )
    if hold is not None:
        if hold.skip:
            delivery.status, delivery.error = DeliveryStatus.SKIPPED, hold.skip
        else:
            delivery.next_attempt_at, delivery.error = hold.until, "quiet hours"
        delivery.save(update_fields=fields)
        return delivery
    delivery.attempts += 1
    _attempt(delivery, notification, now)
    delivery.save(update_fields=fields)
    return delivery


def _attempt(delivery: NotificationDelivery, notification: Notification, now: datetime) -> None:
    """Hand ``notification`` to the delivery's channel and record the outcome on
    ``delivery`` (not saved)."""
    outcome: Skip | Permanent | None = None
    if reason := skip_reason(delivery.channel, notification):
        outcome = Skip(reason)  # known without trying (no phone): nothing to undo
    else:
        # A savepoint: a channel error undoes only the channel's own writes (and keeps
        # them — a device found invalid — when the channel answers skip or failed); a
        # channel that writes nothing in the database (email, the socket) needs none.
        undo = nullcontext() if delivery.channel in WRITES_NOTHING else transaction.atomic()
        try:
            with undo:
                try:
                    sent = sender_for(delivery.channel)(notification)
                except (Skip, Permanent) as exc:
                    outcome = exc
        except Exception as exc:  # a channel error: SMTP, FCM, channel layer, network
            _record_failure(delivery, exc, now)
            return
    delivery.next_attempt_at = None
    if outcome is not None:
        skipped = isinstance(outcome, Skip)
        delivery.status = DeliveryStatus.SKIPPED if skipped else DeliveryStatus.FAILED
        delivery.error = str(outcome)[:2000]
        return
    delivery.status = DeliveryStatus.SENT
    delivery.provider = sent.provider[:30]
    delivery.provider_message_id = sent.message_id[:100]
    delivery.sent_at = timezone.now()
    delivery.error = ""
    delivery.sent_now = True


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def notification_deliver(*, notification_id) -> list[NotificationDelivery]:
    """Deliver every queued, due channel of one notification (each in its own
    transaction). The notification and its recipient are read once, with the list."""
    due = list(
        NotificationDelivery.objects.filter(
            _due(timezone.now()), notification_id=notification_id, status=DeliveryStatus.QUEUED
        )
        .select_related("notification__recipient")
        .order_by("channel")
    )
    notification = due[0].notification if due else None
    rules = (
        RecipientRules(user_id=notification.recipient_id, kind=notification.kind)
        if notification is not None
        else None
    )
    delivered = (
        notification_delivery_deliver(delivery_id=queued.pk, notification=notification, rules=rules)
        for queued in due
    )
    return [delivery for delivery in delivered if delivery is not None]


@task(priority=CRITICAL)
def notification_deliver_task(*, notification_id: str) -> int:
    """Deliver the queued, due channels of one notification; returns how many were sent."""
    deliveries = notification_deliver(notification_id=notification_id)
    return sum(delivery.sent_now for delivery in deliveries)


@task(priority=CRITICAL)
def notification_deliver_batch_task(*, notification_ids: list[str]) -> int:
    """The same for a batch of notifications (bulk sends, broadcasts)."""
    return sum(
        delivery.sent_now
        for notification_id in notification_ids
        for delivery in notification_deliver(notification_id=notification_id)
    )


#: The periodic job delivers at most this many rows per run (the rest: next minute).
REDELIVER_LIMIT = 5000


def notification_deliveries_redeliver_stale(*, older_than_seconds: int) -> int:
    """Deliver what is queued and due: scheduled notifications and retries whose
    ``next_attempt_at`` has come, and — recovery after a crash between commit and
    enqueue — deliveries due at once that are still queued ``older_than_seconds`` after
    they were last touched. Returns how many were sent."""
    sent = 0
    seen: set = set()
    while len(seen) < REDELIVER_LIMIT:
        now = timezone.now()
        cutoff = now - timedelta(seconds=older_than_seconds)
        due = (
            NotificationDelivery.objects.filter(status=DeliveryStatus.QUEUED)
            .filter(
                Q(next_attempt_at__isnull=True, updated_at__lt=cutoff) | Q(next_attempt_at__lte=now)
            )
            .exclude(pk__in=seen)
            .order_by("updated_at")
            .values_list("pk", flat=True)
        )
        batch = list(due[:500])
        if not batch:
            break
        for delivery_id in batch:
            seen.add(delivery_id)
            delivery = notification_delivery_deliver(delivery_id=delivery_id)
            sent += bool(delivery and delivery.sent_now)
    return sent


@transaction.atomic
def notification_mark_read(*, user, notification_id) -> Notification:
    """Mark one of ``user``'s notifications read (again: unchanged). Another user's, or
    one not shown yet (scheduled), is 404."""
    notification = (
        Notification.objects.select_for_update()
        .filter(notification_visible(), recipient=user, pk=notification_id)
        .first()
    )
    if notification is None:
        raise NotFound(code=NotificationError.NOTIFICATION_NOT_FOUND)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of ``user`` read; returns how many."""
    now = timezone.now()
    return Notification.objects.filter(
        notification_visible(now), recipient=user, read_at__isnull=True
    ).update(read_at=now, updated_at=now)


@transaction.atomic
def notifications_erase(*, user) -> int:
    """GDPR erasure: delete every notification addressed to ``user``."""
    deleted, _by_model = Notification.objects.filter(recipient=user).delete()
    return deleted
