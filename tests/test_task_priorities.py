"""Task priorities (issue 25): with a backlog of invoice PDF renders queued, a payment's
fulfilment is done by its webhook's answer, and its receipt, queued after the renders,
is sent first.

Real huey consumer threads take the tasks from the real storage of the settings — huey's
SQLite file (here a fresh one) or, with ``REDIS_URL``, its priority Redis queue (under a
name of its own, deleted afterwards) — against the real database. The payment succeeds
through its webhook (HTTP, signed as the sandbox signs), which runs the fulfilment after
its commit and queues what it sets off, as in production.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.db import connection
from huey.consumer import Consumer

from teranga.core.priorities import CRITICAL, DOCUMENTS, NORMAL
from teranga.platform.accounts.mail import account_mail_send_task
from teranga.platform.invoicing.models import Invoice
from teranga.platform.invoicing.services import invoice_for_payment
from teranga.platform.invoicing.tasks import invoice_pdf_render_task
from teranga.platform.notifications.models import Notification, NotificationDelivery
from teranga.platform.notifications.services import (
    notification_deliver_batch_task,
    notification_deliver_task,
)
from teranga.platform.notifications.sms_outbox import sms_deliver_task
from teranga.platform.organizations.tests.factories import OrganizationFactory
from teranga.platform.payments.models import Fulfilment, FulfilmentStatus, SandboxCharge
from teranga.platform.payments.providers import sandbox
from teranga.platform.payments.services.fulfilment import fulfilment_run_task
from teranga.platform.payments.services.sandbox import sandbox_webhook_deliver_task
from tests.example_product.models import Lesson
from tests.skips import require

pytestmark = pytest.mark.django_db(transaction=True)

BACKLOG = 6  # invoice PDFs queued before the payment (each renders in about a second)
DRAIN_TIMEOUT = 120.0


@pytest.fixture
def real_queue(settings, tmp_path):
    """huey out of immediate mode, on the storage class the settings chose, with a queue
    of its own; flushed and put back afterwards."""
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "the consumer's threads need separate connections: config/test_settings.py sets it",
    )
    from huey.contrib.djhuey import HUEY

    name = f"priorities{uuid.uuid4().hex[:8]}"
    if settings.REDIS_URL:
        storage = HUEY.storage_class(name, url=settings.REDIS_URL)
    else:
        storage = HUEY.storage_class(name, filename=str(tmp_path / "tasks.sqlite3"))
    saved = HUEY.storage, HUEY.immediate
    HUEY.immediate = False  # (this recreates the configured storage; replaced right after)
    HUEY.storage = storage
    try:
        yield HUEY
    finally:
        storage.flush_all()
        HUEY.immediate = saved[1]
        HUEY.storage = saved[0]


def queued(huey) -> list[str]:
    """The Django task paths in huey's queue, in the order the storage hands them out."""
    return [task.args[0] for task in huey.pending()]


def queued_kind(task) -> str:
    """The kind of the notification a queued send delivers ("" for another task)."""
    path, _args, kwargs = task.args
    if path != notification_deliver_task.module_path:
        return ""
    return Notification.objects.get(pk=kwargs["notification_id"]).kind


def queued_renders(huey) -> int:
    return sum(path.endswith(".invoice_pdf_render_task") for path in queued(huey))


def run_consumer(huey, *, workers: int, until, timeout: float = DRAIN_TIMEOUT) -> float:
    """Run huey's consumer (``workers`` threads) until ``until()`` holds (bounded);
    returns the seconds it took."""
    consumer = Consumer(huey, workers=workers, worker_type="thread", periodic=False)
    started = time.monotonic()
    consumer.start()
    try:
        while not until():
            assert time.monotonic() - started < timeout, "the queue did not drain in time"
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
        for _, thread in consumer.worker_threads:
            thread.join(timeout=30)
    return time.monotonic() - started


def test_critical_tasks_outrank_documents_on_the_task_declarations():
    assert CRITICAL > NORMAL > DOCUMENTS
    for critical in (
        fulfilment_run_task,
        sandbox_webhook_deliver_task,
        notification_deliver_task,
        notification_deliver_batch_task,
        sms_deliver_task,
        account_mail_send_task,
    ):
        assert critical.priority == CRITICAL, critical
    assert invoice_pdf_render_task.priority == DOCUMENTS


def test_the_settings_storage_orders_by_priority(real_queue):
    assert real_queue.storage.priority is True  # SqliteStorage, or PriorityRedisStorage


