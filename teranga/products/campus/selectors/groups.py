"""Groups and clubs: who may see or act on a group, its posts and comments — the one place
the groups part checks it.

* A public group is seen by every signed-in user; a private one by its members only:
  to anyone else it, its members, posts and comments are 404 ``group_not_found`` (or
  ``post_not_found`` / ``comment_not_found``), never acknowledged.
* Acting in a group needs a membership (403 ``not_a_member`` in a public group) and, for
  moderation, a role: admin > moderator > member (403 ``group_role_too_low``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid

from ..errors import CampusError
from ..models import (
    CampusGroup,
    GroupComment,
    GroupJoinRequest,
    GroupMembership,
    GroupPost,
    GroupReaction,
    GroupRole,
    GroupVisibility,
    JoinRequestStatus,
    Reaction,
)

#: A role's rank: a higher rank may do what a lower one does.
ROLE_RANK = {GroupRole.MEMBER: 1, GroupRole.MODERATOR: 2, GroupRole.ADMIN: 3}


def role_at_least(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]


def group_not_found() -> NotFound:
    return NotFound(_("No such group."), code=CampusError.GROUP_NOT_FOUND)


def post_not_found() -> NotFound:
    return NotFound(_("No such post."), code=CampusError.POST_NOT_FOUND)


def comment_not_found() -> NotFound:
    return NotFound(_("No such comment."), code=CampusError.COMMENT_NOT_FOUND)


def role_too_low() -> Forbidden:
    return Forbidden(
        _("Your role in this group does not allow this."), code=CampusError.GROUP_ROLE_TOO_LOW
    )


def not_a_member() -> Forbidden:
    return Forbidden(_("Join the group first."), code=CampusError.NOT_A_MEMBER)


def _my_role(user):
    return Subquery(
        GroupMembership.objects.filter(group=OuterRef("pk"), user=user).values("role")[:1]
    )


def _visible_q(user) -> Q:
    member = Exists(GroupMembership.objects.filter(group=OuterRef("pk"), user=user))
    return Q(visibility=GroupVisibility.PUBLIC) | Q(member)


def visible_groups(
    *, user, q: str = "", university_id=None, mine: bool | None = None
) -> QuerySet[CampusGroup]:
    """Public groups and ``user``'s private ones (``mine``: only those ``user`` is a
    member of), newest first, each with ``my_role`` (``None``: not a member) and the
    ``pending_request`` flag."""
    queryset = CampusGroup.objects.filter(_visible_q(user)).annotate(
        my_role=_my_role(user),
        pending_request=Exists(
            GroupJoinRequest.objects.filter(
                group=OuterRef("pk"), user=user, status=JoinRequestStatus.PENDING
            )
        ),
    )
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if university_id is not None:
        queryset = queryset.filter(university_id=university_id)
    if mine:
        queryset = queryset.filter(my_role__isnull=False)
    return queryset.select_related("university", "organizer").order_by("-created_at", "-id")


def group_for_viewer(*, user, group_id, lock: bool = False) -> CampusGroup:
    """The group ``group_id`` as anyone signed in may see it (its name and description,
    so that a private group found by its link can be asked to join), with ``my_role``
    (``None``: not a member), ``membership`` and ``pending_request``; 404 when missing.
    ``lock`` takes its row lock (inside the caller's transaction)."""
    key = parse_uuid(group_id)
    if key is None or user is None or not user.is_authenticated:
        raise group_not_found()
    base = CampusGroup.objects.select_related("university", "organizer")
    if lock:
        base = base.select_for_update(of=("self",))
    group = base.filter(pk=key).first()
    if group is None:
        raise group_not_found()
    membership = GroupMembership.objects.filter(group=group, user=user).first()
    group.membership = membership
    group.my_role = membership.role if membership else None
    group.pending_request = (
        membership is None
        and GroupJoinRequest.objects.filter(
            group=group, user=user, status=JoinRequestStatus.PENDING
        ).exists()
    )
    return group


def group_for_reader(*, user, group_id, lock: bool = False) -> CampusGroup:
    """The group if ``user`` may read its content (members, posts, comments): a public
    group, or a private one they are a member of; 404 ``group_not_found`` otherwise."""
    group = group_for_viewer(user=user, group_id=group_id, lock=lock)
    if group.my_role is None and group.visibility != GroupVisibility.PUBLIC:
        raise group_not_found()
    return group


def group_for_role(*, user, group_id, role: str = GroupRole.MEMBER, lock: bool = False):
    """The group if ``user`` is a member with at least ``role``: 404 when they may not
    read it, 403 ``not_a_member`` / ``group_role_too_low`` otherwise."""
    group = group_for_reader(user=user, group_id=group_id, lock=lock)
    if group.my_role is None:
        raise not_a_member()
    if not role_at_least(group.my_role, role):
        raise role_too_low()
    return group


def group_members(*, group: CampusGroup) -> QuerySet[GroupMembership]:
    """Admins first, then moderators, then members; oldest first in each."""
    from django.db.models import Case, IntegerField, Value, When

    order = Case(
        *(When(role=role, then=Value(-rank)) for role, rank in ROLE_RANK.items()),
        output_field=IntegerField(),
    )
    return (
        GroupMembership.objects.filter(group=group)
        .select_related("user")
        .annotate(role_order=order)
        .order_by("role_order", "created_at", "id")
    )


def group_join_requests(*, group: CampusGroup) -> QuerySet[GroupJoinRequest]:
    """The pending join requests, oldest first."""
    return (
        GroupJoinRequest.objects.filter(group=group, status=JoinRequestStatus.PENDING)
        .select_related("user")
        .order_by("created_at", "id")
    )


def group_posts(*, group: CampusGroup) -> QuerySet[GroupPost]:
    """The group's feed (the cursor paginator orders it newest first)."""
    return GroupPost.objects.filter(group=group).select_related("author")


def post_for_viewer(*, user, post_id, lock: bool = False) -> GroupPost:
    """The post ``post_id`` if ``user`` may see its group (``post.group.my_role`` set);
    404 ``post_not_found`` otherwise."""
    key = parse_uuid(post_id)
    if key is None or user is None or not user.is_authenticated:
        raise post_not_found()
    base = GroupPost.objects.select_related("group", "author")
    if lock:
        base = base.select_for_update(of=("self",))
    post = base.filter(pk=key).first()
    if post is None:
        raise post_not_found()
    membership = GroupMembership.objects.filter(group_id=post.group_id, user=user).first()
    post.group.my_role = membership.role if membership else None
    if membership is None and post.group.visibility != GroupVisibility.PUBLIC:
        raise post_not_found()
    return post


def comment_for_viewer(*, user, comment_id) -> GroupComment:
    """The comment ``comment_id`` if ``user`` may see its group (``comment.my_role``)."""
    key = parse_uuid(comment_id)
    if key is None or user is None or not user.is_authenticated:
        raise comment_not_found()
    comment = GroupComment.objects.select_related("post__group", "author").filter(pk=key).first()
    if comment is None:
        raise comment_not_found()
    group = comment.post.group
    membership = GroupMembership.objects.filter(group=group, user=user).first()
    comment.my_role = membership.role if membership else None
    if membership is None and group.visibility != GroupVisibility.PUBLIC:
        raise comment_not_found()
    return comment


def post_comments(*, post: GroupPost) -> QuerySet[GroupComment]:
    return GroupComment.objects.filter(post=post).select_related("author")


def attach_post_stats(posts: Iterable[GroupPost], *, user) -> list[GroupPost]:
    """Set ``reaction_counts`` (every emoji, 0 included), ``reactions_total``,
    ``comments_count`` and ``my_reaction`` on each post: three queries for any number of
    posts."""
    posts = list(posts)
    ids = [post.pk for post in posts]
    counts: dict = defaultdict(dict)
    mine: dict = {}
    comments: dict = {}
    if ids:
        rows = (
            GroupReaction.objects.filter(post_id__in=ids)
            .order_by()
            .values("post_id", "emoji")
            .annotate(n=Count("id"))
        )
        for row in rows:
            counts[row["post_id"]][row["emoji"]] = row["n"]
        mine = dict(
            GroupReaction.objects.filter(post_id__in=ids, user=user).values_list("post_id", "emoji")
        )
        comments = dict(
            GroupComment.objects.filter(post_id__in=ids)
            .order_by()
            .values("post_id")
            .annotate(n=Count("id"))
            .values_list("post_id", "n")
        )
    for post in posts:
        per_emoji = counts.get(post.pk, {})
        post.reaction_counts = {emoji: per_emoji.get(emoji, 0) for emoji in Reaction.values}
        post.reactions_total = sum(post.reaction_counts.values())
        post.my_reaction = mine.get(post.pk)
        post.comments_count = comments.get(post.pk, 0)
    return posts
