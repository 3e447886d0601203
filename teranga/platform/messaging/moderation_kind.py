"""Chat messages as a moderation kind (``"messaging.message"``, ``teranga.platform.moderation``).

Every sent or edited message is checked by ``moderation.services.check``: a blocked one
is refused (and the attempt logged), a flagged one is stored, delivered and opens a case.
Its moderators are platform staff and, for a conversation that belongs to an organisation
(support conversations), that organisation's owners and admins. Removing a message deletes
it for everyone as a sender's delete does (soft: staff still read it in the admin);
approving it marks it OK again."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.platform.moderation.extensions import ModerationKind, moderation_kinds
from teranga.platform.organizations.models import Membership, Role

from .services.messages import MODERATION_KIND as KIND
from .services.messages import messages_review


def _moderators_q(user) -> Q | None:
    organizations = Membership.objects.filter(user=user, role__in=[Role.OWNER, Role.ADMIN]).values(
        "organization_id"
    )
    return Q(organization_id__in=organizations)


def _remove(object_id: str) -> None:
    messages_review(message_ids=[object_id], hide=True)


def _restore(object_id: str) -> None:
    messages_review(message_ids=[object_id], hide=False)


def register(origin: str) -> None:
    moderation_kinds.register(
        KIND,
        ModerationKind(
            label=_("Chat message"),
            moderators_q=_moderators_q,
            on_remove=_remove,
            on_restore=_restore,
        ),
        origin=origin,
    )
