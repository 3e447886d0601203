"""The names of the link kinds messaging registers (``link_kinds``): a link to one of
its objects is ``teranga.core.links.object_link(<name>, id)``."""

CONVERSATION = "messaging.conversation"
INVITATION = "messaging.invitation"
