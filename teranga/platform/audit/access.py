"""Who reads which part of the audit log: the one place this app asks the organisations'
permission layer (``teranga.platform.organizations.access``).

* ``audit.view`` — an organisation's log: its managers and above, and platform staff;
  another organisation (or none) answers 404, a lower role 403.
* A user's own entries need no action: anyone signed in reads theirs.

The audit app sits below the organisations app (organisations' services write entries),
so this import is the one declared exception of the platform order (pyproject.toml).
"""

from __future__ import annotations

from teranga.platform.organizations.access import get_organization_for, register_action
from teranga.platform.organizations.errors import OrganizationError
from teranga.platform.organizations.models import Role

AUDIT_VIEW = "audit.view"
#: What an organisation the caller may not know answers (404).
ORGANIZATION_NOT_FOUND = OrganizationError.ORGANIZATION_NOT_FOUND

register_action(AUDIT_VIEW, Role.MANAGER, staff=True, origin="audit")


def organization_for_audit(*, user, organization_id):
    """The organisation whose log ``user`` may read (404 / 403 otherwise)."""
    return get_organization_for(user, organization_id, AUDIT_VIEW)
