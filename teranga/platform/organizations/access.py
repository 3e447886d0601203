"""The one permission layer of Teranga: "may this user do this on this organisation?"

Every app asks here, never anywhere else:

* **Roles** are ordered ``owner > admin > manager > agent > member``.
* **Actions** are named (``"branches.manage"``) and map to a :class:`Rule`: the minimum
  role, whether staff may act without being a member, and whether anyone may do it on a
  *verified* organisation (public reads). Products add their own actions with
  :func:`register_action` (``register_action("queue.serve", Role.AGENT)``).
* :func:`get_organization_for` loads the organisation and checks the action: **404**
  when it does not exist or the user is not a member (another tenant's data is never
  acknowledged), **403** when a member lacks the role.
* :class:`OrganizationAccess` is the DRF permission class doing the same for a view
  whose URL carries the organisation id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import CharField, OuterRef, Subquery, Value
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.permissions import BasePermission

from teranga.core.errors import Forbidden, NotFound
from teranga.core.registry import Registry
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.errors import OrganizationError

from .models import Membership, Organization, Role, VerificationStatus

ROLE_RANK: dict[str, int] = {
    Role.OWNER: 50,
    Role.ADMIN: 40,
    Role.MANAGER: 30,
    Role.AGENT: 20,
    Role.MEMBER: 10,
}


@dataclass(frozen=True, slots=True)
class Rule:
    #: The least role that may act; ``None`` means no member may (staff only).
    min_role: str | None
    #: Staff (``is_staff``) may act on any organisation, member or not.
    staff: bool = False
    #: Anyone, even anonymous, may act when the organisation is verified.
    public: bool = False


#: Every action and its rule. The platform's own are below; products declare theirs in
#: their contract (``Product.actions``), other platform apps from their ``ready()``.
actions: Registry[Rule] = Registry("organisation action")

_PLATFORM_ACTIONS: dict[str, Rule] = {
    "organization.view": Rule(Role.MEMBER, staff=True, public=True),
    "organization.view_private": Rule(Role.MEMBER, staff=True),
    "organization.update": Rule(Role.ADMIN),
    "organization.delete": Rule(Role.OWNER),
    "members.view": Rule(Role.MANAGER, staff=True),
    "members.manage": Rule(Role.ADMIN),
    "members.leave": Rule(Role.MEMBER),
    "invitations.manage": Rule(Role.ADMIN),
    "branches.view": Rule(Role.MEMBER, staff=True, public=True),
    "branches.manage": Rule(Role.MANAGER),
    "closures.view": Rule(Role.MEMBER, staff=True, public=True),
    "closures.manage": Rule(Role.MANAGER),
    "verification.view": Rule(Role.ADMIN, staff=True),
    "verification.submit": Rule(Role.ADMIN),
    "verification.decide": Rule(None, staff=True),
}


for _name, _rule in _PLATFORM_ACTIONS.items():
    actions.register(_name, _rule, origin="organizations")


def register_action(
    name: str,
    min_role: str | None,
    *,
    staff: bool = False,
    public: bool = False,
    origin: str = "",
) -> Rule:
    """Declare an action of another app. Re-registering the same rule is harmless; another
    rule under the same name stops the start (``ImproperlyConfigured``)."""
    rule = Rule(min_role, staff=staff, public=public)
    actions.register(name, rule, origin=origin)
    return rule


def rule_for(action: str) -> Rule:
    try:
        return actions.get(action)
    except LookupError:
        raise LookupError(f"unknown organisation action {action!r}") from None


def role_rank(role: str | None) -> int:
    return ROLE_RANK.get(role or "", 0)


def role_at_least(role: str | None, minimum: str) -> bool:
    return role_rank(role) >= role_rank(minimum)


def _is_authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def membership_of(user, organization: Organization | uuid.UUID | str) -> Membership | None:
    if not _is_authenticated(user):
        return None
    organization_id = getattr(organization, "pk", organization)
    return Membership.objects.filter(organization_id=organization_id, user=user).first()


def member_role(user, organization_ref: str = "organization_id"):
    """``user``'s role in the organisation each row of a query names (the field
    ``organization_ref``), as an annotation (a subquery; None when not a member). A
    caller that loads the organisation's rows anyway reads the role with them instead of
    running :func:`membership_of`; :func:`membership_with_role` turns it into what
    :func:`ensure` takes."""
    if not _is_authenticated(user):
        return Value(None, output_field=CharField())
    rows = Membership.objects.filter(organization_id=OuterRef(organization_ref), user=user)
    return Subquery(rows.values("role")[:1], output_field=CharField())


def membership_with_role(user, organization: Organization, role: str | None):
    """The membership a :func:`member_role` annotation read (None: not a member). Only
    its role is known: it is for :func:`decide` and :func:`ensure`, never saved."""
    if role is None or not _is_authenticated(user):
        return None
    return Membership(organization=organization, user=user, role=role)


def decide(user, organization: Organization, action: str, membership: Membership | None) -> str:
    """``"allow"``, ``"forbid"`` (403) or ``"hide"`` (404) — the whole policy, pure."""
    rule = rule_for(action)
    if rule.public and organization.verification_status == VerificationStatus.VERIFIED:
        return "allow"
    if rule.staff and _is_authenticated(user) and user.is_staff:
        return "allow"
    if membership is None:
        return "hide"
    if rule.min_role is None or not role_at_least(membership.role, rule.min_role):
        return "forbid"
    return "allow"


def can(
    user, organization: Organization, action: str, membership: Membership | None = None
) -> bool:
    if membership is None:
        membership = membership_of(user, organization)
    return decide(user, organization, action, membership) == "allow"


def ensure(
    user, organization: Organization, action: str, membership: Membership | None = None
) -> None:
    """Raise NotFound/Forbidden unless ``user`` may do ``action`` on ``organization``."""
    if membership is None:
        membership = membership_of(user, organization)
    verdict = decide(user, organization, action, membership)
    if verdict == "hide":
        raise NotFound(code=OrganizationError.ORGANIZATION_NOT_FOUND)
    if verdict == "forbid":
        raise Forbidden()


def get_organization_for(user, organization_id, action: str, *, queryset=None) -> Organization:
    """The organisation ``organization_id`` if ``user`` may do ``action`` on it.

    Raises NotFound (404) when it does not exist or the user may not know of it, and
    Forbidden (403) when the user is a member whose role is too low. The returned
    object carries ``current_membership`` (the user's Membership, or None).
    """
    key = parse_uuid(organization_id)
    if key is None:
        raise NotFound(code=OrganizationError.ORGANIZATION_NOT_FOUND)
    organization = (
        (queryset if queryset is not None else Organization.objects).filter(pk=key).first()
    )
    if organization is None:
        raise NotFound(code=OrganizationError.ORGANIZATION_NOT_FOUND)
    membership = membership_of(user, organization)
    ensure(user, organization, action, membership)
    organization.current_membership = membership
    return organization


# --- Rules about one member acting on another ------------------------------------------


def ensure_can_assign_role(actor: Membership | None, role: str, *, user=None) -> None:
    """Nobody hands out a role above their own; only owners make owners."""
    if actor is None:
        raise Forbidden()
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise Forbidden(
            _("Only an owner can make someone an owner."), code=OrganizationError.OWNER_REQUIRED
        )
    if role_rank(role) > role_rank(actor.role):
        raise Forbidden(
            _("You cannot grant a role above your own."), code=OrganizationError.ROLE_TOO_HIGH
        )


def ensure_can_manage_member(actor: Membership | None, target: Membership) -> None:
    """Admins and owners manage members, but never someone above themselves."""
    if actor is None or not role_at_least(actor.role, Role.ADMIN):
        raise Forbidden()
    if role_rank(target.role) > role_rank(actor.role):
        raise Forbidden(
            _("You cannot change a member above your own role."),
            code=OrganizationError.ROLE_TOO_HIGH,
        )


# --- DRF -------------------------------------------------------------------------------


class OrganizationAccess(BasePermission):
    """DRF permission for views under ``…/organizations/{organization_id}/…``.

    The view declares ``organization_actions = {"GET": "branches.view", "POST":
    "branches.manage", …}`` (a ``"*"`` key is the fallback) and may rename the URL
    argument with ``organization_url_kwarg``. On success ``request.organization`` and
    ``view.organization`` hold the organisation (with ``current_membership``).
    """

    def has_permission(self, request, view) -> bool:
        actions = getattr(view, "organization_actions", {})
        action = actions.get(request.method) or actions.get("*")
        if action is None:
            if request.method == "OPTIONS":
                return True
            raise drf.MethodNotAllowed(request.method)
        rule = rule_for(action)
        if not rule.public and not _is_authenticated(request.user):
            raise drf.NotAuthenticated()
        kwarg = getattr(view, "organization_url_kwarg", "organization_id")
        organization = get_organization_for(request.user, view.kwargs.get(kwarg), action)
        request.organization = organization
        view.organization = organization
        return True
