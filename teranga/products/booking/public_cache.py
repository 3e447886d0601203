"""Booking's public catalogue in the HTTP cache (``teranga.core.public_cache``): the
scopes its answers depend on, and what bumps them (registered by ``product.py``).

* ``booking.categories``: the categories;
* ``booking.services``: the public list of services and each service's page (a service
  shows its business, category, tags and images, so a change of any of them bumps it,
  and so does a business's change: its name, city, region, verification).
"""

from __future__ import annotations

from teranga.core.public_cache import invalidate_on

CATEGORIES = "booking.categories"
SERVICES = "booking.services"


def register() -> None:
    from teranga.platform.organizations.models import Organization

    from .models import Service, ServiceCategory, ServiceImage, Tag

    invalidate_on(ServiceCategory, [CATEGORIES, SERVICES])
    invalidate_on(Tag, [SERVICES])
    invalidate_on(Service, [SERVICES], m2m=["tags"])
    invalidate_on(ServiceImage, [SERVICES])
    invalidate_on(Organization, [SERVICES])
