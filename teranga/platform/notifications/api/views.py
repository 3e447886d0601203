"""My notifications: the inbox (a cursor-paginated feed, newest first), marking read,
the unread count and my preferences. Every endpoint acts on the caller's own
notifications only; another user's notification is 404. Platform staff also list the
notification types and preview each one in every language and channel."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from teranga.core.errors import CoreError, ValidationFailed
from teranga.core.pagination import CursorPagination, PageNumberPagination
from teranga.core.serializers import ErrorSerializer
from teranga.platform.notifications import preferences, receipts, selectors, services
from teranga.platform.notifications.errors import NotificationError
from teranga.platform.notifications.models import Notification
from teranga.platform.notifications.types import notification_types_all

from . import serializers as s
from .filters import NotificationFilter

TAG = ["notifications"]
NOTIFICATION_ID = OpenApiParameter(
    "notification_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Notification UUID"
)
KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. scheduling.confirmed"
)
ERROR_400 = OpenApiResponse(ErrorSerializer, description="Invalid input")
ERROR_403 = OpenApiResponse(ErrorSerializer, description="Platform staff only")
ERROR_404 = OpenApiResponse(ErrorSerializer, description="Not found")


class InboxCursorPagination(CursorPagination):
    #: When each notification reached the inbox (a scheduled one: when it fired).
    ordering = "-shown_at"


class IsPlatformStaff(BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


class NotificationListView(GenericAPIView):
    serializer_class = s.NotificationSerializer
    pagination_class = InboxCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        return selectors.notifications_of(user=self.request.user)

    @extend_schema(
        tags=TAG,
        summary="My notifications, newest first",
        description="Cursor-paginated (`cursor`, `page_size`). Filter with `unread` and `kind`. "
        "A scheduled notification appears once its time has come (never, if it was called "
        "off). 404 `not_found` for a bad cursor.",
        responses={200: s.NotificationSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NotificationSerializer(page, many=True).data)


class NotificationReadView(GenericAPIView):
    serializer_class = s.NotificationSerializer

    @extend_schema(
        tags=TAG,
        summary="Mark one of my notifications read",
        description="Idempotent: an already read notification keeps its `read_at`.",
        parameters=[NOTIFICATION_ID],
        request=None,
        responses={200: s.NotificationSerializer},
    )
    def post(self, request, notification_id):
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
        return Response(s.NotificationSerializer(notification).data)


class NotificationReadAllView(GenericAPIView):
    serializer_class = s.ReadAllResultSerializer

    @extend_schema(
        tags=TAG,
        summary="Mark all my notifications read",
        request=None,
        responses={200: s.ReadAllResultSerializer},
    )
    def post(self, request):
        updated = services.notifications_mark_all_read(user=request.user)
        return Response(s.ReadAllResultSerializer({"updated": updated}).data)


class NotificationUnreadCountView(GenericAPIView):
    serializer_class = s.UnreadCountSerializer

    @extend_schema(
        tags=TAG,
        summary="How many of my notifications are unread",
        responses={200: s.UnreadCountSerializer},
    )
    def get(self, request):
        count = selectors.notifications_unread_count(user=request.user)
        return Response(s.UnreadCountSerializer({"count": count}).data)


class NotificationPreferencesView(GenericAPIView):
    serializer_class = s.PreferencesSerializer
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="My notification preferences",
        description="Every notification type I can receive, with its channels (on or off) "
        "and whether it is urgent (urgent types — money, security — are always sent and "
        "ignore quiet hours), and my quiet hours (SMS and push wait until they end; they "
        "may cross midnight and are read in `time_zone`). Preferences never hide anything "
        "from the in-app list.",
        responses={200: s.PreferencesSerializer},
    )
    def get(self, request):
        return Response(s.PreferencesSerializer(preferences.preferences_of(user=request.user)).data)

    @extend_schema(
        tags=TAG,
        summary="Replace my notification preferences",
        description="`types`: the types to switch, each with `channels` `{channel: on}` (a "
        "type or channel left out is on). `quiet_hours`: `enabled`, `starts_at`, `ends_at` "
        "(needed when enabled, different), `time_zone`. Errors, nothing changed: 400 "
        "`invalid` (shape, unknown field, unknown time zone), `unknown_notification_types`, "
        "`duplicate_notification_types`, `unknown_channels` (a channel the type does not "
        "use), `urgent_notification_types` (an urgent type turned off), "
        "`invalid_quiet_hours`.",
        request=s.PreferencesInputSerializer,
        responses={200: s.PreferencesSerializer, 400: ERROR_400},
    )
    def put(self, request):
        serializer = s.PreferencesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = preferences.preferences_replace(user=request.user, **serializer.validated_data)
        return Response(s.PreferencesSerializer(result).data)


class NotificationTypeListView(GenericAPIView):
    serializer_class = s.NotificationTypeSerializer
    permission_classes = [IsAuthenticated, IsPlatformStaff]
    pagination_class = PageNumberPagination
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="Notification types (platform staff)",
        description="Every registered type with its channels and flags, by name. "
        "Page-number paginated. 403 `permission_denied` for anyone but platform staff.",
        responses={200: s.NotificationTypeSerializer(many=True), 403: ERROR_403},
    )
    def get(self, request):
        rows = [
            {
                "kind": kind_type.name,
                "label": kind_type.render_label(),
                "channels": list(kind_type.channels),
                "urgent": kind_type.is_urgent,
                "staff_only": kind_type.staff_only,
            }
            for kind_type in notification_types_all()
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.NotificationTypeSerializer(page, many=True).data)


class NotificationTypePreviewView(GenericAPIView):
    serializer_class = s.PreviewSerializer
    permission_classes = [IsAuthenticated, IsPlatformStaff]
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="Preview a notification type (platform staff)",
        description="The type rendered with sample values in `language` (fr, en, wo; Wolof "
        "falls back to French where it is not translated) for `channel` (default: its "
        "first). Email: `subject`, `text`, `html`; SMS: `text` (fitted to two GSM-7 "
        "segments where possible), `segments`, `encoding`; push and in-app: `title`, "
        "`body`. Errors: 400 `invalid` (bad language or channel, unknown parameter), "
        "`channel_not_used`; 403 `permission_denied`; 404 `notification_type_not_found`.",
        parameters=[KIND, s.PreviewQuerySerializer],
        responses={200: s.PreviewSerializer, 400: ERROR_400, 403: ERROR_403, 404: ERROR_404},
    )
    def get(self, request, kind):
        query = s.PreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        preview = selectors.notification_type_preview(
            kind=kind,
            language=query.validated_data["language"],
            channel=query.validated_data.get("channel"),
        )
        return Response(s.PreviewSerializer(preview).data)


class TwilioReceiptView(APIView):
    """Twilio's status callback. No token: the ``X-Twilio-Signature`` over our URL and
    the form parameters is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "sms_receipts"
    parser_classes = [FormParser]  # Twilio posts form-encoded parameters

    @extend_schema(
        tags=["notifications"],
        summary="SMS delivery receipt (Twilio status callback)",
        description="Called by Twilio with `MessageSid` and `MessageStatus` "
        "(form-encoded). Verified with `X-Twilio-Signature` (400 `invalid_signature`, "
        "nothing changed). `delivered` marks the notification's SMS delivery delivered; "
        "`undelivered`/`failed` marks it failed; an unknown message changes nothing.",
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        params = {key: request.POST.get(key) for key in request.POST}
        if not receipts.twilio_signature_valid(
            url=request.build_absolute_uri(),
            params=params,
            signature=request.headers.get("X-Twilio-Signature", ""),
        ):
            raise ValidationFailed(
                _("The receipt could not be verified."), code=NotificationError.INVALID_SIGNATURE
            )
        outcome = receipts.sms_receipt_apply(
            provider_message_id=params.get("MessageSid", ""),
            status=str(params.get("MessageStatus", "")).lower(),
        )
        return Response({"outcome": outcome})


# --- Inbound SMS (the providers' webhook) ------------------------------------------------

import json  # noqa: E402

from django.http import HttpResponse  # noqa: E402
from rest_framework import serializers  # noqa: E402

from teranga.core.errors import NotFound  # noqa: E402
from teranga.core.serializers import Serializer as StrictSerializer  # noqa: E402
from teranga.platform.notifications import inbound  # noqa: E402


class InboundSmsSandboxSerializer(StrictSerializer):
    """An inbound SMS as the sandbox provider posts it (Twilio's fields map onto it)."""

    # "from" is a Python keyword: declared in get_fields.
    body = serializers.CharField(allow_blank=True, max_length=1600, trim_whitespace=False)
    id = serializers.CharField(max_length=100, help_text="The provider's message id.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.CharField(max_length=32, help_text="The sender's number.")
        return fields


class InboundSmsOutcomeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField(help_text="`answered`, `unanswered`, `throttled`, `failed`.")
    duplicate = serializers.BooleanField(help_text="A retry of a message already received.")


class InboundSmsView(APIView):
    """An SMS a client sent to our number, from the provider's webhook. No token: the
    provider's signature over the request is the authentication (see ``inbound``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "sms_receipts"

    @extend_schema(
        tags=["notifications"],
        summary="Inbound SMS (provider webhook)",
        description="`provider`: `sandbox` (JSON `{from, body, id}`, verified with "
        "`X-Teranga-Signature`: hex HMAC-SHA256 of the raw body under "
        "`SMS_INBOUND_SECRET`); Twilio has its own operation, `sms/inbound/twilio/` "
        "(form-encoded, as Twilio posts). Each message is recorded once: a retry of the "
        "same message id is acknowledged (`duplicate: true`) and not handled again. The products' "
        "handlers answer it (a queue ticket by keyword, for example); the "
        "reply goes out as an SMS. More than `SMS_INBOUND_PER_SENDER_PER_HOUR` messages "
        "from one number in an hour are recorded but not answered.\n\n"
        "Errors: 400 `invalid_signature` (nothing stored), `invalid` (missing fields), "
        "`invalid_phone`, `malformed_request`; 404 `provider_not_found`.",
        parameters=[
            OpenApiParameter(
                "provider",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=[name for name in inbound.PROVIDERS if name != "twilio"],
            )
        ],
        request={"application/json": InboundSmsSandboxSerializer},
        responses={200: InboundSmsOutcomeSerializer, 400: ERROR_400, 404: ERROR_404},
    )
    def post(self, request, provider):
        if provider not in inbound.PROVIDERS:
            raise NotFound(code=NotificationError.PROVIDER_NOT_FOUND)
        raw = request.body  # before the parsers: the sandbox's signature covers it
        if provider == "twilio":
            params = {key: request.data.get(key) for key in request.data}
            signature = request.headers.get("X-Twilio-Signature", "")
        else:
            params = {}
            signature = request.headers.get(inbound.SIGNATURE_HEADER, "")
        if not inbound.inbound_signature_valid(
            provider=provider,
            url=request.build_absolute_uri(),
            params=params,
            body=raw,
            signature=signature,
        ):
            raise ValidationFailed(
                _("The message could not be verified."), code=NotificationError.INVALID_SIGNATURE
            )
        if provider == "twilio":
            data = {
                "from": params.get("From"),
                "body": params.get("Body"),
                "id": params.get("MessageSid"),
            }
        else:
            try:
                data = json.loads(raw or b"null")
            except ValueError as exc:
                raise ValidationFailed(code=CoreError.MALFORMED_REQUEST) from exc
        serializer = InboundSmsSandboxSerializer(data=data if isinstance(data, dict) else {})
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        outcome = inbound.sms_inbound_receive(
            provider=provider,
            provider_message_id=fields["id"],
            from_number=fields["from"],
            body=fields["body"],
        )
        if provider == "twilio":
            return HttpResponse(
                '<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml"
            )
        return Response(
            InboundSmsOutcomeSerializer(
                {
                    "id": outcome.message.pk,
                    "status": outcome.message.status,
                    "duplicate": outcome.duplicate,
                }
            ).data
        )


class InboundTwilioSmsView(InboundSmsView):
    """Twilio's inbound SMS webhook: form-encoded, as Twilio posts it (the provider
    ``twilio`` of ``InboundSmsView``, documented as its own operation)."""

    parser_classes = [FormParser]

    @extend_schema(
        tags=["notifications"],
        summary="Inbound SMS (Twilio webhook)",
        description="Called by Twilio with `From`, `Body` and `MessageSid` (form-encoded), "
        "verified with `X-Twilio-Signature`. Handled like the other providers' messages "
        "(recorded once per message id, answered by the products' handlers, rate-limited "
        "per sender); Twilio gets an empty TwiML `<Response/>`.\n\n"
        "Errors: 400 `invalid_signature` (nothing stored), `invalid` (missing fields), "
        "`invalid_phone`.",
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={(200, "text/xml"): OpenApiTypes.STR, 400: ERROR_400},
    )
    def post(self, request):
        return super().post(request, "twilio")
