"""Support conversations (seed 004): a user writes to an organisation; its support agents
(agent and above) share the conversations in an inbox, answer them, and close them.

A user has at most one *open* support conversation per organisation: opening again
adds the message to it. Opens of one organisation are serialised on its
SupportSettings row. A new message in a closed conversation reopens it.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Forbidden, NotFound, ValidationFailed, refuse_unknown_fields
from teranga.platform.messaging.errors import MessagingError
from teranga.platform.organizations.models import Organization, VerificationStatus

from ..access import conversation_access
from ..models import Conversation, ConversationKind, Message, Participant, SupportSettings
from ..support import (
    color_normalize,
    discord_normalize,
    hours_validate,
    telegram_normalize,
    whatsapp_normalize,
)
from ._common import emit
from .messages import message_send

SETTINGS_FIELDS = {
    "enabled",
    "business_hours",
    "auto_reply",
    "welcome_message",
    "whatsapp",
    "telegram",
    "discord",
    "email",
    "primary_color",
}


def support_organization(reference) -> tuple[Organization, SupportSettings]:
    """A verified organisation (by id or slug) whose support desk is enabled; 404
    ``support_unavailable`` otherwise."""
    reference = str(reference or "").strip()
    try:
        lookup = {"pk": uuid.UUID(reference)}
    except ValueError:
        lookup = {"slug": reference}
    organization = (
        Organization.objects.filter(
            verification_status=VerificationStatus.VERIFIED, **lookup
        ).first()
        if reference
        else None
    )
    support = (
        SupportSettings.objects.filter(organization=organization, enabled=True).first()
        if organization
        else None
    )
    if support is None:
        raise NotFound(
            _("This organisation has no support chat."), code=MessagingError.SUPPORT_UNAVAILABLE
        )
    return organization, support


@transaction.atomic
def support_conversation_open(
    *, user, organization, body: str, client_id: str = "", attachments=()
) -> tuple[Conversation, Message, bool]:
    """Write to ``organization``'s support (id or slug): in the caller's open support
    conversation with it, or a new one. Returns (conversation, message, created)."""
    found, _support = support_organization(organization)
    SupportSettings.objects.select_for_update().filter(organization=found).first()
    conversation = (
        Conversation.objects.filter(
            kind=ConversationKind.SUPPORT,
            organization=found,
            created_by=user,
            closed_at__isnull=True,
        )
        .order_by("-last_message_at", "-created_at")
        .first()
    )
    created = conversation is None
    if created:
        conversation = Conversation.objects.create(
            kind=ConversationKind.SUPPORT, organization=found, created_by=user, title=found.name
        )
        Participant.objects.create(conversation=conversation, user=user)
    message, _new = message_send(
        sender=user,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id,
        attachments=attachments,
    )
    conversation.refresh_from_db()
    return conversation, message, created


@transaction.atomic
def support_conversation_close(*, actor, conversation_id) -> Conversation:
    """Close a support conversation (its agents, or its requester). Idempotent."""
    access = conversation_access(actor, conversation_id, lock=True)
    if not access.is_support:
        raise ValidationFailed(
            _("Only support conversations are closed."), code=MessagingError.NOT_SUPPORT
        )
    if not (access.is_agent or access.is_requester):
        raise Forbidden()
    conversation = access.conversation
    if conversation.closed_at is None:
        conversation.closed_at = timezone.now()
        conversation.save(update_fields=["closed_at", "updated_at"])
        emit(conversation, {"type": "conversation.closed", "closed_at": conversation.closed_at})
    return conversation


@transaction.atomic
def support_settings_update(*, organization, **fields) -> SupportSettings:
    """Replace the organisation's support settings (fields not given get defaults)."""
    refuse_unknown_fields(fields, SETTINGS_FIELDS)
    support = SupportSettings.objects.select_for_update().filter(organization=organization).first()
    if support is None:
        support = SupportSettings(organization=organization)
    defaults = SupportSettings(organization=organization)
    support.enabled = bool(fields.get("enabled", True))
    support.business_hours = hours_validate(fields.get("business_hours", []))
    support.auto_reply = (fields.get("auto_reply") or "").strip()
    support.welcome_message = (fields.get("welcome_message") or "").strip()
    support.whatsapp = whatsapp_normalize(fields.get("whatsapp", ""), region=organization.country)
    support.telegram = telegram_normalize(fields.get("telegram", ""))
    support.discord = discord_normalize(fields.get("discord", ""))
    support.email = (fields.get("email") or "").strip().lower()
    support.primary_color = color_normalize(fields.get("primary_color", defaults.primary_color))
    support.full_clean(exclude=["organization"])
    support.save()
    return support
