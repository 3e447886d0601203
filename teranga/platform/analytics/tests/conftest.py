import pytest

from teranga.platform.analytics import services
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member, organization_with_owner

from .factories import SiteFactory


@pytest.fixture(autouse=True)
def _analytics_buffer(settings):
    """No flusher thread: each test flushes when it means to, from an empty buffer."""
    settings.ANALYTICS_FLUSH_SECONDS = 0
    services.buffer_clear()
    services._sites.clear()
    services._salts.clear()
    yield
    services.buffer_clear()
    services._sites.clear()
    services._salts.clear()


@pytest.fixture
def shop(db):
    """A verified organisation with one user per role, and its site."""
    organization, owner = organization_with_owner(name="Boutique Awa")
    users = {Role.OWNER: owner}
    for role in (Role.ADMIN, Role.MANAGER, Role.AGENT):
        users[role] = member(organization, role)
    site = SiteFactory(organization=organization, domains=["awa.example"])
    return organization, users, site


@pytest.fixture
def rival(db):
    organization, owner = organization_with_owner(name="Rival")
    return organization, owner, SiteFactory(organization=organization, domains=["rival.example"])
