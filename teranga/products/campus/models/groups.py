"""Groups and clubs: members with roles, join requests, posts with comments and reactions.

A :class:`CampusGroup` is public (anyone signed in joins at once and reads it) or private
(a join request an admin or moderator approves; its content is 404 to non-members). A
club may name its organiser organisation (of kind club). Its creator becomes its first
admin. Each group has one group conversation of the messaging module (``conversation``):
members are its participants, joining adds them, leaving or removal takes them out.

Reactions are one per user and post (changeable): one emoji of :class:`Reaction`. The
counts per emoji on a page of posts are one aggregate query over the
``(post, emoji)`` index, never one per post.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import DESCRIPTION_MAX_LENGTH, NOTE_MAX_LENGTH
from teranga.core.models import BaseModel

#: Longest group name.
GROUP_NAME_MAX_LENGTH = 120
#: Longest post (plain text) and comment.
POST_MAX_LENGTH = DESCRIPTION_MAX_LENGTH
COMMENT_MAX_LENGTH = NOTE_MAX_LENGTH
MODERATION_REASON_MAX_LENGTH = 200


class GroupKind(models.TextChoices):
    GROUP = "group", _("Group")
    CLUB = "club", _("Club")


class GroupVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


class GroupRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Reaction(models.TextChoices):
    THUMBS_UP = "👍", _("Thumbs up")
    HEART = "❤️", _("Heart")
    LAUGH = "😂", _("Laugh")
    PARTY = "🎉", _("Party")
    WOW = "😮", _("Surprised")


class CampusGroup(BaseModel):
    name = models.CharField(_("name"), max_length=GROUP_NAME_MAX_LENGTH)
    description = models.TextField(_("description"), blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    kind = models.CharField(
        _("kind"), max_length=10, choices=GroupKind.choices, default=GroupKind.GROUP
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=GroupVisibility.choices,
        default=GroupVisibility.PUBLIC,
    )
    university = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campus_university_groups",
        verbose_name=_("university"),
        limit_choices_to={"kind": "university"},
    )
    #: A club's organiser organisation (of kind club), if the club is tied to one.
    organizer = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campus_club_groups",
        verbose_name=_("organiser"),
        limit_choices_to={"kind": "club"},
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    #: The group's chat (a group conversation of the messaging module).
    conversation = models.ForeignKey(
        "messaging.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("conversation"),
    )
    #: Members (kept by the membership services in the same transaction).
    members_count = models.PositiveIntegerField(_("members"), default=0)

    class Meta(BaseModel.Meta):
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        indexes = [
            models.Index(fields=["visibility", "created_at"], name="campus_group_list_idx"),
            models.Index(
                fields=["university", "visibility", "created_at"], name="campus_group_univ_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class GroupMembership(BaseModel):
    group = models.ForeignKey(CampusGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_group_memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=GroupRole.choices, default=GroupRole.MEMBER
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="campus_group_member_unique")
        ]
        indexes = [
            models.Index(fields=["user", "group"], name="campus_group_member_user_idx"),
            models.Index(fields=["group", "role"], name="campus_group_member_role_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} ({self.role})"


class GroupJoinRequest(BaseModel):
    group = models.ForeignKey(CampusGroup, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_join_requests"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=JoinRequestStatus.choices,
        default=JoinRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=Q(status="pending"),
                name="campus_join_request_one_pending",
            )
        ]
        indexes = [
            models.Index(fields=["group", "status", "created_at"], name="campus_join_req_group_idx")
        ]


class GroupPost(BaseModel):
    group = models.ForeignKey(CampusGroup, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_group_posts"
    )
    #: Plain text (control characters removed), checked by the platform's moderation.
    text = models.TextField(_("text"), max_length=POST_MAX_LENGTH)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    #: Flagged by the moderation checks: shown, with a case in the moderation queue
    #: (approving it clears the flag, removing it deletes the post).
    flagged = models.BooleanField(_("flagged"), default=False)
    moderation_reason = models.CharField(
        _("moderation reason"), max_length=MODERATION_REASON_MAX_LENGTH, blank=True
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("group post")
        verbose_name_plural = _("group posts")
        indexes = [models.Index(fields=["group", "created_at"], name="campus_post_group_idx")]

    def __str__(self) -> str:
        return self.text[:50]


class GroupComment(BaseModel):
    post = models.ForeignKey(GroupPost, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_group_comments"
    )
    text = models.TextField(_("text"), max_length=COMMENT_MAX_LENGTH)
    flagged = models.BooleanField(_("flagged"), default=False)
    moderation_reason = models.CharField(
        _("moderation reason"), max_length=MODERATION_REASON_MAX_LENGTH, blank=True
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["post", "created_at"], name="campus_comment_post_idx")]

    def __str__(self) -> str:
        return self.text[:50]


class GroupReaction(BaseModel):
    post = models.ForeignKey(GroupPost, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_group_reactions"
    )
    emoji = models.CharField(_("emoji"), max_length=8, choices=Reaction.choices)

    class Meta(BaseModel.Meta):
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["post", "user"], name="campus_reaction_once")
        ]
        indexes = [models.Index(fields=["post", "emoji"], name="campus_reaction_post_idx")]
