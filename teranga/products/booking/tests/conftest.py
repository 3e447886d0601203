"""Fixtures shared by the reservation and payment tests of the Booking product."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
import time_machine

from conftest import authed_client, create_user
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import member
from teranga.products.booking.tests.factories import ServiceFactory, business_with_owner

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(db, clock):
    """A verified business with one service paid on site (1 h, 5 000 F CFA, 24 h notices)
    and one paid online in full (``online``: a massage, 5 000 F CFA), one user per role,
    plus two clients and a platform staff user (each with a logged-in client)."""
    business, owner = business_with_owner(name="Salon Awa", slug="salon-awa")
    service = ServiceFactory(
        organization=business, name="Coupe", price_amount=5000, payment_mode="on_site"
    )
    online = ServiceFactory(
        organization=business, name="Massage", price_amount=5000, payment_mode="online_full"
    )
    people = {
        "owner": owner,
        "manager": member(business, Role.MANAGER),
        "agent": member(business, Role.AGENT),
        "plain": member(business, Role.MEMBER),
        "alice": create_user("alice@example.test", first_name="Alice", last_name="Diop"),
        "bob": create_user("bob@example.test", first_name="Bob", last_name="Ndiaye"),
        "staff": create_user("staff@example.test", is_staff=True),
    }
    other, other_owner = business_with_owner(name="Autre")
    people["other_owner"] = other_owner
    return SimpleNamespace(
        business=business,
        service=service,
        online=online,
        other=other,
        users=people,
        api={name: authed_client(user) for name, user in people.items()},
    )
