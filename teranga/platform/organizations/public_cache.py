"""The organisations' public reads in the HTTP cache (``teranga.core.public_cache``):
the scopes their answers depend on, and what bumps them.

* ``organizations``: the directory (every organisation's public fields);
* ``organization:<id>``: one organisation, its branches, their opening hours and its
  closures.

Any change of an organisation, a branch, opening hours or a closure bumps both (a
branch's region or city may change what the directory filters on). Replacing a week of
opening hours is a ``bulk_create`` that sends no signal: the app's
``availability_changed`` announcement (after commit) bumps them too.
"""

from __future__ import annotations

from teranga.core.public_cache import invalidate_on, scopes_bump

DIRECTORY = "organizations"


def organization_scope(organization_id) -> str:
    return f"organization:{organization_id}"


def _scopes(organization_id) -> list[str]:
    return [DIRECTORY, organization_scope(organization_id)] if organization_id else [DIRECTORY]


def _branch_organization(branch_id):
    from .models import Branch

    return Branch.objects.filter(pk=branch_id).values_list("organization_id", flat=True).first()


def availability_changed(*, organization_id, branch_id=None) -> None:
    scopes_bump(*_scopes(organization_id))


def register() -> None:
    """Connect the invalidation (from ``OrganizationsConfig.ready``)."""
    from .extensions import availability_changed as handlers
    from .models import Branch, Closure, OpeningHours, Organization

    invalidate_on(Organization, lambda organization: _scopes(organization.pk))
    invalidate_on(Branch, lambda branch: _scopes(branch.organization_id))
    invalidate_on(Closure, lambda closure: _scopes(closure.organization_id))
    invalidate_on(OpeningHours, lambda hours: _scopes(_branch_organization(hours.branch_id)))
    handlers.register("organizations.public_cache", availability_changed, origin="organizations")
