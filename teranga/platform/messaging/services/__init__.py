"""Messaging writes. Every service is atomic, takes the conversation's row lock before
its participants' rows, and broadcasts to the conversation's socket group after commit.
"""

from .consent import block_create, block_delete, invitation_accept, invitation_decline
from .conversations import (
    ADD_ADDED,
    ADD_INVITED,
    ADD_PRESENT,
    conversation_create,
    conversation_update,
    participant_add,
    participant_leave,
    participant_remove,
)
from .messages import conversation_read, message_delete, message_edit, message_send
from .support import support_conversation_close, support_conversation_open, support_settings_update

__all__ = [
    "ADD_ADDED",
    "ADD_INVITED",
    "ADD_PRESENT",
    "block_create",
    "block_delete",
    "conversation_create",
    "conversation_read",
    "conversation_update",
    "invitation_accept",
    "invitation_decline",
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
