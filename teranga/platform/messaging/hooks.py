"""What messaging registers into the platform when Django starts: organisation actions,
the "chat.message" notification type (``notices``), the keyword moderation function
(``moderation``) and the demo data."""

from __future__ import annotations

from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.hooks import demo_loaders
from teranga.platform.organizations.models import Role

from . import moderation, notices  # noqa: F401  (register the type and the keyword list)
from .access import SUPPORT_ANSWER, SUPPORT_SETTINGS_MANAGE, SUPPORT_SETTINGS_VIEW

# Agents and above answer the support conversations of their organisation and read its
# support settings; admins and above change them.
register_action(SUPPORT_ANSWER, Role.AGENT)
register_action(SUPPORT_SETTINGS_VIEW, Role.AGENT, staff=True)
register_action(SUPPORT_SETTINGS_MANAGE, Role.ADMIN)


def _load_demo(*, password: str) -> list[tuple[str, str, str]]:
    from .demo import load

    return load(password=password)


demo_loaders.register("messaging", _load_demo)
