"""My Telegram link (``/api/v1/notifications/telegram/``): its state, a one-time deep
link to link my chat, unlinking; and the bot's webhook, which Telegram calls."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.errors import ValidationFailed
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer
from teranga.platform.notifications import telegram
from teranga.platform.notifications.errors import NotificationError

from . import chat_serializers as s

TAG = ["notifications"]


class TelegramView(APIView):
    @extend_schema(
        tags=TAG,
        summary="My Telegram link",
        operation_id="notifications_telegram_retrieve",
        description="Whether my Telegram chat is linked. Notification types with the "
        "`telegram` channel reach a linked chat, as my preferences and quiet hours allow.",
        responses={200: s.TelegramStatusSerializer},
    )
    def get(self, request):
        link = telegram.telegram_link_of(user=request.user)
        linked = bool(link and link.chat_id is not None)
        return Response(
            s.TelegramStatusSerializer(
                {
                    "linked": linked,
                    "username": link.username if linked else "",
                    "linked_at": link.linked_at if linked else None,
                    "unlinked_reason": link.unlinked_reason if link and not linked else "",
                    "bot_username": telegram.bot_username(),
                }
            ).data
        )

    @extend_schema(
        tags=TAG,
        summary="Unlink my Telegram chat",
        operation_id="notifications_telegram_unlink",
        description="Nothing more is sent to the chat. Errors: 404 `telegram_not_linked`.",
        request=None,
        responses={
            204: None,
            404: OpenApiResponse(ErrorSerializer, description="No chat linked"),
        },
        extensions=error_codes({404: [NotificationError.TELEGRAM_NOT_LINKED]}),
    )
    def delete(self, request):
        telegram.telegram_unlink(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TelegramLinkView(APIView):
    #: Asking for a link is throttled per user.
    throttle_scope = "telegram_link"

    @extend_schema(
        tags=TAG,
        summary="Start linking my Telegram chat",
        operation_id="notifications_telegram_link",
        description="A one-time deep link `https://t.me/<bot>?start=<token>`, valid "
        f"{telegram.LINK_TTL_MINUTES} minutes: opening it in Telegram and pressing Start "
        "links the chat to my account (the bot confirms). Asking again replaces the "
        "previous link; a chat already linked stays linked until the new link is used."
        "\n\nErrors: 400 `telegram_not_configured`; 429 `throttled` (scope "
        "`telegram_link`).",
        request=None,
        responses={
            201: s.TelegramLinkStartSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Telegram is not available"),
        },
        extensions=error_codes({400: [NotificationError.TELEGRAM_NOT_CONFIGURED]}),
    )
    def post(self, request):
        start = telegram.telegram_link_start(user=request.user)
        return Response(
            s.TelegramLinkStartSerializer(
                {
                    "deep_link": start.deep_link,
                    "expires_at": start.expires_at,
                    "bot_username": start.bot_username,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )


class TelegramWebhookView(APIView):
    """The bot's updates, posted by Telegram. No token: the secret Telegram repeats in
    ``X-Telegram-Bot-Api-Secret-Token`` (set with ``setWebhook``) is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "telegram_webhook"

    @extend_schema(
        tags=TAG,
        summary="Telegram bot webhook",
        operation_id="notifications_telegram_webhook",
        description="Called by Telegram with an Update, verified with the "
        "`X-Telegram-Bot-Api-Secret-Token` header (`TELEGRAM_WEBHOOK_SECRET`; refused while "
        "it is empty). `/start <token>` from a private chat links it to the token's account; "
        "`/stop` unlinks it. The answer is `{}` or the bot's reply as a Bot API method "
        "(`sendMessage`), which Telegram runs.\n\nErrors: 400 `invalid_signature` (wrong or "
        "missing secret, nothing changed), `invalid` (not an Update).",
        parameters=[
            OpenApiParameter(
                telegram.SECRET_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="The webhook's secret token.",
            )
        ],
        request=s.TelegramUpdateSerializer,
        responses={
            200: s.TelegramWebhookAnswerSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Not verified, or not an Update"),
        },
        extensions=error_codes({400: [NotificationError.INVALID_SIGNATURE]}),
    )
    def post(self, request):
        if not telegram.telegram_webhook_secret_valid(request.headers.get(telegram.SECRET_HEADER)):
            raise ValidationFailed(
                _("The update could not be verified."), code=NotificationError.INVALID_SIGNATURE
            )
        serializer = s.TelegramUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(telegram.telegram_update_receive(update=serializer.validated_data))
