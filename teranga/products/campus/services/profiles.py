"""A student's campus profile: their university (which "university only" events they
see) and their interests (tag slugs, used by the recommendations)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed, refuse_unknown_fields
from teranga.platform.organizations.models import Organization, OrganizationKind

from ..errors import CampusError
from ..models import StudentProfile, Tag
from .richtext import tag_slug

#: At most this many interests.
MAX_INTERESTS = 30
PROFILE_FIELDS = frozenset({"university", "interests"})


@transaction.atomic
def profile_update(*, user, **fields: Any) -> StudentProfile:
    """Set the university (an organisation of kind university: 404
    ``university_not_found`` otherwise; ``None`` clears it) and/or the interests
    (existing tags: 400 ``tag_not_found`` naming the unknown ones; replaces them)."""
    refuse_unknown_fields(fields, PROFILE_FIELDS)
    university = None
    if fields.get("university") is not None:
        university = Organization.objects.filter(
            pk=fields["university"], kind=OrganizationKind.UNIVERSITY
        ).first()
        if university is None:
            raise NotFound(_("No such university."), code=CampusError.UNIVERSITY_NOT_FOUND)
    tags = None
    if "interests" in fields:
        slugs = list(dict.fromkeys(tag_slug(value) for value in fields["interests"]))
        if len(slugs) > MAX_INTERESTS:
            message = _("At most %(count)d interests.") % {"count": MAX_INTERESTS}
            raise ValidationFailed(message, fields={"interests": [message]})
        tags = list(Tag.objects.filter(slug__in=slugs))
        unknown = sorted(set(slugs) - {tag.slug for tag in tags})
        if unknown:
            message = _("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)}
            raise ValidationFailed(
                message, code=CampusError.TAG_NOT_FOUND, fields={"interests": [message]}
            )
    profile, _created = StudentProfile.objects.select_for_update().get_or_create(user=user)
    if "university" in fields:
        profile.university = university
        profile.save(update_fields=["university", "updated_at"])
    if tags is not None:
        profile.interests.set(tags)
    user.__dict__.pop("_campus_university_id", None)
    return profile
