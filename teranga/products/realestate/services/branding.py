"""Changing an agency's colours (``AgencyBranding``)."""

from __future__ import annotations

from django.db import transaction

from teranga.platform.organizations.models import Organization

from ..models import AgencyBranding

BRANDING_FIELDS = ("primary_color", "accent_color")


@transaction.atomic
def branding_update(
    *, organization: Organization, primary_color: str | None = None, accent_color: str | None = None
) -> AgencyBranding:
    """Set the colours given (``#RRGGBB``, checked by the caller), kept in lower case."""
    row, _created = AgencyBranding.objects.select_for_update().get_or_create(
        organization=organization
    )
    if primary_color is not None:
        row.primary_color = primary_color.lower()
    if accent_color is not None:
        row.accent_color = accent_color.lower()
    row.full_clean(exclude=["organization"])
    row.save()
    return row
