"""Fulfilment: the product's handler runs exactly once for a succeeded payment.

The ``Fulfilment`` row is written in the transaction where the payment succeeds (the
durable record). Right after that transaction commits, the same thread runs it
(:func:`fulfilment_run_now`): the booking is confirmed, the ticket or the enrolment
issued and the invoice numbered before the webhook (or the payer's return, or the
staff's approval) is answered, so a backlog of tasks never stands between a payment
and what it paid for (issue 25; pretix and Saleor also act on a payment's webhook in
the request). What the run sets off (notifications, the invoice's PDF) goes through the
task queue, by priority.

:func:`fulfilment_run` locks the payment and the row, runs the product's handler and
the fulfilled-hooks (invoicing) inside a savepoint, and marks the row done in that same
transaction: the handler's effects and "done" commit together or not at all, and a
second run finds the row done. Should the run after commit fail (a database error) it
is queued as a task (:func:`fulfilment_run_task`); should the process die between the
commit and the run, the row stays pending and :func:`fulfilments_resume` (periodic, and
at start) runs it.

The handler refusing (``FulfilmentRefused``: sold out, hold expired) or failing
``MAX_ATTEMPTS`` times refunds the payment automatically.

The task lives here, beside what it runs: ``effects`` records the row and schedules it,
and nothing here imports ``effects`` or ``payments`` back (the lock and the event record
come from ``state``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from teranga.core.priorities import CRITICAL

from .. import notices
from ..extensions import payment_fulfilled
from ..models import EventSource, Fulfilment, FulfilmentStatus, Payment
from ..payables import FulfilmentRefused, payables
from .refunds import refund_open
from .state import event_record, payment_lock

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: A pending fulfilment younger than this is left to its own task.
RESUME_AFTER = timedelta(seconds=30)


def fulfilment_schedule(fulfilment: Fulfilment) -> None:
    """Run the fulfilment in this thread once the caller's transaction commits."""
    payment_id = str(fulfilment.payment_id)
    transaction.on_commit(lambda: fulfilment_run_now(payment_id))


def fulfilment_run_now(payment_id: str) -> str:
    """Run the fulfilment of ``payment_id`` at once (after the success committed); on a
    failure of the run itself, queue it as a task rather than fail the caller, whose
    payment is already recorded. Returns the status, or "" when it was queued."""
    try:
        return fulfilment_run(payment_id=payment_id)
    except Exception:
        logger.exception("fulfilment could not run at once; queued", extra={"payment": payment_id})
        fulfilment_run_task.enqueue(payment_id=payment_id)
        return ""


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=30 * (2 ** max(attempts - 1, 0)))


@transaction.atomic
def fulfilment_run(*, payment_id) -> str:
    """Run the product's handler for ``payment_id`` if it has not run; returns the
    fulfilment's status afterwards."""
    payment = payment_lock(payment_id)  # payment first, then its fulfilment: one order
    fulfilment = Fulfilment.objects.select_for_update().filter(payment=payment).first()
    if fulfilment is None or fulfilment.status != FulfilmentStatus.PENDING:
        return fulfilment.status if fulfilment else ""
    fulfilment.attempts += 1
    refusal = ""
    try:
        with transaction.atomic():  # a failing handler leaves nothing behind
            payables.get(payment.target_type).fulfil(payment=payment)
            for hook in payment_fulfilled.values():
                hook(payment)
    except FulfilmentRefused as exc:
        refusal = str(exc) or "refused"
    except Exception as exc:
        logger.exception(
            "fulfilment failed", extra={"payment": str(payment.pk), "attempt": fulfilment.attempts}
        )
        fulfilment.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if fulfilment.attempts >= MAX_ATTEMPTS:
            refusal = "fulfilment kept failing"
        else:
            fulfilment.next_attempt_at = timezone.now() + _backoff(fulfilment.attempts)
    else:
        fulfilment.status = FulfilmentStatus.DONE
        fulfilment.done_at = timezone.now()
        event_record(payment, "fulfilled", source=EventSource.SYSTEM)
    if refusal:
        _refuse(payment, fulfilment, refusal)
    fulfilment.save()
    return fulfilment.status


@task(priority=CRITICAL)
def fulfilment_run_task(*, payment_id: str) -> str:
    return fulfilment_run(payment_id=payment_id)


def _refuse(payment: Payment, fulfilment: Fulfilment, reason: str) -> None:
    fulfilment.status = FulfilmentStatus.REFUSED
    fulfilment.last_error = (fulfilment.last_error or reason)[:2000]
    event_record(
        payment, "fulfilment_refused", source=EventSource.SYSTEM, detail={"reason": reason}
    )
    notices.tell_staff(payment, "fulfilment_refused", reason=reason)
    if payment.refundable_amount > 0:
        refund_open(
            payment=payment,
            amount=payment.refundable_amount,
            reason=reason,
            actor=None,
            automatic=True,
        )


def fulfilments_resume(*, now=None, limit: int = 200) -> int:
    """Run pending fulfilments whose task was lost (a crash after commit) or whose retry
    is due. Safe to run anywhere, any number of times."""
    now = now or timezone.now()
    ids = list(
        Fulfilment.objects.filter(status=FulfilmentStatus.PENDING)
        .filter(
            Q(next_attempt_at__isnull=True, created_at__lte=now - RESUME_AFTER)
            | Q(next_attempt_at__lte=now)
        )
        .order_by("created_at")
        .values_list("payment_id", flat=True)[:limit]
    )
    done = 0
    for payment_id in ids:
        done += fulfilment_run(payment_id=payment_id) == FulfilmentStatus.DONE
    return done
