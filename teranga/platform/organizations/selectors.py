"""Reads on organisations. Every list is built so that its query count does not grow
with its length (select_related / prefetch_related / annotations)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from teranga.platform.organizations.errors import OrganizationError

from .models import (
    Branch,
    Closure,
    Invitation,
    Membership,
    OpeningHours,
    Organization,
    VerificationDecision,
    VerificationDocument,
    VerificationStatus,
)


def organization_directory() -> QuerySet[Organization]:
    """The public directory: verified organisations only (filters: api.filters)."""
    return Organization.objects.filter(
        verification_status=VerificationStatus.VERIFIED
    ).select_related("region")


def organizations_of_user(*, user) -> QuerySet[Membership]:
    """The user's memberships with their organisations (one query)."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization", "organization__region")
        .order_by("organization__name")
    )


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("created_at")
    )


def organization_invitations(*, organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization=organization).select_related("invited_by")


def organization_branches(
    *, organization: Organization, active_only: bool = False
) -> QuerySet[Branch]:
    queryset = Branch.objects.filter(organization=organization).select_related(
        "region", "department"
    )
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset.prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday", "opens_at"))
    )


def branch_get(*, organization: Organization, branch_id, active_only: bool = False) -> Branch:
    from teranga.core.errors import NotFound

    branch = (
        organization_branches(organization=organization, active_only=active_only)
        .filter(pk=branch_id)
        .first()
    )
    if branch is None:
        raise NotFound(code=OrganizationError.BRANCH_NOT_FOUND)
    return branch


def branch_opening_hours(*, organization: Organization, branch_id) -> QuerySet[OpeningHours]:
    branch = branch_get(organization=organization, branch_id=branch_id)
    return OpeningHours.objects.filter(branch=branch).order_by("weekday", "opens_at")


def organization_closures(*, organization: Organization) -> QuerySet[Closure]:
    return Closure.objects.filter(organization=organization).select_related("branch")


def organization_verification(*, organization: Organization) -> Organization:
    """The organisation with its documents and decisions prefetched."""
    return (
        Organization.objects.filter(pk=organization.pk)
        .prefetch_related(
            Prefetch(
                "verification_documents",
                queryset=VerificationDocument.objects.order_by("-created_at"),
            ),
            Prefetch(
                "verification_decisions",
                queryset=VerificationDecision.objects.select_related("decided_by").order_by(
                    "-created_at"
                ),
            ),
        )
        .get()
    )
