"""Campus texts through the platform's moderation (``teranga.platform.moderation``).

Every text people publish in Campus is checked by ``moderation.services.check`` with its
kind (the kinds are registered in ``moderation_kinds``):

* ``campus.group_post`` and ``campus.group_comment`` (scope ``campus.group:<group hex>``,
  organisation: a club's organiser organisation);
* ``campus.review`` (the review's comment and the organiser's reply; organisation: the
  event's organiser);
* ``campus.event`` (an event's title and description; organisation: the organiser;
  checked with no author, so the rate and repeated-content counters, which count one
  person's writing, leave an organiser's edits alone).

A **block** refuses the text: the service raises :class:`ContentBlocked` inside its
transaction and :func:`moderated` (around the atomic service) logs the attempt with
``record_block`` once that transaction has rolled back, then answers 400
``content_blocked`` with the field's error. A **flag** stores the text and
:func:`flag_record` opens (or joins) the object's case in the same transaction.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed
from teranga.platform.moderation.extensions import Verdict
from teranga.platform.moderation.services import check, record_block, record_flag

from ..errors import CampusError
from .richtext import plain_text

POST_KIND = "campus.group_post"
COMMENT_KIND = "campus.group_comment"
REVIEW_KIND = "campus.review"
EVENT_KIND = "campus.event"

_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def group_scope(group_id) -> str:
    """The scope of a group's posts and comments (the key ``moderation_kinds`` matches
    the group's moderators on: the id's hex form, the same on SQLite and PostgreSQL)."""
    return f"campus.group:{getattr(group_id, 'hex', str(group_id).replace('-', ''))}"


def event_scope(event_id) -> str:
    return f"campus.event:{getattr(event_id, 'hex', str(event_id).replace('-', ''))}"


def rich_text_plain(value: str) -> str:
    """What people read in sanitised HTML: its text, then its links' addresses (so that
    the link rules see them)."""
    text = plain_text(value)
    links = _HREF.findall(value or "")
    return "\n".join([text.strip(), *links]).strip()


class ContentBlocked(Exception):
    """A blocked text, raised inside the service's transaction (which it rolls back);
    :func:`moderated` logs it afterwards and answers 400 ``content_blocked``."""

    def __init__(self, verdict: Verdict, *, field: str, record: dict[str, Any]) -> None:
        super().__init__(verdict.reason)
        self.verdict, self.field, self.record = verdict, field, record

    def error(self) -> ValidationFailed:
        message = _("This text breaks the community rules and was not published.")
        return ValidationFailed(
            message, code=CampusError.CONTENT_BLOCKED, fields={self.field: [message]}
        )


def text_check(
    text: str,
    *,
    kind: str,
    field: str,
    author,
    organization=None,
    scope: str = "",
    object_id="",
    checked_author: Any = ...,
) -> Verdict:
    """The platform's verdict on ``text``; a block raises :class:`ContentBlocked`
    (``checked_author``: who the rate and repeat rules count, ``author`` by default)."""
    verdict = check(
        text,
        kind=kind,
        author=author if checked_author is ... else checked_author,
        organization=organization,
        scope=scope,
    )
    if verdict.blocked:
        raise ContentBlocked(
            verdict,
            field=field,
            record={
                "kind": kind,
                "author": author,
                "object_id": str(object_id or ""),
                "organization": organization,
                "scope": scope,
                "text": text,
            },
        )
    return verdict


def flag_record(
    verdict: Verdict, *, kind: str, object_id, author, organization=None, scope="", text=""
) -> None:
    """A stored flagged text opens (or joins) its object's case, in the caller's
    transaction; an allowed one records nothing."""
    if verdict.flagged:
        record_flag(
            verdict,
            kind=kind,
            object_id=str(object_id),
            author=author,
            organization=organization,
            scope=scope,
            text=text,
        )


def moderated(service: Callable) -> Callable:
    """Around an atomic service: a :class:`ContentBlocked` it raised is logged (the
    service's transaction has rolled back) and answered 400 ``content_blocked``."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except ContentBlocked as blocked:
            record_block(blocked.verdict, **blocked.record)
            raise blocked.error() from None

    return wrapper
