"""Reads of the Academy, scoped to what the caller may see.

Who sees what:

* **anyone**: the published formations of verified academies, and their sessions;
* **the academy's agents and above, and staff** (``academy.formations.view``): every
  formation of the academy, its enrolments with each member's completion rate, and the
  attendance of each session;
* **a member**: their own enrolments (with their completion rate), their payment history,
  and the check-in link of a session of a formation they are enrolled in;
* **managers and above, and staff** (``academy.dashboard.view``): the dashboard.

Anything of another organisation answers 404; a member whose role is too low, 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.invoicing.selectors import InvoiceFilters, invoices_of_buyer
from teranga.platform.organizations.access import decide, ensure, membership_of
from teranga.platform.organizations.models import Organization, VerificationStatus
from teranga.platform.payments.models import PAID_STATUSES
from teranga.platform.payments.selectors import payments_of_payer

from .errors import AcademyError
from .models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    Formation,
    Session,
    SessionStatus,
)

FORMATIONS_MANAGE = "academy.formations.manage"
FORMATIONS_VIEW = "academy.formations.view"
ATTENDANCE_TAKE = "academy.attendance.take"
DASHBOARD_VIEW = "academy.dashboard.view"
#: The payable of an enrolment (``payments``: ``target_type``).
ENROLMENT_PAYABLE = "academy.enrolment"


def _formation_missing() -> NotFound:
    return NotFound(_("No such formation."), code=AcademyError.FORMATION_NOT_FOUND)


def _session_missing() -> NotFound:
    return NotFound(_("No such session."), code=AcademyError.SESSION_NOT_FOUND)


def is_public(formation: Formation) -> bool:
    return (
        formation.is_published
        and formation.organization.verification_status == VerificationStatus.VERIFIED
    )


def _check(user, formation: Formation, action: str | None) -> None:
    """``action`` None: a read, allowed on a public formation and to the academy's
    agents and above (and staff); otherwise the action's rule (404/403)."""
    if action is None:
        if is_public(formation):
            return
        action = FORMATIONS_VIEW
        membership = membership_of(user, formation.organization_id)
        if decide(user, formation.organization, action, membership) != "allow":
            raise _formation_missing()
        return
    membership = membership_of(user, formation.organization_id)
    verdict = decide(user, formation.organization, action, membership)
    if verdict == "hide":
        raise _formation_missing()
    if verdict == "forbid":
        raise Forbidden()


def formation_get(*, user, formation_id, action: str | None = None) -> Formation:
    """The formation if ``user`` may read it (``action`` None) or do ``action`` on it."""
    key = parse_uuid(formation_id)
    formation = (
        Formation.objects.select_related("organization", "instructor").filter(pk=key).first()
        if key
        else None
    )
    if formation is None:
        raise _formation_missing()
    _check(user, formation, action)
    return formation


def session_get(*, user, session_id, action: str | None = None) -> Session:
    """The session if ``user`` may read its formation (``action`` None) or do ``action``."""
    key = parse_uuid(session_id)
    session = (
        Session.objects.select_related("formation__organization").filter(pk=key).first()
        if key
        else None
    )
    if session is None:
        raise _session_missing()
    try:
        _check(user, session.formation, action)
    except NotFound:
        raise _session_missing() from None
    return session


def session_of_member(*, user, session_id) -> Session:
    """A session of a formation ``user`` has an active enrolment in (404 when they may
    not read it, 403 ``not_enrolled`` when they are not enrolled)."""
    session = session_get(user=user, session_id=session_id)
    if active_enrolment(user=user, formation_id=session.formation_id) is None:
        raise Forbidden(
            _("You are not enrolled in this formation."), code=AcademyError.NOT_ENROLLED
        )
    return session


def public_formations() -> QuerySet[Formation]:
    return (
        Formation.objects.filter(
            is_published=True, organization__verification_status=VerificationStatus.VERIFIED
        )
        .select_related("organization", "instructor")
        .order_by("title", "id")
    )


def organization_for(*, user, organization_id, action: str) -> Organization:
    from teranga.platform.organizations.access import get_organization_for

    return get_organization_for(user, organization_id, action)


def organization_formations(*, organization: Organization) -> QuerySet[Formation]:
    return (
        Formation.objects.filter(organization=organization)
        .select_related("organization", "instructor")
        .order_by("title", "id")
    )


def formation_sessions(*, formation: Formation) -> QuerySet[Session]:
    return Session.objects.filter(formation=formation).order_by("starts_at", "id")


def held_sessions_count(*, formation: Formation, now: datetime | None = None) -> int:
    """Sessions of the formation that took place (started, not cancelled)."""
    now = now or timezone.now()
    return Session.objects.filter(
        formation=formation, status=SessionStatus.SCHEDULED, starts_at__lte=now
    ).count()


def _attended_subquery(now: datetime) -> Subquery:
    """The sessions of the outer enrolment's formation its member attended."""
    attended = (
        Attendance.objects.filter(
            user=OuterRef("user"),
            session__formation=OuterRef("formation"),
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__lte=now,
            present=True,
        )
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(attended, output_field=IntegerField()), Value(0))


def _held_subquery(now: datetime) -> Subquery:
    held = (
        Session.objects.filter(
            formation=OuterRef("formation"), status=SessionStatus.SCHEDULED, starts_at__lte=now
        )
        .order_by()
        .values("formation")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), Value(0))


def _with_completion(queryset: QuerySet[Enrolment], now: datetime) -> QuerySet[Enrolment]:
    """Each enrolment with ``sessions_held`` and ``sessions_attended`` (the serializer
    derives the completion rate): two subqueries, whatever the page size."""
    return queryset.annotate(
        sessions_held=_held_subquery(now), sessions_attended=_attended_subquery(now)
    )


