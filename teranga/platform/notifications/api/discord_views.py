"""An organisation's Discord channels: ``/organizations/{organization_id}/discord-webhooks/``.

Managers and above list, add, change and remove the webhooks the organisation's
announcements are posted to. Another organisation's webhooks answer 404 (the
organisation itself is 404 to a non-member), a member below manager 403.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer
from teranga.platform.notifications import discord
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import DiscordWebhook
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError

from . import chat_serializers as s

TAG = ["discord"]
ORG_ID = OpenApiParameter(
    "organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Organisation id"
)
WEBHOOK_ID = OpenApiParameter(
    "webhook_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Discord webhook id"
)
ERROR_400 = OpenApiResponse(ErrorSerializer, description="Invalid input")
ERROR_403 = OpenApiResponse(ErrorSerializer, description="Role too low (managers and above)")
ERROR_404 = OpenApiResponse(ErrorSerializer, description="No such organisation or webhook")
INPUT_ERRORS = [
    NotificationError.INVALID_DISCORD_WEBHOOK,
    NotificationError.UNKNOWN_NOTIFICATION_TYPES,
]
ORG_404 = [OrganizationError.ORGANIZATION_NOT_FOUND]
WEBHOOK_404 = [*ORG_404, NotificationError.DISCORD_WEBHOOK_NOT_FOUND]
INPUT_DESCRIPTION = (
    "`url`: the webhook URL Discord gives (Channel settings → Integrations → Webhooks: "
    "`https://discord.com/api/webhooks/<id>/<token>`), stored encrypted and never shown "
    "again; `kinds`: the notification types announced there (at least one, e.g. "
    "`organization.broadcast` for staff broadcasts; products announce their own, e.g. "
    "session reminders); `language`: what they are written in."
)


class _OrganizationScoped(GenericAPIView):
    serializer_class = s.DiscordWebhookSerializer
    filter_backends: list = []

    def organization(self):
        return get_organization_for(
            self.request.user, self.kwargs["organization_id"], discord.DISCORD_MANAGE
        )


class DiscordWebhookListView(_OrganizationScoped):
    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return DiscordWebhook.objects.none()
        return discord.discord_webhooks_of(organization=self.organization())

    @extend_schema(
        tags=TAG,
        summary="The organisation's Discord webhooks (managers and above)",
        description="Newest first, page-number paginated.",
        parameters=[ORG_ID],
        responses={200: s.DiscordWebhookSerializer(many=True), 403: ERROR_403, 404: ERROR_404},
        extensions=error_codes({404: ORG_404}),
    )
    def get(self, request, organization_id):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.DiscordWebhookSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add a Discord webhook (managers and above)",
        description=f"{INPUT_DESCRIPTION} At most {discord.MAX_WEBHOOKS} per organisation."
        "\n\nErrors, nothing stored: 400 `invalid`, `invalid_discord_webhook` (not a Discord "
        "webhook URL), `unknown_notification_types`; 409 `discord_webhook_limit_reached`.",
        parameters=[ORG_ID],
        request=s.DiscordWebhookInputSerializer,
        responses={
            201: s.DiscordWebhookSerializer,
            400: ERROR_400,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(ErrorSerializer, description="Too many webhooks"),
        },
        extensions=error_codes(
            {
                400: INPUT_ERRORS,
                404: ORG_404,
                409: [NotificationError.DISCORD_WEBHOOK_LIMIT_REACHED],
            }
        ),
    )
    def post(self, request, organization_id):
        # Who may act is checked before the body is: a stranger learns nothing from it.
        organization = self.organization()
        serializer = s.DiscordWebhookInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook = discord.discord_webhook_create(
            organization=organization, user=request.user, **serializer.validated_data
        )
        return Response(s.DiscordWebhookSerializer(webhook).data, status=status.HTTP_201_CREATED)


class DiscordWebhookDetailView(_OrganizationScoped):
    @extend_schema(
        tags=TAG,
        summary="One of the organisation's Discord webhooks (managers and above)",
        parameters=[ORG_ID, WEBHOOK_ID],
        responses={200: s.DiscordWebhookSerializer, 403: ERROR_403, 404: ERROR_404},
        extensions=error_codes({404: WEBHOOK_404}),
    )
    def get(self, request, organization_id, webhook_id):
        webhook = discord.discord_webhook_get(
            organization=self.organization(), webhook_id=webhook_id
        )
        return Response(s.DiscordWebhookSerializer(webhook).data)

    @extend_schema(
        tags=TAG,
        summary="Change a Discord webhook (managers and above)",
        description=f"Any of the fields; what is left out stays. {INPUT_DESCRIPTION} "
        "Switching a webhook on again (`is_active: true`) clears `disabled_reason`."
        "\n\nErrors, nothing changed: 400 `invalid`, `invalid_discord_webhook`, "
        "`unknown_notification_types`; 404 `discord_webhook_not_found`.",
        parameters=[ORG_ID, WEBHOOK_ID],
        request=s.DiscordWebhookInputSerializer(partial=True),
        responses={
            200: s.DiscordWebhookSerializer,
            400: ERROR_400,
            403: ERROR_403,
            404: ERROR_404,
        },
        extensions=error_codes({400: INPUT_ERRORS, 404: WEBHOOK_404}),
    )
    def patch(self, request, organization_id, webhook_id):
        organization = self.organization()
        serializer = s.DiscordWebhookInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        webhook = discord.discord_webhook_update(
            organization=organization, webhook_id=webhook_id, **serializer.validated_data
        )
        return Response(s.DiscordWebhookSerializer(webhook).data)

    @extend_schema(
        tags=TAG,
        summary="Remove a Discord webhook (managers and above)",
        description="Nothing more is posted there (messages still queued are dropped). "
        "Errors: 404 `discord_webhook_not_found`.",
        parameters=[ORG_ID, WEBHOOK_ID],
        request=None,
        responses={204: None, 403: ERROR_403, 404: ERROR_404},
        extensions=error_codes({404: WEBHOOK_404}),
    )
    def delete(self, request, organization_id, webhook_id):
        discord.discord_webhook_delete(organization=self.organization(), webhook_id=webhook_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
