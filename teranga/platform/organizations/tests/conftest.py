import pytest

from teranga.platform.organizations.models import Role

from .factories import member, organization_with_owner


@pytest.fixture
def org_a(db):
    """A verified organisation with one user per role: ``org, users`` (role -> user)."""
    organization, owner = organization_with_owner(name="Alpha")
    users = {Role.OWNER: owner}
    for role in (Role.ADMIN, Role.MANAGER, Role.AGENT, Role.MEMBER):
        users[role] = member(organization, role)
    return organization, users


@pytest.fixture
def org_b(db):
    """Another verified tenant, with its owner."""
    return organization_with_owner(name="Bravo")
