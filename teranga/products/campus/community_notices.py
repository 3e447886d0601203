"""What the community part tells people: a badge earned (``campus.badge_awarded``) and
the decision on a student-ID verification (``campus.student_verification``: approved or
rejected, with the reason). The badge's name is looked up when the notification is
rendered, so it is in the recipient's language.

This module only declares the types and their texts (``product`` registers them); the
services decide when to send them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.platform.notifications.extensions import NotificationType
from teranga.platform.notifications.models import Channel

BADGE_AWARDED = "campus.badge_awarded"
STUDENT_VERIFICATION = "campus.student_verification"


#: Each badge's name and description for people, by code (the rules that award them are
#: ``services.badges.BADGES``, which take their labels from here).
BADGE_LABELS = {
    "first_event": (
        gettext_lazy("First event"),
        gettext_lazy("Checked in at a first campus event."),
    ),
    "events_10": (gettext_lazy("Regular"), gettext_lazy("Checked in at ten campus events.")),
    "organizer_5": (
        gettext_lazy("Organiser"),
        gettext_lazy("Organised five events that took place."),
    ),
    "reviewer": (gettext_lazy("Reviewer"), gettext_lazy("Wrote a first review of an event.")),
}


def _badge_name(ctx) -> str:
    labels = BADGE_LABELS.get(ctx.get("badge", ""))
    return str(labels[0]) if labels is not None else ctx.get("badge", "")


def _badge_description(ctx) -> str:
    labels = BADGE_LABELS.get(ctx.get("badge", ""))
    return str(labels[1]) if labels is not None else ""


def _badge_title(ctx) -> str:
    return _("New badge: %(badge)s") % {"badge": _badge_name(ctx)}


def _badge_body(ctx) -> str:
    return _("Congratulations! You earned the badge “%(badge)s”: %(description)s") % {
        "badge": _badge_name(ctx),
        "description": _badge_description(ctx),
    }


def _verification_title(ctx) -> str:
    if ctx.get("status") == "approved":
        return _("Student ID verified")
    return _("Student ID not verified")


def _verification_body(ctx) -> str:
    if ctx.get("status") == "approved":
        return _("%(university)s verified your student ID %(matricule)s.") % {
            "university": ctx.get("university", ""),
            "matricule": ctx.get("matricule", ""),
        }
    return _(
        "%(university)s could not verify your student ID %(matricule)s: %(reason)s "
        "You may submit it again."
    ) % {
        "university": ctx.get("university", ""),
        "matricule": ctx.get("matricule", ""),
        "reason": ctx.get("reason", ""),
    }


BADGE_TYPE = NotificationType(
    name=BADGE_AWARDED,
    channels=(Channel.PUSH, Channel.WEBSOCKET),
    title=_badge_title,
    body=_badge_body,
    sample={"badge": "first_event"},
    label=gettext_lazy("Campus: a badge earned"),
)

VERIFICATION_TYPE = NotificationType(
    name=STUDENT_VERIFICATION,
    channels=(Channel.PUSH, Channel.EMAIL, Channel.WEBSOCKET),
    title=_verification_title,
    body=_verification_body,
    sample={
        "status": "rejected",
        "university": "Université Cheikh Anta Diop",
        "matricule": "201912345",
        "reason": "The card is unreadable.",
    },
    label=gettext_lazy("Campus: student ID verification"),
)

#: The community part's notification types (declared in ``product``).
TYPES = [BADGE_TYPE, VERIFICATION_TYPE]
