"""The terms staff add in the admin (:class:`~.models.ModerationTerm`), merged with the
built-in lists by the keyword and pattern rules.

They are read once per process and kept, with the version they were read at. The version
is a key in the Django cache, replaced on every save or delete of a term: each process
compares it on every check (one cache read) and reads the terms again when it changed.
With Redis (``REDIS_URL``) every process sees a change at once; the embedded default's
local-memory cache is the one process's own.
"""

from __future__ import annotations

import logging
import re
import threading
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import CaseAction, ModerationTerm, TermKind

logger = logging.getLogger(__name__)

VERSION_KEY = "moderation:terms:version"


@dataclass(frozen=True)
class Terms:
    blocked_words: tuple[str, ...] = ()
    flagged_words: tuple[str, ...] = ()
    blocked_patterns: tuple[re.Pattern, ...] = field(default=())
    flagged_patterns: tuple[re.Pattern, ...] = field(default=())


_local = threading.Lock()
_loaded: dict[str, object] = {"version": None, "terms": Terms()}


def _read() -> Terms:
    words: dict[str, list[str]] = {CaseAction.BLOCK: [], CaseAction.FLAG: []}
    patterns: dict[str, list[re.Pattern]] = {CaseAction.BLOCK: [], CaseAction.FLAG: []}
    rows = ModerationTerm.objects.filter(active=True).values_list("term", "kind", "action")
    for term, kind, action in rows:
        if kind == TermKind.REGEX:
            try:
                patterns[action].append(re.compile(term, re.IGNORECASE))
            except re.error:
                logger.warning("Moderation term skipped: not a valid regular expression.")
        else:
            words[action].append(term)
    return Terms(
        blocked_words=tuple(sorted(words[CaseAction.BLOCK])),
        flagged_words=tuple(sorted(words[CaseAction.FLAG])),
        blocked_patterns=tuple(patterns[CaseAction.BLOCK]),
        flagged_patterns=tuple(patterns[CaseAction.FLAG]),
    )


def current_terms() -> Terms:
    """The active staff terms, read again only when their version changed."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    with _local:
        if _loaded["version"] == version and version is not None:
            return _loaded["terms"]  # type: ignore[return-value]
    terms = _read()
    with _local:
        _loaded["version"], _loaded["terms"] = version, terms
    return terms


def terms_changed() -> None:
    """Every process reads the terms again on its next check."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


@receiver(post_save, sender=ModerationTerm, dispatch_uid="moderation_terms_saved")
@receiver(post_delete, sender=ModerationTerm, dispatch_uid="moderation_terms_deleted")
def _term_changed(sender, **kwargs) -> None:
    # Now (this process and the others see it at once), and again after commit: a process
    # that read the terms before the commit then reads them once more.
    terms_changed()
    transaction.on_commit(terms_changed)