@pytest.fixture
def backlog(real_queue, settings):
    """``BACKLOG`` invoices issued with their PDF render queued (after commit), into the
    real queue: what a burst of payments leaves behind."""
    settings.MEDIA_ROOT = str(settings.DATA_DIR / f"test-media-{uuid.uuid4().hex[:8]}")
    settings.INVOICING_RENDER_ON_ISSUE = True
    from teranga.platform.invoicing.tests.factories import buyer_user, make_payment, sn_seller

    seller = sn_seller()
    invoices = [
        invoice_for_payment(payment=make_payment(seller, buyer_user())) for _ in range(BACKLOG)
    ]
    assert queued_renders(real_queue) == BACKLOG
    yield [invoice.pk for invoice in invoices]
    import shutil

    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


def pay_by_webhook(api, client_for, make_user):
    """A lesson paid with the sandbox: payment created over HTTP, the charge succeeded
    on the provider's side, and its signed webhook POSTed (the fulfilment is queued
    after the webhook's commit)."""
    organization = OrganizationFactory(verification_status="verified")
    payer = make_user(f"payer-{uuid.uuid4().hex[:6]}@example.com")
    lesson = Lesson.objects.create(organization=organization, title="Wolof", price=5000)
    created = client_for(payer).post(
        "/api/v1/payments/",
        {"target_type": "tutoring.lesson", "target_id": str(lesson.pk), "provider": "sandbox"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"key-{uuid.uuid4().hex}",
    )
    assert created.status_code == 201, created.content
    charge = SandboxCharge.objects.get(payment_id=created.json()["id"])
    charge.outcome = SandboxCharge.Outcome.SUCCEEDED
    charge.save(update_fields=["outcome", "updated_at"])
    raw = sandbox.event_body(charge, event_type="payment.succeeded")
    answer = api.post(
        "/api/v1/payments/webhooks/sandbox/",
        raw,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: sandbox.sign(raw)},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["outcomes"] == ["applied"]
    return lesson, json.loads(raw)["data"]["payment_id"]


def test_a_fulfilment_is_done_in_the_webhook_and_its_receipt_outruns_a_backlog_of_renders(
    real_queue, backlog, api, client_for, make_user
):
    lesson, payment_id = pay_by_webhook(api, client_for, make_user)
    # Done by the webhook's answer (right after its commit), with no task run yet: the
    # backlog cannot delay it. Its own invoice is numbered, its PDF queued behind the rest.
    fulfilment = Fulfilment.objects.get(payment_id=payment_id)
    assert fulfilment.status == FulfilmentStatus.DONE and fulfilment.attempts == 1
    lesson.refresh_from_db()
    assert lesson.paid_at is not None
    assert Invoice.objects.filter(payment_id=payment_id).exists()
    assert queued_renders(real_queue) == BACKLOG + 1
    # The storage hands out the notifications' sends, queued last, before every render;
    # the invoice's notice (NORMAL: nobody waits on it) after the receipt (CRITICAL).
    order = queued(real_queue)
    assert fulfilment_run_task.module_path not in order
    first_render = min(i for i, path in enumerate(order) if path.endswith("_render_task"))
    sends = [i for i, path in enumerate(order) if path == notification_deliver_task.module_path]
    assert sends and max(sends) < first_render

    def drained() -> bool:
        return Invoice.objects.count() == BACKLOG + 1 and not (
            Invoice.objects.filter(pdf="").exists()
        )

    # One worker thread: the order in which it takes tasks is the queue's order.
    run_consumer(real_queue, workers=1, until=drained)

    fulfilment.refresh_from_db()
    assert fulfilment.status == FulfilmentStatus.DONE and fulfilment.attempts == 1
    rendered = sorted(
        Invoice.objects.filter(pk__in=backlog).values_list("pdf_rendered_at", flat=True)
    )
    assert len(rendered) == BACKLOG and all(rendered)
    # Fulfilment (booking paid, invoice numbered) before the first queued render ended.
    assert fulfilment.done_at < rendered[0]
    # The receipt went out (its send is critical too) before any render ended either.
    receipt = NotificationDelivery.objects.get(notification__kind="tutoring.paid", channel="email")
    assert receipt.status == "sent" and receipt.sent_at < rendered[0]
    # The paid lesson's invoice was issued inside the fulfilment; its PDF came last.
    own = Invoice.objects.get(payment_id=payment_id)
    assert own.issued_at <= fulfilment.done_at
    assert own.pdf_rendered_at > rendered[-1]


def test_an_invoice_notice_waits_behind_the_confirmations_of_later_payments(
    real_queue, settings, api, client_for, make_user
):
    # invoice.issued is sent at NORMAL: a second payment's receipt and confirmation,
    # queued after the first one's invoice notice, are handed out before it.
    settings.INVOICING_RENDER_ON_ISSUE = False
    pay_by_webhook(api, client_for, make_user)
    pay_by_webhook(api, client_for, make_user)
    kinds = [kind for task in real_queue.pending() if (kind := queued_kind(task))]
    assert sorted(kinds) == sorted(["payment.succeeded", "tutoring.paid", "invoice.issued"] * 2)
    assert kinds[-2:] == ["invoice.issued", "invoice.issued"], kinds
