"""Writes: checking a text, recording flags, blocks and reports, deciding cases.

* :func:`check` runs every rule on a text (see ``extensions``); it writes nothing but the
  cache counters of the rate and repeated-content rules.
* :func:`record_flag`: the product stored flagged content; called inside the product's
  transaction, it opens the object's case or joins its open one (idempotent).
* :func:`record_block`: the product refused a blocked text; only a log entry keeps it
  (its excerpt), so staff see the attempt. Call it outside any transaction that the
  refusal rolls back.
* :func:`report`: someone reports content; opens or joins its case (rate-limited).
* :func:`case_approve` and :func:`case_remove` (also ``approve`` and ``remove``): a
  moderator decides an open case (404 for a case they may not moderate, 409
  ``case_already_decided`` once decided). Removing calls the kind's ``on_remove`` in the
  same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict
from teranga.core.limits import NOTE_MAX_LENGTH

from .classifier import classify
from .errors import ModerationError, TooManyReports
from .extensions import kind_of, moderation_kinds, moderation_rules
from .models import (
    EXCERPT_MAX_LENGTH,
    OBJECT_ID_MAX_LENGTH,
    SCOPE_MAX_LENGTH,
    CaseAction,
    CaseStatus,
    LogAction,
    ModerationCase,
    ModerationLogEntry,
)
from .rules.counters import count
from .selectors import case_for
from .verdicts import ALLOW, BLOCK, FLAG, SEVERITY, ModerationContext, Verdict

REASON_MAX_LENGTH = 200


def check(text: str, *, kind: str, author, organization=None, scope: str = "") -> Verdict:
    """The verdict of every rule on ``text``: the most severe (the first of equals); a
    block stops the checks. ``reasons`` lists every flag and block met on the way."""
    if not text or not text.strip():
        return Verdict(ALLOW)
    context = ModerationContext(kind=kind, author=author, organization=organization, scope=scope)
    verdict = Verdict(ALLOW)
    reasons: list[dict[str, str]] = []

    def consider(result: Verdict) -> bool:
        nonlocal verdict
        if result.allowed:
            return False
        reasons.append({"code": result.code or "rule", "reason": result.reason[:REASON_MAX_LENGTH]})
        if SEVERITY[result.action] > SEVERITY[verdict.action]:
            verdict = result
        return result.blocked

    stopped = False
    for _name, rule in moderation_rules.items():
        if consider(rule(text, context)):
            stopped = True
            break
    if not stopped:
        consider(classify(text, context))
    if verdict.allowed:
        return verdict
    return Verdict(verdict.action, verdict.reason, verdict.code, tuple(reasons))


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_MAX_LENGTH else text[: EXCERPT_MAX_LENGTH - 1] + "…"


def _summary(reasons: list[dict]) -> str:
    return "; ".join(item.get("reason", "") for item in reasons)[:REASON_MAX_LENGTH]


def _kind(name: str):
    return moderation_kinds.get(name)  # LookupError: a programming error


def _open_case(*, kind, object_id, author, organization, scope, text, action, reasons):
    """The object's open case, locked, with ``reasons`` added (created if none)."""
    object_id = str(object_id)[:OBJECT_ID_MAX_LENGTH]
    scope = (scope or "")[:SCOPE_MAX_LENGTH]
    existing = (
        ModerationCase.objects.select_for_update()
        .filter(kind=kind, object_id=object_id, status=CaseStatus.OPEN)
        .first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                return ModerationCase.objects.create(
                    kind=kind,
                    object_id=object_id,
                    organization=organization,
                    scope=scope,
                    author=author,
                    excerpt=_excerpt(text),
                    action=action,
                    reasons=reasons,
                ), True
        except IntegrityError:  # opened meanwhile by another transaction: join it
            existing = (
                ModerationCase.objects.select_for_update()
                .filter(kind=kind, object_id=object_id, status=CaseStatus.OPEN)
                .first()
            )
            if existing is None:
                raise
    known = {(item.get("code"), item.get("reason")) for item in existing.reasons}
    added = [item for item in reasons if (item.get("code"), item.get("reason")) not in known]
    fields = ["updated_at"]
    if added:
        existing.reasons = [*existing.reasons, *added]
        fields.append("reasons")
    if text and _excerpt(text) != existing.excerpt:
        existing.excerpt = _excerpt(text)
        fields.append("excerpt")
    if action == CaseAction.BLOCK and existing.action != CaseAction.BLOCK:
        existing.action = action
        fields.append("action")
    existing.save(update_fields=fields)
    return existing, bool(added)


def _log(
    action, *, case=None, kind, object_id="", organization=None, actor=None, reason="", text=""
):
    return ModerationLogEntry.objects.create(
        case=case,
        kind=kind,
        object_id=str(object_id or "")[:OBJECT_ID_MAX_LENGTH],
        organization=organization,
        actor=actor,
        action=action,
        reason=(reason or "")[:2000],
        excerpt=_excerpt(text),
    )


@transaction.atomic
def record_flag(
    verdict: Verdict,
    *,
    kind: str,
    object_id,
    author,
    organization=None,
    scope: str = "",
    text: str = "",
) -> ModerationCase | None:
    """The product stored ``object_id`` flagged by ``verdict``: its open case (opened, or
    joined with the new reasons; logged ``flagged`` when something was new). An allowed
    verdict records nothing."""
    _kind(kind)
    if verdict.allowed:
        return None
    reasons = verdict.reason_list()
    case, changed = _open_case(
        kind=kind,
        object_id=object_id,
        author=author,
        organization=organization,
        scope=scope,
        text=text,
        action=CaseAction.BLOCK if verdict.blocked else CaseAction.FLAG,
        reasons=reasons,
    )
    if changed:
        _log(
            LogAction.FLAGGED,
            case=case,
            kind=kind,
            object_id=object_id,
            organization=organization,
            actor=author,
            reason=_summary(reasons),
            text=text,
        )
    return case


@transaction.atomic
def record_block(
    verdict: Verdict,
    *,
    kind: str,
    author,
    object_id="",
    organization=None,
    scope: str = "",
    text: str = "",
) -> ModerationLogEntry:
    """A blocked text was refused (and not stored): the log keeps the attempt."""
    _kind(kind)
    return _log(
        LogAction.BLOCKED,
        kind=kind,
        object_id=object_id,
        organization=organization,
        actor=author,
        reason=_summary(verdict.reason_list()),
        text=text,
    )


def _reports_per_hour() -> int:
    return getattr(settings, "MODERATION_REPORTS_PER_HOUR", None) or 30


@transaction.atomic
def report(
    user,
    *,
    kind: str,
    object_id,
    organization=None,
    scope: str = "",
    text: str = "",
    reason: str = "",
    author=None,
) -> ModerationCase:
    """``user`` reports content (the product checked they may see it): its open case,
    opened or joined; a second report by the same user on the same open case changes
    nothing. At most ``MODERATION_REPORTS_PER_HOUR`` (30) reports per user and hour
    (429 ``throttled``)."""
    _kind(kind)
    hour = int(timezone.now().timestamp() // 3600)
    if count(f"moderation:reports:{user.pk}:{hour}", 3700) > _reports_per_hour():
        raise TooManyReports(_("You have reported too much content. Try again later."))
    reason = (reason or "").strip()[:REASON_MAX_LENGTH]
    object_id = str(object_id)[:OBJECT_ID_MAX_LENGTH]
    current = (
        ModerationCase.objects.select_for_update()
        .filter(kind=kind, object_id=object_id, status=CaseStatus.OPEN)
        .first()
    )
    if (
        current is not None
        and ModerationLogEntry.objects.filter(
            case=current, actor=user, action=LogAction.REPORTED
        ).exists()
    ):
        return current  # reported by them already
    item = {"code": "report", "reason": reason or "reported"}
    case, _changed = _open_case(
        kind=kind,
        object_id=object_id,
        author=author,
        organization=organization,
        scope=scope,
        text=text,
        action=CaseAction.FLAG,
        reasons=[item],
    )
    ModerationCase.objects.filter(pk=case.pk).update(reports=F("reports") + 1)
    case.refresh_from_db(fields=["reports"])
    _log(
        LogAction.REPORTED,
        case=case,
        kind=kind,
        object_id=object_id,
        organization=organization,
        actor=user,
        reason=reason,
        text=text,
    )
    return case


def _decide(user, case_id, note: str, status: str) -> ModerationCase:
    case = case_for(user=user, case_id=case_id, lock=True)
    if case.status != CaseStatus.OPEN:
        raise Conflict(
            _("This case was already decided."), code=ModerationError.CASE_ALREADY_DECIDED
        )
    note = (note or "").strip()[:NOTE_MAX_LENGTH]
    kind = kind_of(case.kind)
    if status == CaseStatus.REMOVED:
        if kind is not None:
            kind.on_remove(case.object_id)
    elif kind is not None and kind.on_restore is not None:
        kind.on_restore(case.object_id)
    case.status = status
    case.decided_at = timezone.now()
    case.decided_by = user
    case.note = note
    case.save(update_fields=["status", "decided_at", "decided_by", "note", "updated_at"])
    action = LogAction.REMOVED if status == CaseStatus.REMOVED else LogAction.APPROVED
    _log(
        action,
        case=case,
        kind=case.kind,
        object_id=case.object_id,
        organization=case.organization,
        actor=user,
        reason=note,
    )
    return case


@transaction.atomic
def case_approve(*, user, case_id, note: str = "") -> ModerationCase:
    """Keep the content (the kind's ``on_restore``, if any, shows it again)."""
    return _decide(user, case_id, note, CaseStatus.APPROVED)


@transaction.atomic
def case_remove(*, user, case_id, note: str = "") -> ModerationCase:
    """Remove the content: the kind's ``on_remove``, in this transaction."""
    return _decide(user, case_id, note, CaseStatus.REMOVED)


def approve(user, case_id, note: str = "") -> ModerationCase:
    return case_approve(user=user, case_id=case_id, note=note)


def remove(user, case_id, note: str = "") -> ModerationCase:
    return case_remove(user=user, case_id=case_id, note=note)


__all__ = [
    "BLOCK",
    "FLAG",
    "approve",
    "case_approve",
    "case_remove",
    "check",
    "record_block",
    "record_flag",
    "remove",
    "report",
]
