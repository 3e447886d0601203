"""Posts of a group, their comments and reactions.

Texts are plain text: markup is removed (nh3 with no tag allowed, entities decoded),
control characters other than new lines and tabs are dropped, and the length is capped
by the model's limits (``teranga.core.limits``).

**Moderation.** Posts and comments pass the platform's moderation checks
(``moderation.services.check``, kinds ``campus.group_post`` and ``campus.group_comment``,
scope the group, organisation a club's organiser; see ``services.moderation``): a
``block`` refuses the text (400 ``content_blocked``, nothing stored, the attempt in the
moderation log), a ``flag`` stores it marked ``flagged`` with the reason and opens a case
in the same transaction, which the group's admins and moderators (and the owners and
admins of a club's organiser) decide in the moderation queue (``moderation_kinds``):
removing deletes it as a moderator's delete does, approving clears the flag.

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
from teranga.platform.moderation.extensions import Verdict

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
from .moderation import (
    COMMENT_KIND,
    POST_KIND,
    flag_record,
    group_scope,
    moderated,
    text_check,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain_text(value: str) -> str:
    """``value`` as plain text: no markup, no control characters, trimmed."""
    cleaned = nh3.clean(value or "", tags=set(), clean_content_tags={"script", "style"})
    return _CONTROL.sub("", html.unescape(cleaned)).strip()


def _checked(text: str, *, sender, group, kind: str, object_id="") -> tuple[str, Verdict]:
    """The plain text and its verdict; blank: 400, blocked: :class:`ContentBlocked`."""
    text = plain_text(text)
    if not text:
        message = _("This field may not be blank.")
        raise ValidationFailed(message, fields={"text": [message]})
    verdict = text_check(
        text,
        kind=kind,
        field="text",
        author=sender,
        organization=group.organizer,
        scope=group_scope(group.pk),
        object_id=object_id,
    )
    return text, verdict


def _flag(verdict: Verdict, *, kind: str, item, group) -> None:
    flag_record(
        verdict,
        kind=kind,
        object_id=item.pk,
        author=item.author,
        organization=group.organizer,
        scope=group_scope(group.pk),
        text=item.text,
    )


def _reason(verdict: Verdict) -> str:
    return verdict.reason[:MODERATION_REASON_MAX_LENGTH] if verdict.flagged else ""


# --- Posts -------------------------------------------------------------------------------


@moderated
@transaction.atomic
def post_create(*, user, group_id, text: str) -> GroupPost:
    """A new post in a group (its members)."""
    group = group_for_role(user=user, group_id=group_id)
    text, verdict = _checked(text, sender=user, group=group, kind=POST_KIND)
    post = GroupPost.objects.create(
        group=group,
        author=user,
        text=text,
        flagged=verdict.flagged,
        moderation_reason=_reason(verdict),
    )
    _flag(verdict, kind=POST_KIND, item=post, group=group)
    post.group.my_role = group.my_role
    return post


@moderated
@transaction.atomic
def post_update(*, user, post_id, text: str) -> GroupPost:
    """Edit one's own post (anyone else: 404 ``post_not_found`` — or 403 for a member
    of the group who is not its author)."""
    post = post_for_viewer(user=user, post_id=post_id, lock=True)
    if post.author_id != user.pk:
        if post.group.my_role is None:
            raise not_a_member()
        raise role_too_low()
    text, verdict = _checked(text, sender=user, group=post.group, kind=POST_KIND, object_id=post.pk)
    post.text = text
    post.flagged = verdict.flagged
    post.moderation_reason = _reason(verdict)
    post.edited_at = timezone.now()
    post.save(update_fields=["text", "flagged", "moderation_reason", "edited_at", "updated_at"])
    _flag(verdict, kind=POST_KIND, item=post, group=post.group)
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


@moderated
@transaction.atomic
def comment_create(*, user, post_id, text: str) -> GroupComment:
    """Comment on a post (members of its group)."""
    post = post_for_viewer(user=user, post_id=post_id)
    if post.group.my_role is None:
        raise not_a_member()
    text, verdict = _checked(text, sender=user, group=post.group, kind=COMMENT_KIND)
    comment = GroupComment.objects.create(
        post=post,
        author=user,
        text=text,
        flagged=verdict.flagged,
        moderation_reason=_reason(verdict),
    )
    _flag(verdict, kind=COMMENT_KIND, item=comment, group=post.group)
    return comment


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


# --- Moderation decisions (the queue's moderation kinds) ----------------------------------


def _model_for(kind: str):
    return GroupPost if kind == POST_KIND else GroupComment


@transaction.atomic
def content_moderation_remove(*, kind: str, object_id) -> None:
    """A moderator removed a flagged post or comment (``kind``): deleted, as a
    moderator's delete does (a post's comments and reactions with it); gone already:
    nothing to do."""
    _model_for(kind).objects.filter(pk=object_id).delete()


@transaction.atomic
def content_moderation_approve(*, kind: str, object_id) -> None:
    """A moderator kept a flagged post or comment: the flag and its reason are cleared."""
    _model_for(kind).objects.filter(pk=object_id).update(
        flagged=False, moderation_reason="", updated_at=timezone.now()
    )
