"""Reads of one property: as anyone sees it, as its agency's staff see it, its history
and its documents. Each is a fixed number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.models import Organization, OrganizationKind

from ..errors import RealEstateError
from ..models import Property, PropertyChange, PropertyDocument, PropertyImage
from . import access


def _detail_queryset() -> QuerySet[Property]:
    return Property.objects.select_related("organization", "agent", "region").prefetch_related(
        Prefetch("images", queryset=PropertyImage.objects.order_by("position", "created_at"))
    )


def property_detail(*, user, property_id) -> tuple[Property, bool]:
    """The property with its images, and whether ``user`` reads it as staff."""
    return access.property_visible(user=user, property_id=property_id, queryset=_detail_queryset())


def property_for_staff(*, user, property_id, action: str = access.PROPERTIES_VIEW) -> Property:
    return access.property_for_staff(
        user=user, property_id=property_id, action=action, queryset=_detail_queryset()
    )


def property_changes(*, prop: Property) -> QuerySet[PropertyChange]:
    return PropertyChange.objects.filter(property=prop).select_related("actor")


def property_documents(*, prop: Property) -> QuerySet[PropertyDocument]:
    return PropertyDocument.objects.filter(property=prop).select_related("uploaded_by")


def agency_for(*, user, organization_id, action: str) -> Organization:
    """The agency ``organization_id`` where ``user`` may do ``action`` (404 / 403 from
    ``organizations.access``); 400 ``agency_kind_not_supported`` for an organisation
    that is not an agency."""
    from django.utils.translation import gettext as _

    from teranga.core.errors import ValidationFailed

    organization = get_organization_for(user, organization_id, action)
    if organization.kind != OrganizationKind.AGENCY:
        raise ValidationFailed(
            _("Only real-estate agencies list properties."),
            code=RealEstateError.AGENCY_KIND_NOT_SUPPORTED,
        )
    return organization


def property_link_target(user, property_id) -> Property:
    """The property of a link (``/o/realestate.property/<id>/``), if ``user`` may see it."""
    prop, _staff = access.property_visible(user=user, property_id=property_id)
    return prop


def property_link_rows(prop: Property) -> list[tuple]:
    from django.utils.translation import gettext as _

    from teranga.core.money import Money

    return [
        (_("Property"), prop.title),
        (_("Price"), Money(int(prop.price), prop.currency).format()),
        (_("Commune"), prop.commune),
        (_("Status"), prop.get_status_display()),
    ]
