"""Reads of the audit log: an organisation's entries and a user's own, newest first."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .access import organization_for_audit
from .models import AuditEntry


def _listed(queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    return queryset.select_related("organization").order_by("-created_at", "-id")


def organization_entries(*, user, organization_id) -> QuerySet[AuditEntry]:
    """The log of an organisation whose log ``user`` may read (``audit.view``: managers
    and above, staff): 404 for an organisation they may not know, 403 for a lower role."""
    organization = organization_for_audit(user=user, organization_id=organization_id)
    return _listed(AuditEntry.objects.filter(organization=organization))


def user_entries(*, user) -> QuerySet[AuditEntry]:
    """What ``user`` did and what was done to them: their sign-ins (and the failed
    ones on their account), their account changes, the changes made to them."""
    return _listed(AuditEntry.objects.filter(Q(actor=user) | Q(subject=user)))
