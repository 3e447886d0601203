"""Factories of the real-estate product: a verified agency in Dakar and its properties."""

from __future__ import annotations

import factory

from teranga.platform.organizations.models import OrganizationKind, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member
from teranga.products.realestate.models import (
    Property,
    PropertyStatus,
    PropertyType,
    TransactionType,
)
from teranga.products.realestate.richtext import search_text


class AgencyFactory(OrganizationFactory):
    kind = OrganizationKind.AGENCY
    name = factory.Sequence(lambda n: f"Agence {n}")
    slug = factory.Sequence(lambda n: f"agence-{n}")


class PropertyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Property

    organization = factory.SubFactory(AgencyFactory)
    property_type = PropertyType.APARTMENT
    transaction = TransactionType.SALE
    status = PropertyStatus.AVAILABLE
    title = factory.Sequence(lambda n: f"Appartement {n} à Mermoz")
    description = "<p>Bel appartement lumineux.</p>"
    address = "Route de Ouakam"
    commune = "Mermoz-Sacré-Cœur"
    latitude = 14.7061
    longitude = -17.4748
    price = 60_000_000
    currency = "XOF"
    surface = 100
    rooms = 4
    bedrooms = 3
    search_text = factory.LazyAttribute(
        lambda o: search_text(o.title, o.description, o.address, o.commune)
    )


def agency_with_team(**fields):
    """(agency, {role name: user}) with an owner, admin, manager, two agents and a plain
    member."""
    agency = AgencyFactory(**fields)
    people = {
        "owner": member(agency, Role.OWNER),
        "admin": member(agency, Role.ADMIN),
        "manager": member(agency, Role.MANAGER),
        "agent": member(agency, Role.AGENT, first_name="Moussa", last_name="Fall"),
        "agent2": member(agency, Role.AGENT),
        "plain": member(agency, Role.MEMBER),
    }
    return agency, people
