"""Campus's moderation kinds (``Product.moderation_kinds``; the queue is the platform's,
``/api/v1/moderation/cases/``). Who moderates is a ``Q`` over ``ModerationCase`` built
from subqueries: one SQL statement for a whole page of cases, whatever its size.

* ``campus.group_post`` / ``campus.group_comment``: the group's admins and moderators
  (cases scoped ``campus.group:<group hex>``) and, for a club tied to an organiser
  organisation, that organisation's owners and admins. Remove: deleted (as a moderator's
  delete); approve: the flag cleared.
* ``campus.review``: the organiser's members who manage its events
  (``campus.events.manage``: managers and above). Approve: shown again; remove: hidden
  for good.
* ``campus.event``: for a club's event, the owners and admins of the club's university
  (``CampusOrganizer.university``). Remove: "invite only" (``event_moderation_remove``);
  approve: nothing changes.

Platform staff moderate every case (the platform's rule)."""

from __future__ import annotations

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, Replace
from django.utils.translation import gettext_lazy as _

from teranga.core.links import object_link
from teranga.platform.moderation.extensions import ModerationKind
from teranga.platform.organizations.access import ROLE_RANK, role_at_least, rule_for
from teranga.platform.organizations.models import Membership, Role

from .models import CampusOrganizer, GroupMembership, GroupRole
from .services.events import event_moderation_remove
from .services.moderation import COMMENT_KIND, EVENT_KIND, POST_KIND, REVIEW_KIND
from .services.posts import content_moderation_approve, content_moderation_remove
from .services.reviews import review_moderation_approve, review_moderation_remove

OWNERS_AND_ADMINS = (Role.OWNER, Role.ADMIN)
EVENTS_MANAGE = "campus.events.manage"


def _organizations(user, roles) -> QuerySet:
    return Membership.objects.filter(user=user, role__in=roles).values("organization_id")


def _group_moderators_q(user) -> Q:
    # The scope holds the group id's hex form, as this expression gives it on SQLite
    # (32 hex digits) and PostgreSQL (uuid::text without its dashes).
    scopes = GroupMembership.objects.filter(
        user=user, role__in=(GroupRole.ADMIN, GroupRole.MODERATOR)
    ).values(
        scope=Concat(
            Value("campus.group:"),
            Replace(Cast("group_id", output_field=CharField()), Value("-"), Value("")),
            output_field=CharField(),
        )
    )
    return Q(scope__in=scopes) | Q(organization_id__in=_organizations(user, OWNERS_AND_ADMINS))


def _review_moderators_q(user) -> Q:
    least = rule_for(EVENTS_MANAGE).min_role
    roles = [role for role in ROLE_RANK if least is not None and role_at_least(role, least)]
    return Q(organization_id__in=_organizations(user, roles))


def _event_moderators_q(user) -> Q:
    clubs = CampusOrganizer.objects.filter(
        university_id__in=_organizations(user, OWNERS_AND_ADMINS)
    ).values("organization_id")
    return Q(organization_id__in=clubs)


def _post_remove(object_id: str) -> None:
    content_moderation_remove(kind=POST_KIND, object_id=object_id)


def _post_restore(object_id: str) -> None:
    content_moderation_approve(kind=POST_KIND, object_id=object_id)


def _comment_remove(object_id: str) -> None:
    content_moderation_remove(kind=COMMENT_KIND, object_id=object_id)


def _comment_restore(object_id: str) -> None:
    content_moderation_approve(kind=COMMENT_KIND, object_id=object_id)


def _review_remove(object_id: str) -> None:
    review_moderation_remove(review_id=object_id)


def _review_restore(object_id: str) -> None:
    review_moderation_approve(review_id=object_id)


def _event_remove(object_id: str) -> None:
    event_moderation_remove(event_id=object_id)


def _event_link(object_id: str) -> str:
    return object_link("campus.event", object_id)


def kinds() -> dict[str, ModerationKind]:
    return {
        POST_KIND: ModerationKind(
            label=_("Group post"),
            moderators_q=_group_moderators_q,
            on_remove=_post_remove,
            on_restore=_post_restore,
        ),
        COMMENT_KIND: ModerationKind(
            label=_("Group comment"),
            moderators_q=_group_moderators_q,
            on_remove=_comment_remove,
            on_restore=_comment_restore,
        ),
        REVIEW_KIND: ModerationKind(
            label=_("Event review"),
            moderators_q=_review_moderators_q,
            on_remove=_review_remove,
            on_restore=_review_restore,
        ),
        EVENT_KIND: ModerationKind(
            label=_("Event"),
            moderators_q=_event_moderators_q,
            on_remove=_event_remove,
            link=_event_link,
        ),
    }
