"""Background work of the payments module: fulfilment and refunds after commit, the
sandbox's webhook delivery, and the periodic jobs that make nothing get lost
(fulfilments and refunds left by a crash, payments whose webhook never came, expiry,
subscription renewals)."""

from __future__ import annotations

from django_tasks import task
from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@task()
def fulfilment_run_task(*, payment_id: str) -> str:
    from .services.fulfilment import fulfilment_run

    return fulfilment_run(payment_id=payment_id)


@task()
def refund_execute_task(*, refund_id: str) -> str:
    from .services.refunds import refund_execute

    return refund_execute(refund_id=refund_id).status


@task()
def sandbox_webhook_deliver_task(*, body: str, signature: str) -> list[str]:
    """The sandbox provider "calling" our webhook: the same verification and the same
    path as a real provider's delivery."""
    from .providers.sandbox import SIGNATURE_HEADER
    from .services.webhooks import webhook_receive

    return webhook_receive(
        provider="sandbox",
        body=body.encode(),
        headers={SIGNATURE_HEADER: signature},
        query={},
    )


@db_periodic_task(crontab(minute="*"), name="payments.fulfilments_resume")
def fulfilments_resume_periodic() -> int:
    from .services.fulfilment import fulfilments_resume

    return fulfilments_resume()


@db_periodic_task(crontab(minute="*"), name="payments.refunds_resume")
def refunds_resume_periodic() -> int:
    from .services.refunds import refunds_resume

    return refunds_resume()


@db_periodic_task(crontab(minute="*/2"), name="payments.reconcile")
def payments_reconcile_periodic() -> dict:
    from .services.webhooks import payments_reconcile

    return payments_reconcile()


@db_periodic_task(crontab(minute="*"), name="payments.expire")
def payments_expire_periodic() -> int:
    from .services.payments import payments_expire

    return payments_expire()


@db_periodic_task(crontab(minute="7"), name="payments.subscriptions_renew")
def subscriptions_renew_periodic() -> dict:
    from .services.subscriptions import subscriptions_renew

    return subscriptions_renew()
