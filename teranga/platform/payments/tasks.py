"""Background work of the payments module: fulfilment and refunds after commit, the
sandbox's webhook delivery, and the periodic jobs that make nothing get lost
(fulfilments and refunds left by a crash, payments whose webhook never came, expiry,
subscription renewals).

The tasks queued after commit live beside the services that queue and run them
(``services.fulfilment``, ``services.refunds``, ``services.sandbox``), so that no service
imports this module; they are also importable from here, under the path that jobs queued
before they moved name.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services.fulfilment import fulfilment_run_task, fulfilments_resume
from .services.payments import payments_expire
from .services.refunds import refund_execute_task, refunds_resume
from .services.sandbox import sandbox_webhook_deliver_task
from .services.subscriptions import subscriptions_renew
from .services.webhooks import payments_reconcile

__all__ = [
    "fulfilment_run_task",
    "fulfilments_resume_periodic",
    "payments_expire_periodic",
    "payments_reconcile_periodic",
    "refund_execute_task",
    "refunds_resume_periodic",
    "sandbox_webhook_deliver_task",
    "subscriptions_renew_periodic",
]


@db_periodic_task(crontab(minute="*"), name="payments.fulfilments_resume")
def fulfilments_resume_periodic() -> int:
    return fulfilments_resume()


@db_periodic_task(crontab(minute="*"), name="payments.refunds_resume")
def refunds_resume_periodic() -> int:
    return refunds_resume()


@db_periodic_task(crontab(minute="*/2"), name="payments.reconcile")
def payments_reconcile_periodic() -> dict:
    return payments_reconcile()


@db_periodic_task(crontab(minute="*"), name="payments.expire")
def payments_expire_periodic() -> int:
    return payments_expire()


@db_periodic_task(crontab(minute="7"), name="payments.subscriptions_renew")
def subscriptions_renew_periodic() -> dict:
    return subscriptions_renew()
