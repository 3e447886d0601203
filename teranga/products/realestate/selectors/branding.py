"""An agency's colours (``AgencyBranding``), or the defaults without a row."""

from __future__ import annotations

from ..models import AgencyBranding


def branding_of(*, organization) -> AgencyBranding:
    """The agency's colours (the defaults, unsaved, without a row)."""
    organization_id = getattr(organization, "pk", organization)
    return AgencyBranding.objects.filter(organization_id=organization_id).first() or (
        AgencyBranding(organization_id=organization_id)
    )
