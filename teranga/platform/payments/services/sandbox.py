"""The sandbox provider's side of a payment, as the payer and the provider act on it:
the payer's choice on the hosted page (:func:`sandbox_decide`), then the signed webhook
the sandbox sends us through the task engine, down the same path as a real provider's
delivery (:func:`sandbox_webhook_deliver_task`).

The adapter itself (checkout, status, webhook verification, refunds) is
``providers.sandbox``; this module builds on it and on ``webhooks``.
"""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from teranga.core.priorities import CRITICAL

from ..models import SandboxCharge
from ..providers.sandbox import OUTCOMES, SIGNATURE_HEADER, event_body, sign
from .fulfilment import fulfilment_run
from .payments import payment_initiate
from .webhooks import webhook_receive


@task(priority=CRITICAL)
def sandbox_webhook_deliver_task(*, body: str, signature: str) -> list[str]:
    """The sandbox provider "calling" our webhook: the same verification and the same
    path as a real provider's delivery."""
    return webhook_receive(
        provider="sandbox",
        body=body.encode(),
        headers={SIGNATURE_HEADER: signature},
        query={},
    )


def sandbox_decide(*, payment_id, outcome: str, deliver_now: bool = False) -> bool:
    """The payer's choice on the hosted page, recorded on the provider's side; the signed
    webhook is then sent after commit through the task engine, as a provider calls back
    asynchronously (``deliver_now``: through the same webhook path at once, in this
    thread — the demo loader, which runs before any worker). Returns False when the
    charge was already decided (nothing sent)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown sandbox outcome {outcome!r}")
    with transaction.atomic():
        charge = SandboxCharge.objects.select_for_update().filter(payment_id=payment_id).first()
        if charge is None or charge.outcome != SandboxCharge.Outcome.OPEN:
            return False
        charge.outcome = outcome
        charge.save(update_fields=["outcome", "updated_at"])
        body = event_body(charge, event_type=OUTCOMES[outcome]).decode()
        signature = sign(body.encode())
    if deliver_now:
        sandbox_webhook_deliver_task.call(body=body, signature=signature)
    else:
        transaction.on_commit(
            lambda: sandbox_webhook_deliver_task.enqueue(body=body, signature=signature)
        )
    return True


def sandbox_pay(*, payer, target_type: str, target_id, idempotency_key: str):
    """``payer`` pays the payable with the sandbox provider, as the app would: initiate,
    then "press Pay" on the hosted page; the signed webhook goes down the same path as
    any (payment succeeded), then the fulfilment acts on it (confirms the booking, issues
    the tickets, starts the plan …), all at once in this thread. What the products' demo
    loaders share. Returns the payment."""
    payment, _created = payment_initiate(
        payer=payer,
        target_type=target_type,
        target_id=str(target_id),
        provider="sandbox",
        idempotency_key=idempotency_key,
        request_hash="demo",
    )
    sandbox_decide(payment_id=payment.pk, outcome="succeeded", deliver_now=True)
    fulfilment_run(payment_id=payment.pk)
    return payment
