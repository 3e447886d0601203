"""The permission layer: the pure policy, get_organization_for, and a role matrix of
every guarded action through HTTP: a refused call changes nothing, an allowed write has
its effect (``tests.writes``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from teranga.core.errors import Forbidden, NotFound
from teranga.core.registry import thawed
from teranga.platform.organizations import access
from teranga.platform.organizations.models import (
    Branch,
    Closure,
    Invitation,
    Membership,
    OpeningHours,
    Role,
    VerificationDecision,
    VerificationDocument,
    VerificationStatus,
)
from tests.writes import changed, gone, unchanged

from .factories import BranchFactory, ClosureFactory, OrganizationFactory, member, user

pytestmark = pytest.mark.django_db

API = "/api/v1"
ROLES = [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.AGENT, Role.MEMBER]


def test_role_order():
    ranked = sorted(ROLES, key=access.role_rank, reverse=True)
    assert ranked == ROLES
    assert access.role_at_least(Role.ADMIN, Role.MANAGER)
    assert not access.role_at_least(Role.AGENT, Role.MANAGER)
    assert not access.role_at_least(None, Role.MEMBER)


def test_get_organization_for():
    org = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    agent = member(org, Role.AGENT)
    stranger = user()
    staff = user(is_staff=True)

    assert (
        access.get_organization_for(agent, org.pk, "organization.view").current_membership.role
        == "agent"
    )
    with pytest.raises(Forbidden):
        access.get_organization_for(agent, org.pk, "branches.manage")
    with pytest.raises(NotFound):
        access.get_organization_for(stranger, org.pk, "branches.manage")
    with pytest.raises(NotFound):
        access.get_organization_for(stranger, org.pk, "organization.view")
    with pytest.raises(NotFound):
        access.get_organization_for(AnonymousUser(), org.pk, "organization.view")
    with pytest.raises(NotFound):
        access.get_organization_for(agent, "not-a-uuid", "organization.view")
    # staff: staff actions anywhere, member actions nowhere
    assert access.get_organization_for(staff, org.pk, "verification.decide") == org
    with pytest.raises(NotFound):
        access.get_organization_for(staff, org.pk, "branches.manage")
    # a member is never allowed a staff-only action: 403
    with pytest.raises(Forbidden):
        access.get_organization_for(agent, org.pk, "verification.decide")
    # public reads once verified
    org.verification_status = VerificationStatus.VERIFIED
    org.save()
    assert access.get_organization_for(AnonymousUser(), org.pk, "branches.view") == org
    assert not access.can(stranger, org, "organization.view_private")


def test_register_action():
    with pytest.raises(ImproperlyConfigured):  # frozen once the apps are ready
        access.register_action("tests.late_thing", Role.AGENT)
    with thawed(access.actions):
        access.register_action("tests.do_thing", Role.AGENT)
        access.register_action("tests.do_thing", Role.AGENT)  # same rule again is fine
        with pytest.raises(ImproperlyConfigured):
            access.register_action("tests.do_thing", Role.OWNER)
        org = OrganizationFactory()
        assert access.can(member(org, Role.AGENT), org, "tests.do_thing")
        assert not access.can(member(org, Role.MEMBER), org, "tests.do_thing")
    assert "tests.do_thing" not in access.actions
    with pytest.raises(LookupError):
        access.can(user(), org, "tests.unknown")


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("doc.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def _invitee_membership(org) -> Membership:
    return Membership.objects.get(user=member(org, Role.MEMBER))


@dataclass
class Call:
    """One request of the matrix and what it must have done when allowed: ``effect``
    asserts it; a read (``effect`` None) changes nothing, allowed or not."""

    method: str
    path: str
    data: Any = None
    format: str | None = None
    effect: Callable[[], None] | None = None


def _organisation_rows(org) -> tuple:
    """Every row the organisation's endpoints write: what a refused call leaves alone."""
    return (
        org,
        Membership.objects.filter(organization=org),
        Invitation.objects.filter(organization=org),
        Branch.objects.filter(organization=org),
        OpeningHours.objects.filter(branch__organization=org),
        Closure.objects.filter(organization=org),
        VerificationDocument.objects.filter(organization=org),
        VerificationDecision.objects.filter(organization=org),
    )


def _gone_with(org) -> None:
    gone(org)
    assert not Membership.objects.filter(organization=org).exists()


def _update_role(org) -> Call:
    target = _invitee_membership(org)
    return Call(
        "patch",
        f"organizations/{org.pk}/members/{target.pk}/",
        {"role": "agent"},
        "json",
        effect=lambda: changed(target, role=Role.AGENT),
    )


def _remove_member(org) -> Call:
    target = _invitee_membership(org)
    return Call(
        "delete", f"organizations/{org.pk}/members/{target.pk}/", effect=lambda: gone(target)
    )


def _invite(org) -> Call:
    def effect():
        invitation = Invitation.objects.get(organization=org, email="n@example.test")
        assert (invitation.role, invitation.revoked_at) == (Role.MEMBER, None)

    return Call(
        "post",
        f"organizations/{org.pk}/invitations/",
        {"email": "n@example.test"},
        "json",
        effect=effect,
    )


def _create_branch(org) -> Call:
    return Call(
        "post",
        f"organizations/{org.pk}/branches/",
        {"name": "B"},
        "json",
        effect=lambda: Branch.objects.get(organization=org, name="B"),
    )


