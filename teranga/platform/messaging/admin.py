"""Staff views of messaging: conversations with their participants and latest messages
(read-only), invitations to groups and blocks (read-only), messages (filter the flagged
ones; mark reviewed or hide), and the support settings of each organisation (editable)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.core.errors import ValidationFailed

from .models import (
    Attachment,
    Block,
    Conversation,
    GroupInvitation,
    Message,
    Participant,
    SupportSettings,
)
from .services.messages import messages_review
from .support import (
    color_normalize,
    discord_normalize,
    hours_validate,
    telegram_normalize,
    whatsapp_normalize,
)

ADMIN_RECENT_MESSAGES = 50


class ParticipantInline(ReadOnlyTabularInline):
    model = Participant
    fields = ("user", "role", "last_read_seq", "last_read_at", "muted", "left_at")
    readonly_fields = fields


class MessageInline(ReadOnlyTabularInline):
    model = Message
    fields = ("seq", "created_at", "sender", "kind", "body", "moderation", "deleted_at")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = _("latest messages")

    def get_queryset(self, request):
        # Only the latest messages: a long conversation must not load whole.
        queryset = super().get_queryset(request).select_related("sender")
        conversation_id = request.resolver_match.kwargs.get("object_id")
        last = (
            Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True)
            if conversation_id
            else []
        )
        if last:
            queryset = queryset.filter(seq__gt=last[0] - ADMIN_RECENT_MESSAGES)
        return queryset.order_by("-seq")


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "kind", "organization", "last_seq", "last_message_at", "closed_at")
    list_filter = ("kind", "closed_at", "created_at")
    search_fields = ("title", "id", "organization__name", "created_by__email")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    ordering = ("-last_message_at",)
    readonly_fields = [f.name for f in Conversation._meta.fields]
    inlines = [ParticipantInline, MessageInline]


class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    fields = ("name", "content_type", "size", "file")
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(ReadOnlyModelAdmin):
    """Every message, read-only; staff review the flagged ones (filter by moderation)."""

    list_display = (
        "created_at",
        "conversation",
        "seq",
        "sender",
        "kind",
        "short_body",
        "moderation",
        "moderation_reason",
        "deleted_at",
    )
    list_filter = ("moderation", "kind", "conversation__kind", "created_at")
    search_fields = ("body", "sender__email", "moderation_reason", "conversation__id")
    list_select_related = ("conversation", "sender")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in Message._meta.fields]
    inlines = [AttachmentInline]
    actions = ["mark_reviewed", "hide"]

    @admin.display(description=_("body"))
    def short_body(self, obj):
        return obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("messaging.change_message")

    @admin.action(description=_("Mark as reviewed (not flagged)"), permissions=["review"])
    def mark_reviewed(self, request, queryset):
        count = messages_review(message_ids=queryset.values_list("pk", flat=True), hide=False)
        self.message_user(
            request,
            ngettext("%d message marked reviewed.", "%d messages marked reviewed.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Hide (delete for the participants)"), permissions=["review"])
    def hide(self, request, queryset):
        count = messages_review(message_ids=queryset.values_list("pk", flat=True), hide=True)
        self.message_user(
            request,
            ngettext("%d message hidden.", "%d messages hidden.", count) % count,
            messages.SUCCESS,
        )


class SupportSettingsForm(forms.ModelForm):
    """The same rules as the API: canonical hours, channels and colour."""

    class Meta:
        model = SupportSettings
        fields = (
            "organization",
            "enabled",
            "business_hours",
            "auto_reply",
            "welcome_message",
            "whatsapp",
            "telegram",
            "discord",
            "email",
            "primary_color",
        )

    def _normalized(self, field: str, normalize):
        try:
            return normalize(self.cleaned_data.get(field))
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields.get(field) or exc.message) from None

    def clean_business_hours(self):
        return self._normalized("business_hours", hours_validate)

    def clean_whatsapp(self):
        organization = self.cleaned_data.get("organization") or (
            self.instance.organization if self.instance.organization_id else None
        )
        country = getattr(organization, "country", None)
        return self._normalized("whatsapp", lambda v: whatsapp_normalize(v, region=country))

    def clean_telegram(self):
        return self._normalized("telegram", telegram_normalize)

    def clean_discord(self):
        return self._normalized("discord", discord_normalize)

    def clean_primary_color(self):
        return self._normalized("primary_color", color_normalize)


@admin.register(SupportSettings)
class SupportSettingsAdmin(admin.ModelAdmin):
    form = SupportSettingsForm
    list_display = ("organization", "enabled", "email", "whatsapp", "telegram", "discord")
    list_filter = ("enabled",)
    search_fields = ("organization__name", "organization__slug", "email")
    list_select_related = ("organization",)
    autocomplete_fields = ("organization",)


@admin.register(GroupInvitation)
class GroupInvitationAdmin(ReadOnlyModelAdmin):
    list_display = ("conversation", "user", "invited_by", "role", "status", "created_at")
    list_filter = ("status", "created_at")
    search_fields = ("conversation__title", "user__email", "invited_by__email")
    list_select_related = ("conversation", "user", "invited_by")


@admin.register(Block)
class BlockAdmin(ReadOnlyModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    search_fields = ("blocker__email", "blocked__email")
    list_select_related = ("blocker", "blocked")
