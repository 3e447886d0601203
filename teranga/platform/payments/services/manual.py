"""Manual payments (seed 004): a bank transfer or cash, declared by the payer with a
mandatory transaction number (``payment_initiate`` with a manual method), then validated
or rejected by the organisation's staff. Both decisions are logged with their author."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.payments.errors import PaymentError

from ..models import MANUAL_METHODS, EventSource, Payment, PaymentStatus
from .payments import transition
from .state import event_record, payment_lock


@transaction.atomic
def manual_payment_review(*, actor, payment_id, approve: bool, note: str = "") -> Payment:
    """Validate (the payment succeeds and is fulfilled) or reject (it fails) a declared
    manual payment. ``payments.review``: managers and above, and staff."""
    payment = payment_lock(payment_id)
    get_organization_for(actor, payment.organization_id, "payments.review")
    if payment.method not in MANUAL_METHODS:
        raise Conflict(_("Only manual payments are reviewed."), code=PaymentError.NOT_MANUAL)
    if payment.status != PaymentStatus.PENDING:
        raise Conflict(
            _("This payment has already been reviewed."), code=PaymentError.ALREADY_REVIEWED
        )
    payment.reviewed_by = actor
    payment.reviewed_at = timezone.now()
    payment.review_note = note[:500]
    payment.save(update_fields=["reviewed_by", "reviewed_at", "review_note", "updated_at"])
    event_record(
        payment,
        "manual_approved" if approve else "manual_rejected",
        source=EventSource.STAFF,
        actor=actor,
        detail={"note": note[:500], "transaction_number": payment.transaction_number},
    )
    before = payment.status
    transition(
        payment,
        PaymentStatus.SUCCEEDED if approve else PaymentStatus.FAILED,
        source=EventSource.STAFF,
        actor=actor,
        failure_reason="" if approve else (note or "rejected"),
        strict=True,
    )
    audit_record(
        action=(
            AuditAction.MANUAL_PAYMENT_APPROVED if approve else AuditAction.MANUAL_PAYMENT_REJECTED
        ),
        actor=actor,
        organization=payment.organization_id,
        subject=payment.payer_id,
        object_type="payments.payment",
        object_id=payment.pk,
        summary=f"Manual payment of {payment.amount} {payment.currency} "
        + ("approved" if approve else "rejected"),
        before={"status": before},
        after={
            "status": payment.status,
            "note": note[:500],
            "transaction_number": payment.transaction_number,
        },
    )
    return payment
