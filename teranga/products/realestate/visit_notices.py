"""What visitors and agents are told about visits.

* A registered visitor and the agent hear of every change (requested, confirmed,
  cancelled …) and get their reminders 24 h and 1 h before the visit from the scheduling
  engine, whose notices of visits are registered under ``realestate.visit.*``
  (``product.py``: ``notice_types``), in each person's language, with the visit's link
  (``realestate.visit``, ``teranga.core.links``).
* A guest visitor has no account: they are told by plain SMS (the notifications
  module's outbox, ``sms_send``) in the language they booked in, when their visit is
  confirmed or cancelled by the agency, and reminded 24 h and 1 h before it when it was
  booked that far ahead (:func:`guest_reminders_send`, every five minutes). A reminder
  is sent once: the :class:`VisitGuestReminder` row (unique per visit, offset and start)
  is written in the same transaction as the SMS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Value
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from teranga.core.links import local_time_text, object_link, public_link
from teranga.platform.notifications.services import sms_send

from .models import Visit, VisitGuestReminder, VisitStatus

#: The link kind of a visit (``/o/realestate.visit/<id>/``).
VISIT_LINK = "realestate.visit"
#: The engine's notices of visits: ``realestate.visit.created`` …
NOTICE_NAMESPACE = "realestate.visit"
#: Minutes before the start, longest first.
REMINDER_OFFSETS: tuple[int, ...] = (24 * 60, 60)
BATCH_SIZE = 200
#: The page where a guest who booked on the public page sees and cancels their visit.
GUEST_PAGE = "/realestate/visits/{token}/"
_GUEST_SALT = "realestate.guest-visit"


def guest_token(visit_id) -> str:
    """The signed token of a guest's visit (its manage link): it names the visit and
    only we can make one."""
    return signing.Signer(salt=_GUEST_SALT).sign_object(str(visit_id), compress=True)


def guest_token_visit_id(token: str) -> str | None:
    """The visit id a token names, None when the token is not ours."""
    try:
        value = signing.Signer(salt=_GUEST_SALT).unsign_object(token[:500])
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return value if isinstance(value, str) else None


def guest_link(visit) -> str:
    """The guest's manage link (``PUBLIC_URL``), in the language they booked in."""
    return public_link(
        GUEST_PAGE.format(token=guest_token(visit.pk)), language=visit.language or None
    )


def visit_link(booking) -> str:
    """The link of a visit's booking (a visit has its booking's id)."""
    return object_link(VISIT_LINK, booking.pk)


def _when(visit: Visit) -> str:
    return local_time_text(visit.starts_at, visit.organization.time_zone)


def guest_text(visit: Visit, event: str) -> str:
    """The SMS to a guest about ``event`` (``requested``, ``confirmed``, ``cancelled``,
    ``rescheduled``, ``reminder``) in the visit's language."""
    with translation.override(visit.language or "fr"):
        values = {
            "property": visit.property.title,
            "agency": visit.organization.name,
            "when": _when(visit),
        }
        if event == "requested":
            return _(
                "%(agency)s received your request to visit “%(property)s” on %(when)s and "
                "will confirm it. To cancel: %(link)s"
            ) % {**values, "link": guest_link(visit)}
        if event == "rescheduled":
            return _("Your visit of “%(property)s” with %(agency)s is moved to %(when)s.") % (
                values
            )
        if event == "confirmed":
            return _("Your visit of “%(property)s” with %(agency)s on %(when)s is confirmed.") % (
                values
            )
        if event == "cancelled":
            return _("%(agency)s cancelled your visit of “%(property)s” on %(when)s.") % values
        return _("Reminder: your visit of “%(property)s” with %(agency)s on %(when)s.") % values


def guest_notify(visit: Visit, event: str) -> bool:
    """Tell a guest visitor about ``event`` by SMS (nothing for a registered visitor,
    whom the engine tells). Inside the transaction of the change."""
    if visit.visitor_id is not None or not visit.guest_phone:
        return False
    sms_send(to=str(visit.guest_phone), body=guest_text(visit, event), purpose=f"visit_{event}")
    return True


def _due_q(offset: int, shorter: int | None, now: datetime) -> Q:
    window = Q(starts_at__gt=now, starts_at__lte=now + timedelta(minutes=offset))
    if shorter is not None:  # the shorter reminder takes over once it is due
        window &= Q(starts_at__gt=now + timedelta(minutes=shorter))
    # Booked more than ``offset`` ahead (a visit booked 3 h ahead gets the 1 h one only).
    made_ahead = Q(
        created_at__lt=ExpressionWrapper(
            F("starts_at") - Value(timedelta(minutes=offset)), output_field=DateTimeField()
        )
    )
    sent = VisitGuestReminder.objects.filter(
        visit=OuterRef("pk"), offset_minutes=offset, starts_at=OuterRef("starts_at")
    )
    return window & made_ahead & ~Exists(sent)


def guest_reminders_due(*, now: datetime) -> list[tuple[Visit, int]]:
    due: list[tuple[Visit, int]] = []
    for index, offset in enumerate(REMINDER_OFFSETS):
        shorter = REMINDER_OFFSETS[index + 1] if index + 1 < len(REMINDER_OFFSETS) else None
        visits = (
            Visit.objects.filter(status=VisitStatus.CONFIRMED, visitor__isnull=True)
            .exclude(guest_phone="")
            .filter(_due_q(offset, shorter, now))
            .select_related("organization", "property")
            .order_by("starts_at")[:BATCH_SIZE]
        )
        due += [(visit, offset) for visit in visits]
    return due


def _remind(visit: Visit, offset: int) -> bool:
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin only undoes this
                VisitGuestReminder.objects.create(
                    visit=visit, offset_minutes=offset, starts_at=visit.starts_at
                )
        except IntegrityError:
            return False
        return guest_notify(visit, "reminder")


def guest_reminders_send(*, now: datetime | None = None) -> int:
    """Send the guests' reminders that are due; returns how many SMS were recorded."""
    now = now or timezone.now()
    return sum(_remind(visit, offset) for visit, offset in guest_reminders_due(now=now))


def guest_reminders_periodic() -> int:
    """The periodic job (every five minutes)."""
    return guest_reminders_send()
