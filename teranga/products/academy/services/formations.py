"""Formations: created and changed by the academy's managers. The description is
sanitised HTML (nh3: only safe markup kept, links get ``rel="noopener noreferrer
nofollow"``); the price is in the academy's currency, in minor units."""

from __future__ import annotations

from typing import Any

import nh3
from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import ValidationFailed, refuse_unknown_fields
from teranga.platform.organizations.models import Membership, Organization, OrganizationKind, Role

from ..errors import AcademyError
from ..models import Formation

FORMATION_FIELDS = (
    "title",
    "level",
    "description",
    "price_amount",
    "platform",
    "meeting_url",
    "instructor",
    "is_published",
)
#: The price a formation may have, in minor units (EUR 10 000.00 at most).
MAX_PRICE = 100_000_000
LINK_REL = "noopener noreferrer nofollow"


def description_clean(value: str) -> str:
    """``value`` with only nh3's safe default markup; scripts and styles removed."""
    if not value:
        return ""
    return nh3.clean(value, clean_content_tags={"script", "style"}, link_rel=LINK_REL).strip()


def _instructor(organization: Organization, user_id):
    """An agent or above of the academy (400 ``instructor_not_found`` otherwise)."""
    if user_id is None:
        return None
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, user_id=user_id)
        .exclude(role=Role.MEMBER)
        .first()
    )
    if membership is None:
        message = _("The instructor must be a staff member of the academy.")
        raise ValidationFailed(
            message, code=AcademyError.INSTRUCTOR_NOT_FOUND, fields={"instructor": [message]}
        )
    return membership.user


def _apply(formation: Formation, organization: Organization, fields: dict[str, Any]) -> None:
    if "instructor" in fields:
        fields["instructor"] = _instructor(organization, fields["instructor"])
    if "description" in fields:
        fields["description"] = description_clean(fields["description"] or "")
    if "price_amount" in fields and not 0 <= int(fields["price_amount"]) <= MAX_PRICE:
        raise ValidationFailed(fields={"price_amount": [_("This price is out of range.")]})
    for name, value in fields.items():
        setattr(formation, name, value)


@transaction.atomic
def formation_create(*, organization: Organization, **fields: Any) -> Formation:
    """A formation of ``organization`` (an academy: 400 ``organization_kind_not_supported``
    otherwise), in its currency."""
    refuse_unknown_fields(fields, FORMATION_FIELDS)
    if organization.kind != OrganizationKind.ACADEMY:
        raise ValidationFailed(
            _("Only an academy offers formations."),
            code=AcademyError.ORGANIZATION_KIND_NOT_SUPPORTED,
        )
    formation = Formation(organization=organization, currency=organization.currency)
    _apply(formation, organization, dict(fields))
    formation.save()
    return formation


@transaction.atomic
def formation_update(*, formation: Formation, **fields: Any) -> Formation:
    refuse_unknown_fields(fields, FORMATION_FIELDS)
    formation = (
        Formation.objects.select_for_update().select_related("organization").get(pk=formation.pk)
    )
    _apply(formation, formation.organization, dict(fields))
    formation.save()
    return formation
