"""Taking a ticket by SMS (seed 002), registered as the ``smartqueue`` handler of the
platform's inbound SMS (``notifications.inbound``).

What a client may text (case and accents do not matter):

* ``<KEYWORD> [branch]`` — a service's ``sms_keyword`` takes a ticket (channel ``sms``,
  the sender's number; the account whose verified phone it is, if any) in one of the
  service's open queues of type normal or express: the branch whose name, commune or
  city contains the hint, else the one with the shortest estimated wait. The reply gives
  the number, the people ahead and the wait (or that it is unknown: no counter open on
  the queue), and how to follow or cancel;
* ``STATUT`` — the sender's live tickets with position and estimated wait (or unknown);
* ``ANNULER [A012]`` — cancels the live ticket (the one named, when there are several);
* anything else — a short help.

Replies are in the account's language (Wolof for ``wo``), else in the platform's hint
(French by default).

**The SMS allowance.** Every reply about an organisation's ticket takes one unit of that
organisation's monthly allowance (the plan's ``sms_per_month``, see
``services.usage``) *before* anything is done. When the allowance is used up, the
message is taken silently: no ticket is issued (the client would never learn its
number), nothing is cancelled, and no reply is sent; the platform still records the
inbound message (status ``unanswered``, handler ``smartqueue``). The help and "you have
no ticket" replies concern no organisation and take no allowance.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from teranga.core.encryption import phone_hash
from teranga.core.errors import ApplicationError
from teranga.core.i18n import normalize_language
from teranga.platform.organizations.models import VerificationStatus

from .models import ACTIVE_STATUSES, Channel, Queue, QueueKind, QueueService, Ticket, TicketStatus
from .selectors.estimates import estimate_wait
from .selectors.positions import ticket_position
from .services.tickets import ticket_cancel, ticket_issue
from .services.usage import sms_quota_take

STATUS_WORDS = frozenset({"STATUT", "STATUS"})
CANCEL_WORDS = frozenset({"ANNULER", "ANNULE", "CANCEL"})
INTAKE_KINDS = (QueueKind.NORMAL, QueueKind.EXPRESS)
SILENT = ""  # taken, not answered (see the allowance above)


def fold(text: str) -> str:
    """Upper case without accents: ``"Banque  Médina"`` -> ``"BANQUE  MEDINA"``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _minutes(seconds: int) -> str:
    minutes = max(round(seconds / 60), 1) if seconds else 0
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def _account(phone: str):
    return (
        get_user_model()
        .objects.filter(phone_hash=phone_hash(phone), phone_verified=True, is_active=True)
        .only("pk", "language")
        .first()
    )


def _live_tickets(phone: str, user) -> list[Ticket]:
    queryset = Ticket.objects.filter(status__in=ACTIVE_STATUSES).select_related(
        "queue", "queue__service", "organization"
    )
    by_phone = Q(phone_hash=phone_hash(phone))
    mine = by_phone | Q(user=user) if user is not None else by_phone
    return list(queryset.filter(mine).order_by("created_at"))


def _wait_line(ticket: Ticket) -> str:
    if ticket.status != TicketStatus.WAITING:
        return _("%(number)s (%(service)s): it is your turn, go to the counter.") % {
            "number": ticket.display_number,
            "service": ticket.queue.service.name,
        }
    position = ticket_position(ticket)
    ahead = max(position - 1, 0)
    values = {
        "number": ticket.display_number,
        "service": ticket.queue.service.name,
        "ahead": ngettext("%(count)d person ahead", "%(count)d people ahead", ahead)
        % {"count": ahead},
    }
    wait = estimate_wait(ticket.queue, ahead)
    if wait is None:  # no counter open on the queue
        return _("%(number)s (%(service)s): %(ahead)s, wait unknown for now.") % values
    return _("%(number)s (%(service)s): %(ahead)s, about %(wait)s.") % {
        **values,
        "wait": _minutes(wait),
    }


def _status(phone: str, user) -> str:
    tickets = _live_tickets(phone, user)
    if not tickets:
        return _("You have no ticket in progress. Send a service's keyword to take one.")
    if not sms_quota_take(organization=tickets[0].organization):
        return SILENT
    return "\n".join(_wait_line(ticket) for ticket in tickets)


