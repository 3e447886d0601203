"""Conversations between people: private (1:1), groups, and support conversations
between a user and an organisation's support agents (seed 000 §2, seed 004).

Messages are numbered per conversation (``seq``, gapless, taken under the
conversation's row lock): unread counts come from each participant's ``last_read_seq``,
and a reconnecting WebSocket client asks for what it missed since a sequence number.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.limits import MESSAGE_MAX_LENGTH, NOTE_MAX_LENGTH
from teranga.core.models import BaseModel


class ConversationKind(models.TextChoices):
    PRIVATE = "private", _("Private")
    GROUP = "group", _("Group")
    SUPPORT = "support", _("Support")


class Conversation(BaseModel):
    kind = models.CharField(_("kind"), max_length=10, choices=ConversationKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    #: Support conversations: the organisation whose agents answer.
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    #: Private conversations: the two user ids, sorted, so a pair has one conversation.
    private_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    last_seq = models.PositiveBigIntegerField(_("last message number"), default=0)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    #: Support: closed by an agent (a new message reopens it).
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="support", organization__isnull=False) | ~Q(kind="support"),
                name="msg_support_has_organization",
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "kind", "-last_message_at"], name="msg_conv_org_inbox_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.kind} {self.pk}"

    @property
    def group_name(self) -> str:
        return f"chat.{uuid.UUID(str(self.pk)).hex}"


class ParticipantRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")
    AGENT = "agent", _("Support agent")


class Participant(BaseModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER
    )
    last_read_seq = models.PositiveBigIntegerField(_("last read message"), default=0)
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    muted = models.BooleanField(_("muted"), default=False)

    class Meta(BaseModel.Meta):
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="msg_participant_unique")
        ]
        indexes = [models.Index(fields=["user", "left_at"], name="msg_participant_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id} ({self.role})"


class MessageKind(models.TextChoices):
    TEXT = "text", _("Text")
    SYSTEM = "system", _("System")
    AUTO_REPLY = "auto_reply", _("Automatic reply")


class ModerationStatus(models.TextChoices):
    OK = "ok", _("OK")
    FLAGGED = "flagged", _("Flagged for review")


class Message(BaseModel):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField(_("number"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages_sent",
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=MessageKind.choices, default=MessageKind.TEXT
    )
    body = models.TextField(_("body"), blank=True, max_length=MESSAGE_MAX_LENGTH)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    moderation = models.CharField(
        _("moderation"),
        max_length=10,
        choices=ModerationStatus.choices,
        default=ModerationStatus.OK,
    )
    moderation_reason = models.CharField(max_length=200, blank=True)
    #: The client's id for the message (retries of the same send are one message).
    client_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="msg_message_seq_unique"),
            models.UniqueConstraint(
                fields=["conversation", "sender", "client_id"],
                condition=~Q(client_id=""),
                name="msg_message_client_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id}#{self.seq}"


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class GroupInvitation(BaseModel):
    """An invitation to a group, for someone the adder shares no organisation and no
    conversation with (issue 15: nobody is put into a group without consent). Until the
    invitee accepts, they are not a participant: they see neither the messages nor the
    conversation in their inbox. One row per (group, person); a new invitation reuses it.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=ParticipantRole.choices, default=ParticipantRole.MEMBER
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("group invitation")
        verbose_name_plural = _("group invitations")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="msg_invitation_unique")
        ]
        indexes = [models.Index(fields=["user", "status"], name="msg_invitation_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} to {self.conversation_id} ({self.status})"


class Block(BaseModel):
    """``blocker`` blocked ``blocked``: neither starts a private conversation with the
    other nor adds or invites the other to a group, their private conversation takes no
    new message either way, and the blocker is not notified of the blocked person's
    messages in the groups they share."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="msg_block_unique"),
            models.CheckConstraint(
                condition=~Q(blocker=models.F("blocked")), name="msg_block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="msg_block_blocked_idx")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # attachment_check names every file by its checked format (teranga.core.images).
    from teranga.core.images import stored_extension

    folder = f"messaging/{instance.message.conversation_id}"
    return f"{folder}/{uuid.uuid4().hex}{stored_extension(filename)}"


class Attachment(BaseModel):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))

    class Meta(BaseModel.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class SupportSettings(BaseModel):
    """An organisation's support desk: business hours, the automatic reply outside them,
    and the external channels the website widget shows."""

    organization = models.OneToOneField(
        "organizations.Organization", on_delete=models.CASCADE, related_name="support_settings"
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    #: ``[{"weekday": 0-6, "opens": "09:00", "closes": "18:00"}, …]`` in the
    #: organisation's time zone.
    business_hours = models.JSONField(_("business hours"), default=list, blank=True)
    auto_reply = models.TextField(
        _("automatic reply outside business hours"), blank=True, max_length=NOTE_MAX_LENGTH
    )
    welcome_message = models.CharField(_("welcome message"), max_length=300, blank=True)
    whatsapp = models.CharField("WhatsApp", max_length=100, blank=True)
    telegram = models.CharField("Telegram", max_length=100, blank=True)
    discord = models.CharField("Discord", max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    primary_color = models.CharField(_("primary colour"), max_length=7, default="#D4AF37")

    class Meta(BaseModel.Meta):
        verbose_name = _("support settings")
        verbose_name_plural = _("support settings")

    def __str__(self) -> str:
        return f"support {self.organization_id}"
