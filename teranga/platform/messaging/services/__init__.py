"""Messaging writes. Every service is atomic, takes the conversation's row lock before
its participants' rows, and broadcasts to the conversation's socket group after commit.
"""

from .conversations import (
    conversation_create,
    conversation_update,
    participant_add,
    participant_leave,
    participant_remove,
)
from .messages import conversation_read, message_delete, message_edit, message_send
from .support import support_conversation_close, support_conversation_open, support_settings_update

__all__ = [
    "conversation_create",
    "conversation_read",
    "conversation_update",
    "message_delete",
    "message_edit",
    "message_send",
    "participant_add",
    "participant_leave",
    "participant_remove",
    "support_conversation_close",
    "support_conversation_open",
    "support_settings_update",
]
