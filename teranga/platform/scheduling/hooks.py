"""What the scheduling engine registers into the platform when Django starts."""

from __future__ import annotations

from teranga.platform.organizations.access import register_action
from teranga.platform.organizations.hooks import availability_changed
from teranga.platform.organizations.models import Role

from . import notices  # noqa: F401  (registers the booking.* notification types)

# Agenda and bookings of an organisation: agents and above (and staff) read them;
# managers and above change resources, rules and overrides.
register_action("scheduling.view", Role.AGENT, staff=True)
register_action("scheduling.manage", Role.MANAGER)


def _recheck_after_change(*, organization_id, branch_id=None) -> None:
    from .tasks import bookings_recheck_task

    bookings_recheck_task.enqueue(
        organization_id=str(organization_id), branch_id=str(branch_id) if branch_id else None
    )


availability_changed.register("scheduling.recheck", _recheck_after_change)