def _cancel(phone: str, user, words: list[str]) -> str:
    tickets = [
        t
        for t in _live_tickets(phone, user)
        if t.status in (TicketStatus.WAITING, TicketStatus.CALLED)
    ]
    if words:
        tickets = [t for t in tickets if t.display_number.upper() == words[0]] or tickets[:0]
    if not tickets:
        return _("You have no ticket to cancel.")
    if len(tickets) > 1:
        if not sms_quota_take(organization=tickets[0].organization):
            return SILENT
        numbers = ", ".join(t.display_number for t in tickets)
        return _("You have several tickets (%(numbers)s). Send ANNULER and the number.") % {
            "numbers": numbers
        }
    ticket = tickets[0]
    if not sms_quota_take(organization=ticket.organization):
        return SILENT
    ticket_cancel(ticket_id=ticket.pk, user=user, phone=phone)
    return _("Ticket %(number)s is cancelled.") % {"number": ticket.display_number}


def _branch_matches(queue: Queue, hint: str) -> bool:
    branch = queue.branch
    names = (branch.name, getattr(branch, "commune", ""), getattr(branch, "city", ""))
    return any(hint in fold(name or "") for name in names)


def _pick_queue(queues: list[Queue], hint: str) -> Queue:
    if hint:
        matching = [q for q in queues if _branch_matches(q, hint)]
        if matching:
            queues = matching

    def wait(queue: Queue) -> tuple[bool, int]:
        waiting = Ticket.objects.filter(queue=queue, status=TicketStatus.WAITING).count()
        seconds = estimate_wait(queue, waiting)
        return seconds is None, seconds or 0  # an unknown wait (no counter open) last

    return min(queues, key=wait) if len(queues) > 1 else queues[0]


def _take(service: QueueService, phone: str, user, words: list[str], language: str) -> str:
    if not sms_quota_take(organization=service.organization):
        return SILENT
    if service.is_paid:
        return _("%(service)s is a paid service: take your ticket in the app.") % {
            "service": service.name
        }
    queues = list(
        Queue.objects.filter(
            service=service, kind__in=INTAKE_KINDS, is_active=True, is_open=True
        ).select_related("branch", "organization", "service")
    )
    if not queues:
        return _("%(service)s is closed at the moment. Please try again during opening hours.") % {
            "service": service.name
        }
    queue = _pick_queue(queues, " ".join(words))
    try:
        ticket = ticket_issue(
            queue=queue, channel=Channel.SMS, user=user, phone=phone, language=language
        )
    except ApplicationError as exc:
        if exc.code == "already_in_queue":
            return _("You already have a ticket in this queue. Reply STATUT to follow it.")
        if exc.code == "queue_full":
            return _("The queue for %(service)s is full. Please try again later.") % {
                "service": service.name
            }
        return _("%(service)s is closed at the moment. Please try again during opening hours.") % {
            "service": service.name
        }
    ahead = max(ticket.position_at_issue - 1, 0)
    values = {
        "number": ticket.display_number,
        "branch": queue.branch.name,
        "ahead": ngettext("%(count)d person before you", "%(count)d people before you", ahead)
        % {"count": ahead},
    }
    if ticket.estimated_wait_at_issue is None:  # no counter open on the queue
        return (
            _(
                "Ticket %(number)s at %(branch)s — %(ahead)s, wait unknown for now. "
                "Reply STATUT to follow, ANNULER to cancel."
            )
            % values
        )
    return _(
        "Ticket %(number)s at %(branch)s — %(ahead)s, about %(wait)s. "
        "Reply STATUT to follow, ANNULER to cancel."
    ) % {**values, "wait": _minutes(ticket.estimated_wait_at_issue)}


def _help() -> str:
    return _(
        "To take a ticket, send the service's keyword (e.g. BANQUE), optionally followed by "
        "your branch. STATUT: your tickets. ANNULER: cancel your ticket."
    )


def sms_intake_handle(from_e164: str, text: str, language_hint: str) -> str | None:
    """The inbound SMS handler (see the module's docstring): the reply, or ``""`` when
    the organisation's SMS allowance is used up."""
    words = fold(text).split()
    user = _account(from_e164)
    language = normalize_language(getattr(user, "language", None) or language_hint)
    with translation.override(language):
        if not words:
            return _help()
        keyword, rest = words[0], words[1:]
        if keyword in STATUS_WORDS:
            return _status(from_e164, user)
        if keyword in CANCEL_WORDS:
            return _cancel(from_e164, user, rest)
        service = (
            QueueService.objects.select_related("organization")
            .filter(
                sms_keyword=keyword,
                is_active=True,
                organization__verification_status=VerificationStatus.VERIFIED,
            )
            .first()
        )
        if service is None:
            return _help()
        return _take(service, from_e164, user, rest, language)
