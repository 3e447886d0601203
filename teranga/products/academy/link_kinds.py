"""What the Academy's links point at (``teranga.core.links``): a formation and a
session. ``/o/academy.session/<id>/`` hands over to the app (``academy/sessions/<id>``)
and shows the session to a signed-in reader who may read its formation."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from teranga.core.links import LinkKind, local_time_text, summary_of

from .notices import FORMATION_LINK, SESSION_LINK


def _session_for(user, session_id):
    from .selectors import session_get

    return session_get(user=user, session_id=session_id)


def _session_rows(session) -> list[tuple]:
    formation = session.formation
    return [
        (_("Formation"), formation.title),
        (_("Starts"), local_time_text(session.starts_at, formation.organization.time_zone)),
        (_("Status"), session.get_status_display()),
        (_("Where"), formation.get_platform_display()),
    ]


def _formation_for(user, formation_id):
    from .selectors import formation_get

    return formation_get(user=user, formation_id=formation_id)


def _formation_rows(formation) -> list[tuple]:
    return [
        (_("Formation"), formation.title),
        (_("Academy"), formation.organization.name),
        (_("Level"), formation.get_level_display()),
    ]


def link_kinds() -> list[LinkKind]:
    return [
        LinkKind(
            SESSION_LINK,
            gettext_lazy("Session"),
            "academy/sessions/{id}",
            summary=summary_of(_session_for, _session_rows),
        ),
        LinkKind(
            FORMATION_LINK,
            gettext_lazy("Formation"),
            "academy/formations/{id}",
            summary=summary_of(_formation_for, _formation_rows),
        ),
    ]
