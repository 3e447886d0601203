"""The member space's settings: which widgets a member shows at an academy."""

from __future__ import annotations

from django.db import transaction

from teranga.platform.organizations.models import Organization

from ..models_space import MEMBER_SPACE_WIDGETS, MemberSpaceSettings


@transaction.atomic
def member_space_settings_update(
    *, user, organization: Organization, changes: dict[str, bool]
) -> MemberSpaceSettings:
    """Switches the named widgets on or off (the others keep their value; every widget is
    on until changed). The row is written on the first change."""
    row, _created = MemberSpaceSettings.objects.select_for_update().get_or_create(
        user=user, organization=organization
    )
    fields = [name for name in MEMBER_SPACE_WIDGETS if name in changes]
    for name in fields:
        setattr(row, name, bool(changes[name]))
    if fields:
        row.save(update_fields=[*fields, "updated_at"])
    return row