def formation_enrolments(*, formation: Formation, now: datetime | None = None):
    now = now or timezone.now()
    queryset = (
        Enrolment.objects.filter(formation=formation)
        .select_related("user", "formation")
        .order_by("created_at", "id")
    )
    return _with_completion(queryset, now)


def member_enrolments(*, user, now: datetime | None = None) -> QuerySet[Enrolment]:
    now = now or timezone.now()
    queryset = (
        Enrolment.objects.filter(user=user)
        .select_related("user", "formation__organization")
        .order_by("-created_at", "id")
    )
    return _with_completion(queryset, now)


def active_enrolment(*, user, formation_id) -> Enrolment | None:
    return Enrolment.objects.filter(
        user=user, formation_id=formation_id, status=EnrolmentStatus.ACTIVE
    ).first()


def session_attendance(*, session: Session) -> QuerySet[Enrolment]:
    """The active members of the session's formation, each with ``present`` and
    ``method`` of their attendance at it (None: not recorded)."""
    record = Attendance.objects.filter(session=session, user=OuterRef("user"))
    return (
        Enrolment.objects.filter(formation_id=session.formation_id, status=EnrolmentStatus.ACTIVE)
        .select_related("user")
        .annotate(
            present=Subquery(record.values("present")[:1]),
            method=Subquery(record.values("method")[:1]),
            checked_at=Subquery(record.values("updated_at")[:1]),
        )
        .order_by("created_at", "id")
    )


def member_payments(*, user):
    """The member's payments for enrolments, newest first, with their formation."""
    return payments_of_payer(user=user, filters={"target_type": ENROLMENT_PAYABLE})


def invoices_by_payment(*, user, payment_ids) -> dict:
    """The invoices issued to ``user`` for these payments, by payment id (one query)."""
    rows = invoices_of_buyer(user=user, filters=InvoiceFilters(kind="invoice")).filter(
        payment_id__in=list(payment_ids)
    )
    return {invoice.payment_id: invoice for invoice in rows}


def formations_by_enrolment(*, enrolment_ids) -> dict:
    """The formation title of each enrolment, by enrolment id as text (one query)."""
    keys = [key for key in (parse_uuid(value) for value in enrolment_ids) if key]
    return {
        str(pk): (formation_id, title)
        for pk, formation_id, title in Enrolment.objects.filter(pk__in=keys).values_list(
            "pk", "formation_id", "formation__title"
        )
    }


def dashboard(*, organization: Organization, now: datetime | None = None) -> list[dict]:
    """Per formation of the academy: enrolments (active, pending), sessions held,
    attendance (present marks over members × sessions held) and revenue (what the
    enrolments' payments received, net of refunds). Four queries."""
    now = now or timezone.now()
    formations = list(
        Formation.objects.filter(organization=organization)
        .order_by("title", "id")
        .values("id", "title", "currency")
    )
    enrolments = {
        row["formation_id"]: row
        for row in Enrolment.objects.filter(organization=organization)
        .order_by()
        .values("formation_id")
        .annotate(
            active=Count("pk", filter=Q(status=EnrolmentStatus.ACTIVE)),
            pending=Count("pk", filter=Q(status=EnrolmentStatus.PENDING)),
            revenue=Sum(
                F("payment__amount") - F("payment__refunded_amount"),
                filter=Q(payment__status__in=PAID_STATUSES),
            ),
        )
    }
    held = dict(
        Session.objects.filter(
            organization=organization, status=SessionStatus.SCHEDULED, starts_at__lte=now
        )
        .order_by()
        .values("formation_id")
        .annotate(n=Count("pk"))
        .values_list("formation_id", "n")
    )
    present = dict(
        Attendance.objects.filter(
            organization=organization,
            present=True,
            session__status=SessionStatus.SCHEDULED,
            session__starts_at__lte=now,
        )
        .order_by()
        .values("session__formation_id")
        .annotate(n=Count("pk"))
        .values_list("session__formation_id", "n")
    )
    rows = []
    for formation in formations:
        counts = enrolments.get(formation["id"], {})
        active = int(counts.get("active") or 0)
        sessions_held = int(held.get(formation["id"], 0))
        marks = int(present.get(formation["id"], 0))
        expected = active * sessions_held
        rows.append(
            {
                "formation": formation["id"],
                "title": formation["title"],
                "currency": formation["currency"],
                "enrolments_active": active,
                "enrolments_pending": int(counts.get("pending") or 0),
                "sessions_held": sessions_held,
                "attendances": marks,
                "attendance_rate": round(min(marks / expected, 1.0), 4) if expected else 0.0,
                "revenue": int(counts.get("revenue") or 0),
            }
        )
    return rows


def ensure_action(user, organization: Organization, action: str) -> None:
    ensure(user, organization, action)


def payment_rows(*, user, payments) -> list[dict[str, Any]]:
    """Payments of enrolments as ``me/payments/`` answers them: each with its formation
    and its invoice (two queries, whatever the number)."""
    invoices = invoices_by_payment(user=user, payment_ids=[payment.pk for payment in payments])
    formations = formations_by_enrolment(enrolment_ids=[payment.target_id for payment in payments])
    rows = []
    for payment in payments:
        invoice = invoices.get(payment.pk)
        formation_id, title = formations.get(payment.target_id, (None, payment.description))
        rows.append(
            {
                "id": payment.pk,
                "formation": formation_id,
                "formation_title": title,
                "amount": int(payment.amount),
                "currency": payment.currency,
                "status": payment.status,
                "method": payment.method,
                "transaction_number": payment.transaction_number,
                "created_at": payment.created_at,
                "invoice": invoice.pk if invoice else None,
                "invoice_number": invoice.number if invoice else None,
            }
        )
    return rows
