"""``tests.writes`` sees every kind of change it promises to see."""

from __future__ import annotations

import pytest

from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member
from teranga.products.smartqueue.tests.factories import CounterFactory, QueueFactory
from tests.writes import changed, gone, unchanged

pytestmark = pytest.mark.django_db


def test_unchanged_sees_an_update_an_insert_a_delete_and_a_link():
    org = OrganizationFactory(city="Dakar")
    with pytest.raises(AssertionError, match=r"city 'Dakar' -> 'Thiès'"), unchanged(org):
        Organization.objects.filter(pk=org.pk).update(city="Thiès")
    memberships = Membership.objects.filter(organization=org)
    with pytest.raises(AssertionError, match="was added"), unchanged(memberships):
        member(org, Role.AGENT)
    with pytest.raises(AssertionError, match="was removed"), unchanged(Membership):
        Membership.objects.filter(organization=org).delete()
    counter = CounterFactory()
    queue = QueueFactory(branch=counter.branch)
    with pytest.raises(AssertionError, match="queues"), unchanged(counter):
        counter.queues.add(queue)
    with unchanged(org, Membership, counter):
        Organization.objects.filter(pk=org.pk).exists()  # a read changes nothing


def test_changed_and_gone():
    org = OrganizationFactory(city="Dakar")
    Organization.objects.filter(pk=org.pk).update(city="Thiès")
    assert changed(org, city="Thiès").city == "Thiès"
    with pytest.raises(AssertionError, match="city is 'Thiès', expected 'Dakar'"):
        changed(org, city="Dakar")
    with pytest.raises(AssertionError, match="still there"):
        gone(org)
    org.delete()
    gone(org)
    with pytest.raises(AssertionError, match="no longer exists"):
        changed(org, city="Thiès")
