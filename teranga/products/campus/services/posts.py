"""Posts of a group, their comments and reactions.

Texts are plain text: markup is removed (nh3 with no tag allowed, entities decoded),
control characters other than new lines and tabs are dropped, and the length is capped
by the model's limits (``teranga.core.limits``).

**Moderation.** Posts and comments pass the checks of the platform's moderation registry
(``messaging.extensions.moderation_functions``: the keyword lists and whatever products
register), as chat messages do. Messaging offers no public service that runs the
registry on a text that is not a message, so :func:`content_moderate` runs the
registered functions itself (in name order, the most severe verdict wins): a ``block``
refuses the text (400 ``content_blocked``, nothing stored), a ``flag`` stores it marked
``flagged`` with the reason, for review in the admin.

Members write (403 ``not_a_member`` otherwise); a post's author edits it; its author, or
the group's moderators and admins, delete a post or a comment. One reaction per user and
post: putting another emoji replaces it.
"""

from __future__ import annotations

import html
import re

import nh3
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.platform.messaging.extensions import Verdict, moderation_functions

from ..errors import CampusError
from ..models import GroupComment, GroupPost, GroupReaction, GroupRole
from ..models.groups import MODERATION_REASON_MAX_LENGTH
from ..selectors.groups import (
    comment_for_viewer,
    group_for_role,
    not_a_member,
    post_for_viewer,
    role_at_least,
    role_too_low,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SEVERITY = {"allow": 0, "flag": 1, "block": 2}


def plain_text(value: str) -> str:
    """``value`` as plain text: no markup, no control characters, trimmed."""
    cleaned = nh3.clean(value or "", tags=set(), clean_content_tags={"script", "style"})
    return _CONTROL.sub("", html.unescape(cleaned)).strip()


def content_moderate(text: str, *, sender) -> Verdict:
    """The verdict of every registered moderation function on ``text`` (the most severe;
    the first of equals)."""
    verdict = Verdict()
    if not text:
        return verdict
    for name in moderation_functions.names():
        result = moderation_functions.get(name)(text, conversation=None, sender=sender)
        if _SEVERITY[result.action] > _SEVERITY[verdict.action]:
            verdict = result
            if verdict.blocked:
                break
    return verdict


def _checked(text: str, *, sender, field: str = "text") -> tuple[str, Verdict]:
    text = plain_text(text)
    if not text:
        message = _("This field may not be blank.")
        raise ValidationFailed(message, fields={field: [message]})
    verdict = content_moderate(text, sender=sender)
    if verdict.blocked:
        message = _("This text breaks the community rules and was not published.")
        raise ValidationFailed(message, code=CampusError.CONTENT_BLOCKED, fields={field: [message]})
    return text, verdict


def _reason(verdict: Verdict) -> str:
    return verdict.reason[:MODERATION_REASON_MAX_LENGTH] if verdict.flagged else ""


# --- Posts -------------------------------------------------------------------------------


@transaction.atomic
def post_create(*, user, group_id, text: str) -> GroupPost:
    """A new post in a group (its members)."""
    group = group_for_role(user=user, group_id=group_id)
    text, verdict = _checked(text, sender=user)
    post = GroupPost.objects.create(
        group=group,
        author=user,
        text=text,
        flagged=verdict.flagged,
        moderation_reason=_reason(verdict),
    )
    post.group.my_role = group.my_role
    return post


@transaction.atomic
def post_update(*, user, post_id, text: str) -> GroupPost:
    """Edit one's own post (anyone else: 404 ``post_not_found`` — or 403 for a member
    of the group who is not its author)."""
    post = post_for_viewer(user=user, post_id=post_id, lock=True)
    if post.author_id != user.pk:
        if post.group.my_role is None:
            raise not_a_member()
        raise role_too_low()
    text, verdict = _checked(text, sender=user)
    post.text = text
    post.flagged = verdict.flagged
    post.moderation_reason = _reason(verdict)
    post.edited_at = timezone.now()
    post.save(update_fields=["text", "flagged", "moderation_reason", "edited_at", "updated_at"])
    return post


@transaction.atomic
def post_delete(*, user, post_id) -> None:
    """Delete a post: its author, or the group's moderators and admins."""
    post = post_for_viewer(user=user, post_id=post_id, lock=True)
    if post.author_id != user.pk:
        if post.group.my_role is None:
            raise not_a_member()
        if not role_at_least(post.group.my_role, GroupRole.MODERATOR):
            raise role_too_low()
    post.delete()


# --- Comments ----------------------------------------------------------------------------


@transaction.atomic
def comment_create(*, user, post_id, text: str) -> GroupComment:
    """Comment on a post (members of its group)."""
    post = post_for_viewer(user=user, post_id=post_id)
    if post.group.my_role is None:
        raise not_a_member()
    text, verdict = _checked(text, sender=user)
    return GroupComment.objects.create(
        post=post,
        author=user,
        text=text,
        flagged=verdict.flagged,
        moderation_reason=_reason(verdict),
    )


@transaction.atomic
def comment_delete(*, user, comment_id) -> None:
    """Delete a comment: its author, or the group's moderators and admins."""
    comment = comment_for_viewer(user=user, comment_id=comment_id)
    if comment.author_id != user.pk:
        if comment.my_role is None:
            raise not_a_member()
        if not role_at_least(comment.my_role, GroupRole.MODERATOR):
            raise role_too_low()
    comment.delete()


# --- Reactions ---------------------------------------------------------------------------


@transaction.atomic
def reaction_set(*, user, post_id, emoji: str) -> tuple[GroupPost, bool]:
    """React to a post with ``emoji`` (members), replacing one's earlier reaction;
    created is False when one existed."""
    post = post_for_viewer(user=user, post_id=post_id)
    if post.group.my_role is None:
        raise not_a_member()
    updated = GroupReaction.objects.filter(post=post, user=user).update(
        emoji=emoji, updated_at=timezone.now()
    )
    if updated:
        return post, False
    try:
        with transaction.atomic():
            GroupReaction.objects.create(post=post, user=user, emoji=emoji)
    except IntegrityError:  # the same user reacted at the same moment
        GroupReaction.objects.filter(post=post, user=user).update(
            emoji=emoji, updated_at=timezone.now()
        )
        return post, False
    return post, True


@transaction.atomic
def reaction_delete(*, user, post_id) -> GroupPost:
    """Take back one's reaction; 404 ``reaction_not_found`` when there is none."""
    post = post_for_viewer(user=user, post_id=post_id)
    deleted, _rows = GroupReaction.objects.filter(post=post, user=user).delete()
    if not deleted:
        if post.group.my_role is None:
            raise not_a_member()
        raise NotFound(_("You have not reacted to this post."), code=CampusError.REACTION_NOT_FOUND)
    return post
