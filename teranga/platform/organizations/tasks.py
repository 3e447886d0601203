"""Background work of the organisations app (Django Tasks API, huey behind it)."""

from __future__ import annotations

from django_tasks import task

from .models import Membership, Organization, Role


@task()
def announce_verification_decision(organization_id: str) -> int:
    """Tell every owner and admin, in real time, that the verification status changed.
    Returns how many users were told (idempotent: it sends the current status)."""
    from teranga.platform.realtime import broadcast as realtime

    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return 0
    user_ids = list(
        Membership.objects.filter(
            organization=organization, role__in=[Role.OWNER, Role.ADMIN]
        ).values_list("user_id", flat=True)
    )
    event = {
        "type": "organization.verification_changed",
        "organization": str(organization.pk),
        "status": organization.verification_status,
    }
    for user_id in user_ids:
        realtime.broadcast(realtime.user_group(user_id), event)
    return len(user_ids)
