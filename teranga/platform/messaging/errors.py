"""The error codes messaging answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class MessagingError(StrEnum):
    ATTACHMENT_NOT_FOUND = "attachment_not_found"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    BLOCK_NOT_FOUND = "block_not_found"
    CANNOT_BLOCK_SELF = "cannot_block_self"
    CANNOT_DELETE_MESSAGE = "cannot_delete_message"
    CANNOT_MESSAGE_SELF = "cannot_message_self"
    CLIENT_ID_REUSED = "client_id_reused"
    CONVERSATION_BLOCKED = "conversation_blocked"
    CONVERSATION_NOT_FOUND = "conversation_not_found"
    EDIT_WINDOW_CLOSED = "edit_window_closed"
    EMPTY_MESSAGE = "empty_message"
    GROUP_FULL = "group_full"
    INVALID_ATTACHMENT = "invalid_attachment"
    INVALID_BUSINESS_HOURS = "invalid_business_hours"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_SEQ = "invalid_seq"
    INVITATION_DECLINED = "invitation_declined"
    INVITATION_NOT_FOUND = "invitation_not_found"
    MESSAGE_BLOCKED = "message_blocked"
    MESSAGE_DELETED = "message_deleted"
    MESSAGE_NOT_FOUND = "message_not_found"
    MESSAGE_TOO_LONG = "message_too_long"
    NOT_A_GROUP = "not_a_group"
    NOT_A_PARTICIPANT = "not_a_participant"
    NOT_GROUP_ADMIN = "not_group_admin"
    NOT_MESSAGE_SENDER = "not_message_sender"
    NOT_SUPPORT = "not_support"
    PARTICIPANT_NOT_FOUND = "participant_not_found"
    ROLE_TOO_HIGH = "role_too_high"
    SUPPORT_UNAVAILABLE = "support_unavailable"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    UNKNOWN_USER = "unknown_user"
    USER_UNAVAILABLE = "user_unavailable"


error_catalogues.register("messaging", MessagingError, origin="messaging")
