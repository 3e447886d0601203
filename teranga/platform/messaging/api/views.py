"""Conversation endpoints: my conversations, messages (cursor-paginated by seq),
attachments, read marks, group participants, invitations to groups and blocks.

Consent (``services.consent``): owners and admins add directly only people they share
an organisation or a conversation with; anyone else is invited and joins only by
accepting. A block keeps two people apart.

Access (``messaging.access``): participants, and the support agents of a support
conversation's organisation. Anyone else gets 404 ``conversation_not_found`` for
everything about a conversation.
"""

from __future__ import annotations

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from teranga.core.pagination import CursorPagination
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query

from .. import selectors, services
from ..access import conversation_access
from ..errors import MessagingError as E
from ..throttling import CHAT_MESSAGES, THROTTLE_CLASSES
from . import examples
from . import serializers as s

TAG = ["messaging"]
CONVERSATION_ID = OpenApiParameter(
    "conversation_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Conversation id"
)
MESSAGE_ID = OpenApiParameter(
    "message_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Message id"
)
ATTACHMENT_ID = OpenApiParameter(
    "attachment_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Attachment id"
)
USER_ID = OpenApiParameter(
    "user_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="User id"
)
NOT_FOUND = "404 `conversation_not_found` when the caller may not see the conversation."
SEND_ERRORS = (
    "Errors: 400 `empty_message`, `message_too_long`, `message_blocked` (moderation: "
    "nothing stored); 403 `conversation_blocked` (a private conversation where one of "
    "the two blocked the other); 409 `client_id_reused`; " + NOT_FOUND
)
SEND_CODES = {
    400: [E.EMPTY_MESSAGE, E.MESSAGE_TOO_LONG, E.MESSAGE_BLOCKED],
    403: [E.CONVERSATION_BLOCKED],
    404: [E.CONVERSATION_NOT_FOUND],
    409: [E.CLIENT_ID_REUSED],
}
INVITATION_ID = OpenApiParameter(
    "invitation_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Invitation id"
)
CONSENT = (
    "Consent: a person is added directly only when the caller shares an organisation with "
    "them, or a private or group conversation in which both are active and that person "
    "started it or wrote in it. Anyone else gets a pending invitation (and a "
    "`chat.invitation` notification): they are not a participant, do not see the group "
    "or its messages, until they accept it (`POST /conversations/invitations/{id}/"
    "accept/`). A block between the caller and the person, either way, refuses with 403 "
    "`user_unavailable`."
)
ATTACHMENT_CODES = [E.INVALID_ATTACHMENT, E.ATTACHMENT_TOO_LARGE, E.TOO_MANY_ATTACHMENTS]
ATTACHMENT_ERRORS = (
    "Attachment errors: 400 `invalid_attachment`, `attachment_too_large`, "
    "`too_many_attachments` (more than 5), `invalid` (no file); 413 when the whole "
    "upload is over the limit; 415 when it is not multipart/form-data."
)


class MessageCursorPagination(CursorPagination):
    """Newest first (scrolling back); with ``since``, oldest first (catching up)."""

    page_size = 50
    ordering = "-seq"

    def get_ordering(self, request, queryset, view):
        return ("seq",) if "since" in request.query_params else ("-seq",)


class MessagingView(GenericAPIView):
    filter_backends: list = []
    throttle_classes = THROTTLE_CLASSES
    throttle_scope = None
    write_throttle_scope = None

    def get_throttles(self):
        self.throttle_scope = self.write_throttle_scope if self.request.method == "POST" else None
        return super().get_throttles()

    def context(self) -> dict:
        return {"request": self.request, "viewer_id": self.request.user.pk}

    def conversation_response(self, conversation_id, status_code=status.HTTP_200_OK) -> Response:
        _access, conversation = selectors.conversation_detail(
            user=self.request.user, conversation_id=conversation_id
        )
        data = s.ConversationDetailSerializer(conversation, context=self.context()).data
        return Response(data, status=status_code)


