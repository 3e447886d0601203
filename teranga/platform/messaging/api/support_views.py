"""Support chat endpoints (seed 004): open a conversation with an organisation's support,
my support conversations (the widget's unread badge), closing, the agents' shared inbox,
the support settings, and the public configuration of a website widget.

Agents answer through the ordinary conversation endpoints (``views``).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query
from teranga.platform.organizations.access import OrganizationAccess

from .. import selectors, services
from ..access import SUPPORT_ANSWER, SUPPORT_SETTINGS_MANAGE, SUPPORT_SETTINGS_VIEW
from ..errors import MessagingError as E
from ..models import SupportSettings
from ..services.support import support_organization
from ..support import widget_config
from ..throttling import CHAT_MESSAGES, SUPPORT_WIDGET
from . import serializers as s
from .views import ATTACHMENT_CODES, ATTACHMENT_ERRORS, CONVERSATION_ID, NOT_FOUND, MessagingView

TAG = ["messaging: support"]
ORG_ID = OpenApiParameter(
    "organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Organisation id"
)


SUPPORT_OPEN_ERRORS = (
    "Errors: 404 `support_unavailable` (unknown or unverified organisation, support "
    "off); 400 `empty_message`, `message_too_long`, `message_blocked`; 409 "
    "`client_id_reused`."
)
SUPPORT_OPEN_CODES = {
    400: [E.EMPTY_MESSAGE, E.MESSAGE_TOO_LONG, E.MESSAGE_BLOCKED],
    404: [E.SUPPORT_UNAVAILABLE],
    409: [E.CLIENT_ID_REUSED],
}


class SupportOpenMixin:
    """Write to an organisation's support from validated data: the JSON endpoint and the
    upload endpoint share it."""

    def open(self, request, data) -> Response:
        conversation, message, created = services.support_conversation_open(
            user=request.user,
            organization=data["organization"],
            body=data["body"],
            client_id=data["client_id"],
            attachments=data.get("attachments", []),
        )
        _access, detail = selectors.conversation_detail(
            user=request.user, conversation_id=conversation.pk
        )
        context = self.context()
        body = {
            "conversation": s.ConversationSerializer(detail, context=context).data,
            "message": s.MessageSerializer(message, context=context).data,
            "created": created,
        }
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class SupportConversationListOpenView(SupportOpenMixin, MessagingView):
    serializer_class = s.ConversationSerializer
    write_throttle_scope = CHAT_MESSAGES

    @extend_schema(
        tags=TAG,
        summary="My support conversations",
        description="The support conversations I opened (filter `organization`), each with "
        "`unread` — the widget's badge. Page-numbered.",
        parameters=[s.SupportListQuerySerializer],
        responses={200: s.ConversationSerializer(many=True)},
    )
    def get(self, request):
        filters = validated_query(s.SupportListQuerySerializer, request).validated_data
        queryset = selectors.support_conversations_of(
            user=request.user, organization_id=filters.get("organization")
        )
        page = selectors.attach_summaries(list(self.paginate_queryset(queryset)))
        return self.get_paginated_response(
            s.ConversationSerializer(page, many=True, context=self.context()).data
        )

    @extend_schema(
        tags=TAG,
        summary="Write to an organisation's support",
        description="Sends `body` in my open support conversation with `organization` (id "
        "or slug), or opens one (201; 200 when it was already open). The organisation's "
        "agents share it in their inbox. Outside business hours the first message of each "
        "closed period gets the automatic reply. `client_id` makes it idempotent. A "
        "message with files is sent through `POST support/conversations/upload/`.\n\n"
        + SUPPORT_OPEN_ERRORS,
        request=s.SupportOpenSerializer,
        responses={200: s.SupportOpenResultSerializer, 201: s.SupportOpenResultSerializer},
        extensions=error_codes(SUPPORT_OPEN_CODES),
    )
    def post(self, request):
        serializer = s.SupportOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.open(request, serializer.validated_data)


class SupportConversationUploadView(SupportOpenMixin, MessagingView):
    """Write to an organisation's support with files: an upload endpoint
    (multipart/form-data only)."""

    serializer_class = s.SupportOpenResultSerializer
    parser_classes = [MultiPartParser]
    write_throttle_scope = CHAT_MESSAGES

    @extend_schema(
        tags=TAG,
        summary="Write to an organisation's support, with attachments",
        description="multipart/form-data with `organization` (id or slug) and "
        "`attachments` (1 to 5 images or PDFs, checked by content), and optionally `body` "
        "and `client_id`. Otherwise the same as `POST support/conversations/`: sends in my "
        "open support conversation with the organisation or opens one (201; 200 when it "
        "was already open), idempotent per `client_id`, rate-limited (`chat_messages`)."
        "\n\n" + SUPPORT_OPEN_ERRORS + "\n\n" + ATTACHMENT_ERRORS,
        request={"multipart/form-data": s.SupportOpenUploadSerializer},
        responses={200: s.SupportOpenResultSerializer, 201: s.SupportOpenResultSerializer},
        extensions=error_codes(
            {**SUPPORT_OPEN_CODES, 400: [*SUPPORT_OPEN_CODES[400], *ATTACHMENT_CODES]}
        ),
    )
    def post(self, request):
        serializer = s.SupportOpenUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.open(request, serializer.validated_data)


class SupportCloseView(MessagingView):
    serializer_class = s.ConversationDetailSerializer

    @extend_schema(
        tags=TAG,
        summary="Close a support conversation",
        description="By the organisation's agents or the person who asked; idempotent. A "
        "new message reopens it.\n\nErrors: 400 `not_support`; 403; " + NOT_FOUND,
        parameters=[CONVERSATION_ID],
        request=None,
        responses={200: s.ConversationDetailSerializer},
    )
    def post(self, request, conversation_id):
        services.support_conversation_close(actor=request.user, conversation_id=conversation_id)
        return self.conversation_response(conversation_id)


class SupportInboxView(MessagingView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"GET": SUPPORT_ANSWER}
    serializer_class = s.InboxConversationSerializer

    @extend_schema(
        tags=TAG,
        summary="The organisation's support inbox (agents and above)",
        description="Every support conversation of the organisation, most recent activity "
        "first, with the person who asked, the agents who joined, and `unread` for me. "
        "Filters: `status` (open, closed), `unread` (true/false). 404 for non-members, 403 "
        "below agent.",
        parameters=[ORG_ID, s.InboxQuerySerializer],
        responses={200: s.InboxConversationSerializer(many=True)},
    )
    def get(self, request, organization_id):
        filters = validated_query(s.InboxQuerySerializer, request).validated_data
        queryset = selectors.support_inbox(
            organization=self.organization,
            user=request.user,
            status=filters.get("status"),
            unread=filters.get("unread"),
        )
        page = selectors.attach_summaries(list(self.paginate_queryset(queryset)))
        return self.get_paginated_response(
            s.InboxConversationSerializer(page, many=True, context=self.context()).data
        )


class SupportSettingsView(MessagingView):
    permission_classes = [OrganizationAccess]
    organization_actions = {"GET": SUPPORT_SETTINGS_VIEW, "PUT": SUPPORT_SETTINGS_MANAGE}
    serializer_class = s.SupportSettingsSerializer
    pagination_class = None

    def current(self) -> SupportSettings:
        found = SupportSettings.objects.filter(organization=self.organization).first()
        return found or SupportSettings(organization=self.organization, enabled=False)

    def get_object(self) -> SupportSettings:  # OPTIONS describes PUT with it
        return self.current()

    @extend_schema(
        tags=TAG,
        summary="Support settings (agents and above)",
        description="Business hours (in the organisation's time zone), automatic reply, "
        "welcome message, external channels and widget colour. `configured` is false "
        "(and `enabled` false) until an admin saves them.",
        parameters=[ORG_ID],
        responses={200: s.SupportSettingsSerializer},
    )
    def get(self, request, organization_id):
        return Response(s.SupportSettingsSerializer(self.current()).data)

    @extend_schema(
        tags=TAG,
        summary="Replace the support settings (admins and above)",
        description="Omitted fields get their defaults. `business_hours`: a list of "
        "`{weekday 0-6 (Monday 0), opens HH:MM, closes HH:MM}`, several per day allowed "
        "without overlap; empty = always open. `whatsapp` a phone number, `telegram` a "
        "username, `discord` an invite code (links accepted for all three).\n\nErrors: 400 "
        "`invalid`, `invalid_business_hours`, `invalid_channel`.",
        parameters=[ORG_ID],
        request=s.SupportSettingsSerializer,
        responses={200: s.SupportSettingsSerializer},
    )
    def put(self, request, organization_id):
        serializer = s.SupportSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        support = services.support_settings_update(
            organization=self.organization, **serializer.validated_data
        )
        return Response(s.SupportSettingsSerializer(support).data)


class WidgetConfigView(MessagingView):
    permission_classes = [AllowAny]
    serializer_class = s.WidgetConfigSerializer
    pagination_class = None

    def get_throttles(self):
        self.throttle_scope = SUPPORT_WIDGET
        return super(MessagingView, self).get_throttles()

    @extend_schema(
        tags=TAG,
        summary="What a website's support widget needs (public)",
        description="For a verified organisation (`org`: id or slug) whose support is "
        "enabled: its name and logo, whether the desk is open now and today's hours, the "
        "welcome message, the colours (gold #D4AF37 by default), the external channels "
        "(WhatsApp, Telegram, Discord, email links), the API and WebSocket paths, and "
        "`embed`: the widget page, the loader script and the `<script>` snippet a website "
        "pastes (from PUBLIC_URL). "
        "Anonymous allowed; rate-limited (`support_widget`).\n\nErrors: 404 "
        "`support_unavailable`.",
        parameters=[s.WidgetQuerySerializer],
        responses={200: s.WidgetConfigSerializer},
        auth=[],
        extensions=error_codes({404: [E.SUPPORT_UNAVAILABLE]}),
    )
    def get(self, request):
        filters = validated_query(s.WidgetQuerySerializer, request).validated_data
        organization, support = support_organization(filters["org"])
        logo = request.build_absolute_uri(organization.logo.url) if organization.logo else None
        return Response(widget_config(organization, support, logo_url=logo))
