"""Who may see and change a property: checked here, through ``organizations.access``.

* the agency's agents and above (and platform staff) read every property of it, in every
  status, with its documents and history (``realestate.properties.view``);
* agents list properties and change those assigned to them
  (``realestate.properties.edit``); managers and above change any property of the
  agency and reassign it (``realestate.properties.manage``); admins and owners delete
  (``realestate.properties.delete``);
* anyone else, signed in or not, sees only available properties of verified agencies.

A property of another agency answers 404 ``property_not_found``, a member whose role is
too low 403.
"""

from __future__ import annotations

from django.db.models import Q

from teranga.core.errors import Forbidden, NotFound
from teranga.core.validators import parse_uuid
from teranga.platform.organizations import access
from teranga.platform.organizations.models import OrganizationKind, VerificationStatus

from ..errors import RealEstateError
from ..models import Property, PropertyStatus

PROPERTIES_VIEW = "realestate.properties.view"
PROPERTIES_EDIT = "realestate.properties.edit"
PROPERTIES_MANAGE = "realestate.properties.manage"
PROPERTIES_DELETE = "realestate.properties.delete"
SETTINGS_MANAGE = "realestate.settings.manage"


def public_q(prefix: str = "") -> Q:
    """Properties anyone may see: available, of a verified agency."""
    return Q(
        **{
            f"{prefix}status": PropertyStatus.AVAILABLE,
            f"{prefix}organization__verification_status": VerificationStatus.VERIFIED,
            f"{prefix}organization__kind": OrganizationKind.AGENCY,
        }
    )


def is_public(prop: Property) -> bool:
    organization = prop.organization
    return (
        prop.status == PropertyStatus.AVAILABLE
        and organization.verification_status == VerificationStatus.VERIFIED
        and organization.kind == OrganizationKind.AGENCY
    )


def _not_found() -> NotFound:
    return NotFound(code=RealEstateError.PROPERTY_NOT_FOUND)


def property_get(property_id, *, queryset=None) -> Property:
    key = parse_uuid(property_id)
    found = None
    if key is not None:
        base = queryset if queryset is not None else Property.objects.select_related("organization")
        found = base.filter(pk=key).first()
    if found is None:
        raise _not_found()
    return found


def property_for_staff(*, user, property_id, action: str = PROPERTIES_VIEW, queryset=None):
    """The property if ``user`` may do ``action`` on its agency: 404 for anyone outside
    it, 403 for a member whose role is too low. Carries ``current_membership``."""
    prop = property_get(property_id, queryset=queryset)
    membership = access.membership_of(user, prop.organization_id)
    verdict = access.decide(user, prop.organization, action, membership)
    if verdict == "hide":
        raise _not_found()
    if verdict == "forbid":
        raise Forbidden()
    prop.current_membership = membership
    return prop


def property_for_editor(*, user, property_id, queryset=None) -> Property:
    """The property if ``user`` may change it: a manager of its agency (and above), or
    the agent it is assigned to."""
    prop = property_for_staff(
        user=user, property_id=property_id, action=PROPERTIES_EDIT, queryset=queryset
    )
    if may_manage(user, prop) or prop.agent_id == user.pk:
        return prop
    raise Forbidden()


def may_manage(user, prop: Property) -> bool:
    return access.can(
        user, prop.organization, PROPERTIES_MANAGE, getattr(prop, "current_membership", None)
    )


def may_view(user, prop: Property) -> bool:
    """Whether ``user`` reads ``prop`` as its agency's staff (every status)."""
    if user is None or not user.is_authenticated:
        return False
    return access.can(user, prop.organization, PROPERTIES_VIEW)


def property_visible(*, user, property_id, queryset=None) -> tuple[Property, bool]:
    """A property ``user`` may see, and whether they see it as its agency's staff. A
    property that is not public is 404 to anyone outside its agency."""
    prop = property_get(property_id, queryset=queryset)
    if may_view(user, prop):
        return prop, True
    if is_public(prop):
        return prop, False
    raise _not_found()


# --- crm section ---
#: The agency's agents and above work its CRM: every client, their own leads and tasks.
CRM_VIEW = "realestate.crm.view"
#: Managers and above see and reassign every lead and task, and delete clients and leads.
CRM_MANAGE = "realestate.crm.manage"
