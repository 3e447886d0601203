"""What the groups part tells people: a join request to decide
(``campus.group_join_requested``, to the group's admins and moderators) and the decision
on one's own request (``campus.group_join_decided``: approved or rejected). Each links
to the group (link kind ``campus.group``: the handover page shows its name to whoever may
see it).

This module declares the types, the link kind and its summary (``product`` registers
them); ``services.groups`` sends them, recorded in the deciding transaction."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

JOIN_REQUESTED = "campus.group_join_requested"
JOIN_DECIDED = "campus.group_join_decided"
GROUP_LINK = "campus.group"


def _requested_title(ctx) -> str:
    return _("New request to join %(group)s") % {"group": ctx.get("group", "")}


def _requested_body(ctx) -> str:
    return _("%(user)s asks to join %(group)s.") % {
        "user": ctx.get("user", ""),
        "group": ctx.get("group", ""),
    }


def _decided_title(ctx) -> str:
    if ctx.get("status") == "approved":
        return _("Welcome to %(group)s") % {"group": ctx.get("group", "")}
    return _("Request to join %(group)s declined") % {"group": ctx.get("group", "")}


def _decided_body(ctx) -> str:
    if ctx.get("status") == "approved":
        return _("Your request was approved: you are now a member of %(group)s.") % {
            "group": ctx.get("group", "")
        }
    return _("Your request to join %(group)s was not approved.") % {"group": ctx.get("group", "")}


TYPES = [
    NotificationType(
        name=JOIN_REQUESTED,
        channels=(Channel.PUSH, Channel.WEBSOCKET),
        title=_requested_title,
        body=_requested_body,
        sample={"group": "Club Tech", "user": "Awa D."},
        label=gettext_lazy("Campus: a request to join a group"),
    ),
    NotificationType(
        name=JOIN_DECIDED,
        channels=(Channel.PUSH, Channel.WEBSOCKET),
        title=_decided_title,
        body=_decided_body,
        sample={"group": "Club Tech", "status": "approved"},
        label=gettext_lazy("Campus: the decision on my request to join a group"),
    ),
]


def _group_for_link(user, group_id):
    from .selectors.groups import group_for_viewer

    return group_for_viewer(user=user, group_id=group_id)


def _group_rows(group):
    return [(str(_("Group")), group.name), (str(_("Members")), str(group.members_count))]


def group_link_kind():
    from teranga.core.links import LinkKind, summary_of

    return LinkKind(
        GROUP_LINK,
        gettext_lazy("Group"),
        "campus/groups/{id}",
        summary=summary_of(_group_for_link, _group_rows),
    )