def _update_branch(org) -> Call:
    branch = BranchFactory(organization=org)
    return Call(
        "patch",
        f"organizations/{org.pk}/branches/{branch.pk}/",
        {"name": "C"},
        "json",
        effect=lambda: changed(branch, name="C"),
    )


def _delete_branch(org) -> Call:
    branch = BranchFactory(organization=org)
    return Call(
        "delete", f"organizations/{org.pk}/branches/{branch.pk}/", effect=lambda: gone(branch)
    )


def _set_hours(org) -> Call:
    branch = BranchFactory(organization=org)

    def effect():
        week = OpeningHours.objects.filter(branch=branch).values_list(
            "weekday", "opens_at", "closes_at"
        )
        assert list(week) == [(0, time(8), time(12))]

    return Call(
        "put",
        f"organizations/{org.pk}/branches/{branch.pk}/opening-hours/",
        [{"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"}],
        "json",
        effect=effect,
    )


def _create_closure(org) -> Call:
    return Call(
        "post",
        f"organizations/{org.pk}/closures/",
        {"starts_on": "2026-01-01", "ends_on": "2026-01-01"},
        "json",
        effect=lambda: Closure.objects.get(
            organization=org, starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 1)
        ),
    )


def _delete_closure(org) -> Call:
    closure = ClosureFactory(organization=org)
    return Call(
        "delete", f"organizations/{org.pk}/closures/{closure.pk}/", effect=lambda: gone(closure)
    )


def _submit_document(org) -> Call:
    return Call(
        "post",
        f"organizations/{org.pk}/verification/",
        {"kind": "ninea", "file": _pdf()},
        "multipart",
        effect=lambda: VerificationDocument.objects.get(organization=org, kind="ninea"),
    )


# every guarded endpoint: action -> (minimum role, builder(org) -> Call)
ACTIONS_BY_ROLE: dict[str, tuple[str | None, Callable[[Any], Call]]] = {
    "organization.update": (
        Role.ADMIN,
        lambda org: Call(
            "patch",
            f"organizations/{org.pk}/",
            {"city": "Thiès"},
            "json",
            effect=lambda: changed(org, city="Thiès"),
        ),
    ),
    "organization.delete": (
        Role.OWNER,
        lambda org: Call("delete", f"organizations/{org.pk}/", effect=lambda: _gone_with(org)),
    ),
    "members.view": (
        Role.MANAGER,
        lambda org: Call("get", f"organizations/{org.pk}/members/"),
    ),
    "members.update_role": (Role.ADMIN, _update_role),
    "members.remove": (Role.ADMIN, _remove_member),
    "invitations.create": (Role.ADMIN, _invite),
    "invitations.list": (
        Role.ADMIN,
        lambda org: Call("get", f"organizations/{org.pk}/invitations/"),
    ),
    "branches.create": (Role.MANAGER, _create_branch),
    "branches.update": (Role.MANAGER, _update_branch),
    "branches.delete": (Role.MANAGER, _delete_branch),
    "opening_hours.set": (Role.MANAGER, _set_hours),
    "closures.create": (Role.MANAGER, _create_closure),
    "closures.delete": (Role.MANAGER, _delete_closure),
    "verification.view": (
        Role.ADMIN,
        lambda org: Call("get", f"organizations/{org.pk}/verification/"),
    ),
    "verification.submit": (Role.ADMIN, _submit_document),
    "verification.decide": (  # staff only: refused to every member
        None,
        lambda org: Call(
            "post",
            f"organizations/{org.pk}/verification/decision/",
            {"status": "verified"},
            "json",
        ),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS_BY_ROLE))
def test_role_matrix(client_for, action, role):
    """Each role against each guarded endpoint: a refused call answers 403 and changes
    nothing; an allowed write has its effect; a read changes nothing."""
    org = OrganizationFactory()
    member(org, Role.OWNER)  # an owner besides the acting user, so last-owner rules stay out
    actor = member(org, role)
    minimum, build = ACTIONS_BY_ROLE[action]
    call = build(org)
    client = client_for(actor)
    send = getattr(client, call.method)
    url = f"{API}/{call.path}"
    allowed = minimum is not None and access.role_at_least(role, minimum)

    def request():
        return send(url, call.data, format=call.format) if call.data is not None else send(url)

    if allowed and call.effect is not None:
        response = request()
        assert 200 <= response.status_code < 300, (action, role, response.content)
        call.effect()
        return
    with unchanged(*_organisation_rows(org)):
        response = request()
    if allowed:
        assert 200 <= response.status_code < 300, (action, role, response.content)
    else:
        assert response.status_code == 403, (action, role, response.content)
        assert response.json()["error"]["code"] in {
            "permission_denied",
            "owner_required",
            "role_too_high",
        }


def test_self_leave_allowed_for_every_role(client_for):
    """Anyone may leave: their membership goes, and nobody else's changes."""
    org = OrganizationFactory()
    member(org, Role.OWNER)
    for role in ROLES:
        person = member(org, role)
        membership = Membership.objects.get(user=person)
        others = Membership.objects.filter(organization=org).exclude(pk=membership.pk)
        client = client_for(person)  # logging in touches the account: before the snapshot
        with unchanged(org, others, person):
            response = client.delete(f"{API}/organizations/{org.pk}/members/{membership.pk}/")
        assert response.status_code == 204, (role, response.content)
        gone(membership)