class ConversationListCreateView(MessagingView):
    serializer_class = s.ConversationSerializer
    write_throttle_scope = CHAT_MESSAGES

    @extend_schema(
        tags=TAG,
        summary="My conversations, most recent activity first",
        description="Private, group and support conversations I take part in, each with "
        "`unread` (messages after my `last_read_seq`) and its `last_message`. Filters: "
        "`kind`, `unread` (true/false). Page-numbered (`page`, `page_size`).",
        parameters=[s.ConversationListQuerySerializer],
        responses={200: s.ConversationSerializer(many=True)},
    )
    def get(self, request):
        filters = validated_query(s.ConversationListQuerySerializer, request).validated_data
        queryset = selectors.conversations_of(
            user=request.user, kind=filters.get("kind"), unread=filters.get("unread")
        )
        page = selectors.attach_summaries(list(self.paginate_queryset(queryset)))
        return self.get_paginated_response(
            s.ConversationSerializer(page, many=True, context=self.context()).data
        )

    @extend_schema(
        tags=TAG,
        summary="Start a private conversation or create a group",
        description='`{"kind": "private", "user": id}`: the conversation with that '
        'person — 201 when new, 200 with the existing one. `{"kind": "group", "title", '
        '"participants": [ids]}`: a new group (201) whose owner is the caller; the people '
        "listed become participants or get an invitation (see `pending_invitations`).\n\n"
        + CONSENT
        + "\n\nErrors: 400 `invalid`, `unknown_user`, `cannot_message_self`, `group_full`; "
        "403 `user_unavailable` (nothing is created).",
        request=s.ConversationCreateSerializer,
        responses={200: s.ConversationDetailSerializer, 201: s.ConversationDetailSerializer},
        extensions=error_codes(
            {
                400: [E.UNKNOWN_USER, E.CANNOT_MESSAGE_SELF, E.GROUP_FULL],
                403: [E.USER_UNAVAILABLE],
            }
        ),
        examples=examples.GROUP_CREATE,
    )
    def post(self, request):
        serializer = s.ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        conversation, created = services.conversation_create(
            creator=request.user,
            kind=data["kind"],
            user_id=data.get("user"),
            title=data.get("title", ""),
            participant_ids=data.get("participants", []),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return self.conversation_response(conversation.pk, code)


class ConversationDetailView(MessagingView):
    serializer_class = s.ConversationDetailSerializer

    @extend_schema(
        tags=TAG,
        summary="One of my conversations, with its participants",
        description=NOT_FOUND,
        parameters=[CONVERSATION_ID],
        responses={200: s.ConversationDetailSerializer},
    )
    def get(self, request, conversation_id):
        return self.conversation_response(conversation_id)

    @extend_schema(
        tags=TAG,
        summary="Rename a group, or mute a conversation for myself",
        description="`title`: groups only, by their owners and admins (403 `not_group_admin`, "
        "400 `not_a_group`). `muted`: no notifications for me from this conversation.\n\n"
        + NOT_FOUND,
        parameters=[CONVERSATION_ID],
        request=s.ConversationUpdateSerializer,
        responses={200: s.ConversationDetailSerializer},
    )
    def patch(self, request, conversation_id):
        serializer = s.ConversationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.conversation_update(
            actor=request.user, conversation_id=conversation_id, **serializer.validated_data
        )
        return self.conversation_response(conversation_id)


class MessageSendMixin:
    """Send a message from validated ``body``, ``client_id`` and ``attachments``: the
    JSON endpoint and the upload endpoint share it."""

    def send(self, request, conversation_id, data) -> Response:
        message, created = services.message_send(
            sender=request.user,
            conversation_id=conversation_id,
            body=data["body"],
            client_id=data["client_id"],
            attachments=data.get("attachments", []),
        )
        message = selectors.message_of(
            access=conversation_access(request.user, conversation_id), message_id=message.pk
        )
        return Response(
            s.MessageSerializer(message, context=self.context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class MessageListCreateView(MessageSendMixin, MessagingView):
    serializer_class = s.MessageSerializer
    pagination_class = MessageCursorPagination
    write_throttle_scope = CHAT_MESSAGES

    @extend_schema(
        tags=TAG,
        summary="Messages of a conversation (cursor-paginated by seq)",
        description="Newest first; follow `next` to scroll back. With `since=<seq>`: the "
        "messages after that number, oldest first — the catch-up after a reconnection. "
        "Deleted messages keep their place with a blank body.\n\n" + NOT_FOUND,
        parameters=[CONVERSATION_ID, s.MessageListQuerySerializer],
        responses={200: s.MessageSerializer(many=True)},
    )
    def get(self, request, conversation_id):
        filters = validated_query(s.MessageListQuerySerializer, request).validated_data
        access = conversation_access(request.user, conversation_id)
        queryset = selectors.messages_of(access=access, since=filters.get("since"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(
            s.MessageSerializer(page, many=True, context=self.context()).data
        )

    @extend_schema(
        tags=TAG,
        summary="Send a message",
        description="JSON `{body, client_id}`; a message with files is sent through "
        "`POST …/messages/upload/`. `client_id` makes the send idempotent: sending again "
        "with the same one returns the first message (200 instead of 201). Participants "
        "are told through their notification channels unless muted or connected to the "
        "conversation. Outside business hours, a support conversation answers "
        "automatically. Rate-limited (`chat_messages`).\n\n" + SEND_ERRORS,
        parameters=[CONVERSATION_ID],
        request=s.MessageCreateSerializer,
        responses={200: s.MessageSerializer, 201: s.MessageSerializer},
        extensions=error_codes(SEND_CODES),
        examples=examples.MESSAGE_SEND,
    )
    def post(self, request, conversation_id):
        serializer = s.MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.send(request, conversation_id, serializer.validated_data)


class MessageUploadView(MessageSendMixin, MessagingView):
    """Send a message with attachments: an upload endpoint (multipart/form-data only)."""

    serializer_class = s.MessageSerializer
    parser_classes = [MultiPartParser]
    write_throttle_scope = CHAT_MESSAGES

    @extend_schema(
        tags=TAG,
        summary="Send a message with attachments",
        description="multipart/form-data with `attachments` (1 to 5 images — JPEG, PNG, "
        "WebP, GIF — or PDFs, checked by content, each within the upload size limit), and "
        "optionally `body` and `client_id`. Otherwise the same as `POST …/messages/`: "
        "idempotent per `client_id` (200 with the first message), the same notifications, "
        "automatic reply and rate limit (`chat_messages`).\n\n"
        + SEND_ERRORS
        + "\n\n"
        + ATTACHMENT_ERRORS,
        parameters=[CONVERSATION_ID],
        request={"multipart/form-data": s.MessageUploadSerializer},
        responses={200: s.MessageSerializer, 201: s.MessageSerializer},
        extensions=error_codes({**SEND_CODES, 400: [*SEND_CODES[400], *ATTACHMENT_CODES]}),
    )
    def post(self, request, conversation_id):
        serializer = s.MessageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self.send(request, conversation_id, serializer.validated_data)


class MessageDetailView(MessagingView):
    serializer_class = s.MessageSerializer

    @extend_schema(
        tags=TAG,
        summary="One message",
        description=NOT_FOUND + " 404 `message_not_found`.",
        parameters=[CONVERSATION_ID, MESSAGE_ID],
        responses={200: s.MessageSerializer},
    )
    def get(self, request, conversation_id, message_id):
        access = conversation_access(request.user, conversation_id)
        message = selectors.message_of(access=access, message_id=message_id)
        return Response(s.MessageSerializer(message, context=self.context()).data)

    @extend_schema(
        tags=TAG,
        summary="Edit my message",
        description="Its sender only (403 `not_message_sender`), within 15 minutes of "
        "sending (409 `edit_window_closed`), not once deleted (409 `message_deleted`). "
        "Moderated again (400 `message_blocked`).\n\n" + NOT_FOUND,
        parameters=[CONVERSATION_ID, MESSAGE_ID],
        request=s.MessageEditSerializer,
        responses={200: s.MessageSerializer},
    )
    def patch(self, request, conversation_id, message_id):
        serializer = s.MessageEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.message_edit(
            actor=request.user,
            conversation_id=conversation_id,
            message_id=message_id,
            body=serializer.validated_data["body"],
        )
        return self.get(request, conversation_id, message_id)

    @extend_schema(
        tags=TAG,
        summary="Delete a message (soft)",
        description="By its sender, a group's owners and admins, or a support agent (403 "
        "`cannot_delete_message`). The message keeps its number; its body and attachments "
        "are no longer shown to others. Idempotent.\n\n" + NOT_FOUND,
        parameters=[CONVERSATION_ID, MESSAGE_ID],
        request=None,
        responses={204: None},
    )
    def delete(self, request, conversation_id, message_id):
        services.message_delete(
            actor=request.user, conversation_id=conversation_id, message_id=message_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class AttachmentDownloadView(MessagingView):
    serializer_class = None

    @extend_schema(
        tags=TAG,
        summary="Download an attachment",
        description="Participants only. Served as a download, with its checked content type."
        "\n\n" + NOT_FOUND + " 404 `attachment_not_found`.",
        parameters=[CONVERSATION_ID, MESSAGE_ID, ATTACHMENT_ID],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request, conversation_id, message_id, attachment_id):
        access = conversation_access(request.user, conversation_id)
        attachment = selectors.attachment_of(
            access=access, message_id=message_id, attachment_id=attachment_id
        )
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        return response


class ReadView(MessagingView):
    serializer_class = s.ReadStateSerializer

    @extend_schema(
        tags=TAG,
        summary="Mark the conversation read",
        description="Up to `seq` (default: the last message); never moves backwards. The "
        "read receipt goes to the conversation's sockets. A support agent becomes a "
        "participant.\n\nErrors: 400 `invalid_seq` (after the last message); " + NOT_FOUND,
        parameters=[CONVERSATION_ID],
        request=s.ReadSerializer,
        responses={200: s.ReadStateSerializer},
    )
    def post(self, request, conversation_id):
        serializer = s.ReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        participant = services.conversation_read(
            user=request.user,
            conversation_id=conversation_id,
            up_to_seq=serializer.validated_data.get("seq"),
        )
        participant.conversation.refresh_from_db(fields=["last_seq"])
        last_seq = participant.conversation.last_seq
        data = {
            "conversation": participant.conversation_id,
            "last_read_seq": participant.last_read_seq,
            "unread": max(0, last_seq - participant.last_read_seq),
        }
        return Response(s.ReadStateSerializer(data).data)


class ParticipantListCreateView(MessagingView):
    serializer_class = s.ParticipantSerializer

    @extend_schema(
        tags=TAG,
        summary="Participants of a conversation",
        description="Active participants with their role and read mark, by arrival. " + NOT_FOUND,
        parameters=[CONVERSATION_ID],
        responses={200: s.ParticipantSerializer(many=True)},
    )
    def get(self, request, conversation_id):
        access = conversation_access(request.user, conversation_id)
        page = self.paginate_queryset(selectors.participants_of(access=access))
        return self.get_paginated_response(s.ParticipantSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Add someone to a group, or invite them",
        description="Owners and admins of a group (403 `not_group_admin`); only an owner "
        "adds an admin (403 `role_too_high`). 201 with the participant when added, 200 "
        "when already there, 202 with the pending invitation when they must accept first "
        "(the same invitation when asked again).\n\n" + CONSENT + "\n\n"
        "Errors: 400 `not_a_group`, `unknown_user`; 403 `user_unavailable`; 409 "
        "`group_full` (participants and pending invitations count), `invitation_declined` "
        "(they declined an invitation to this group in the last 30 days); " + NOT_FOUND,
        parameters=[CONVERSATION_ID],
        request=s.ParticipantAddSerializer,
        responses={
            200: s.ParticipantSerializer,
            201: s.ParticipantSerializer,
            202: s.GroupInvitationSerializer,
        },
        extensions=error_codes(
            {
                400: [E.NOT_A_GROUP, E.UNKNOWN_USER],
                403: [E.NOT_GROUP_ADMIN, E.ROLE_TOO_HIGH, E.USER_UNAVAILABLE],
                404: [E.CONVERSATION_NOT_FOUND],
                409: [E.GROUP_FULL, E.INVITATION_DECLINED],
            }
        ),
        examples=examples.PARTICIPANT_ADD,
    )
    def post(self, request, conversation_id):
        serializer = s.ParticipantAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result, outcome = services.participant_add(
            actor=request.user,
            conversation_id=conversation_id,
            user_id=serializer.validated_data["user"],
            role=serializer.validated_data["role"],
        )
        if outcome == services.ADD_INVITED:
            return Response(
                s.GroupInvitationSerializer(result).data, status=status.HTTP_202_ACCEPTED
            )
        return Response(
            s.ParticipantSerializer(result).data,
            status=status.HTTP_201_CREATED if outcome == services.ADD_ADDED else status.HTTP_200_OK,
        )


class ParticipantDetailView(MessagingView):
    serializer_class = None

    @extend_schema(
        tags=TAG,
        summary="Remove someone from a group, withdraw their invitation, or leave (my own id)",
        description="Removing: owners and admins (403 `not_group_admin`); only an owner "
        "removes an owner or an admin (403 `role_too_high`). The same call withdraws a "
        "pending invitation of that person. Leaving: anyone in a group, "
        "agents in a support conversation; a private conversation cannot be left (400 "
        "`not_a_group`). When the last owner leaves, the longest-standing admin (else "
        "member) becomes owner.\n\nErrors: 404 `participant_not_found`; " + NOT_FOUND,
        parameters=[CONVERSATION_ID, USER_ID],
        request=None,
        responses={204: None},
    )
    def delete(self, request, conversation_id, user_id):
        services.participant_remove(
            actor=request.user, conversation_id=conversation_id, user_id=user_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class LeaveView(MessagingView):
    serializer_class = None

    @extend_schema(
        tags=TAG,
        summary="Leave a group",
        description="The caller stops being a participant: the group leaves their inbox, "
        "they get none of its messages, notifications or live events (an open socket is "
        "closed with 4403), and the others get the live event `participant.removed` with "
        '`"reason": "left"`. When the last owner leaves, the longest-standing admin (else '
        "member) becomes owner. Support agents leave a support conversation the same way."
        "\n\nErrors: 400 `not_a_group` (a private conversation, or the requester of a "
        "support conversation); " + NOT_FOUND,
        parameters=[CONVERSATION_ID],
        request=None,
        responses={204: None},
        extensions=error_codes(
            {
                400: [E.NOT_A_GROUP],
                404: [E.CONVERSATION_NOT_FOUND, E.PARTICIPANT_NOT_FOUND],
            }
        ),
    )
    def post(self, request, conversation_id):
        services.participant_leave(user=request.user, conversation_id=conversation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationListView(MessagingView):
    serializer_class = s.GroupInvitationSerializer

    @extend_schema(
        tags=TAG,
        summary="My pending invitations to groups",
        description="Invitations I have not answered yet, most recently sent first. A group "
        "I am invited to is not among my conversations until I accept. Page-numbered.",
        responses={200: s.GroupInvitationSerializer(many=True)},
        examples=examples.INVITATION_LIST,
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.invitations_of(user=request.user))
        return self.get_paginated_response(s.GroupInvitationSerializer(page, many=True).data)


class InvitationAcceptView(MessagingView):
    serializer_class = s.ConversationDetailSerializer

    @extend_schema(
        tags=TAG,
        summary="Accept an invitation to a group",
        description="I become a participant with the invited role, reading from now on; "
        "the group's sockets get `participant.added`. Answers the conversation.\n\n"
        "Errors: 404 `invitation_not_found` (not mine, answered, withdrawn or cancelled by "
        "a block); 409 `group_full`.",
        parameters=[INVITATION_ID],
        request=None,
        responses={200: s.ConversationDetailSerializer},
        extensions=error_codes({404: [E.INVITATION_NOT_FOUND], 409: [E.GROUP_FULL]}),
    )
    def post(self, request, invitation_id):
        participant = services.invitation_accept(user=request.user, invitation_id=invitation_id)
        return self.conversation_response(participant.conversation_id)


class InvitationDeclineView(MessagingView):
    serializer_class = None

    @extend_schema(
        tags=TAG,
        summary="Decline an invitation to a group",
        description="The group may not invite me again for 30 days. Nobody is told.\n\n"
        "Errors: 404 `invitation_not_found`.",
        parameters=[INVITATION_ID],
        request=None,
        responses={204: None},
        extensions=error_codes({404: [E.INVITATION_NOT_FOUND]}),
    )
    def post(self, request, invitation_id):
        services.invitation_decline(user=request.user, invitation_id=invitation_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


BLOCK_EFFECT = (
    "A block works both ways: neither person can start a private conversation with the "
    "other or add or invite the other to a group (403 `user_unavailable`), and their "
    "private conversation takes no new message from either (403 `conversation_blocked`). "
    "Pending invitations between them are cancelled. In a group both are in, messages "
    "stay visible to all, but the blocker is not notified of the blocked person's "
    "messages. The blocked person is not told."
)


class BlockListCreateView(MessagingView):
    serializer_class = s.BlockSerializer

    @extend_schema(
        tags=TAG,
        summary="The people I blocked",
        description="Most recent first. Page-numbered.",
        responses={200: s.BlockSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(selectors.blocks_of(user=request.user))
        return self.get_paginated_response(s.BlockSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Block someone",
        description="201 when blocked, 200 when already blocked.\n\n"
        + BLOCK_EFFECT
        + "\n\nErrors: 400 `cannot_block_self`, `unknown_user`.",
        request=s.BlockCreateSerializer,
        responses={200: s.BlockSerializer, 201: s.BlockSerializer},
        extensions=error_codes({400: [E.CANNOT_BLOCK_SELF, E.UNKNOWN_USER]}),
        examples=examples.BLOCK_CREATE,
    )
    def post(self, request):
        serializer = s.BlockCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        block, created = services.block_create(
            user=request.user, user_id=serializer.validated_data["user"]
        )
        return Response(
            s.BlockSerializer(block).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class BlockDetailView(MessagingView):
    serializer_class = None

    @extend_schema(
        tags=TAG,
        summary="Unblock someone",
        description="Errors: 404 `block_not_found` (I had not blocked them).",
        parameters=[USER_ID],
        request=None,
        responses={204: None},
        extensions=error_codes({404: [E.BLOCK_NOT_FOUND]}),
    )
    def delete(self, request, user_id):
        services.block_delete(user=request.user, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
