"""The permission layer: the pure policy, get_organization_for, and a role matrix of
every write action through HTTP."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured

from teranga.core.errors import Forbidden, NotFound
from teranga.core.registry import thawed
from teranga.platform.organizations import access
from teranga.platform.organizations.models import Membership, Role, VerificationStatus

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


def _invitee_membership(org):
    return Membership.objects.get(user=member(org, Role.MEMBER)).pk


# every guarded endpoint: action -> (minimum role, builder(org) -> (method, url, data, format))
ACTIONS_BY_ROLE = {
    "organization.update": (
        Role.ADMIN,
        lambda org: ("patch", f"organizations/{org.pk}/", {"city": "Thiès"}, "json"),
    ),
    "organization.delete": (
        Role.OWNER,
        lambda org: ("delete", f"organizations/{org.pk}/", None, None),
    ),
    "members.view": (
        Role.MANAGER,
        lambda org: ("get", f"organizations/{org.pk}/members/", None, None),
    ),
    "members.update_role": (
        Role.ADMIN,
        lambda org: (
            "patch",
            f"organizations/{org.pk}/members/{_invitee_membership(org)}/",
            {"role": "agent"},
            "json",
        ),
    ),
    "members.remove": (
        Role.ADMIN,
        lambda org: (
            "delete",
            f"organizations/{org.pk}/members/{_invitee_membership(org)}/",
            None,
            None,
        ),
    ),
    "invitations.create": (
        Role.ADMIN,
        lambda org: (
            "post",
            f"organizations/{org.pk}/invitations/",
            {"email": "n@example.test"},
            "json",
        ),
    ),
    "invitations.list": (
        Role.ADMIN,
        lambda org: ("get", f"organizations/{org.pk}/invitations/", None, None),
    ),
    "branches.create": (
        Role.MANAGER,
        lambda org: ("post", f"organizations/{org.pk}/branches/", {"name": "B"}, "json"),
    ),
    "branches.update": (
        Role.MANAGER,
        lambda org: (
            "patch",
            f"organizations/{org.pk}/branches/{BranchFactory(organization=org).pk}/",
            {"name": "C"},
            "json",
        ),
    ),
    "branches.delete": (
        Role.MANAGER,
        lambda org: (
            "delete",
            f"organizations/{org.pk}/branches/{BranchFactory(organization=org).pk}/",
            None,
            None,
        ),
    ),
    "opening_hours.set": (
        Role.MANAGER,
        lambda org: (
            "put",
            f"organizations/{org.pk}/branches/{BranchFactory(organization=org).pk}/opening-hours/",
            [{"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"}],
            "json",
        ),
    ),
    "closures.create": (
        Role.MANAGER,
        lambda org: (
            "post",
            f"organizations/{org.pk}/closures/",
            {"starts_on": "2026-01-01", "ends_on": "2026-01-01"},
            "json",
        ),
    ),
    "closures.delete": (
        Role.MANAGER,
        lambda org: (
            "delete",
            f"organizations/{org.pk}/closures/{ClosureFactory(organization=org).pk}/",
            None,
            None,
        ),
    ),
    "verification.view": (
        Role.ADMIN,
        lambda org: ("get", f"organizations/{org.pk}/verification/", None, None),
    ),
    "verification.submit": (
        Role.ADMIN,
        lambda org: (
            "post",
            f"organizations/{org.pk}/verification/",
            {"kind": "ninea", "file": _pdf()},
            "multipart",
        ),
    ),
    "verification.decide": (
        None,
        lambda org: (
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
    org = OrganizationFactory()
    member(org, Role.OWNER)  # an owner besides the acting user, so last-owner rules stay out
    actor = member(org, role)
    minimum, build = ACTIONS_BY_ROLE[action]
    method, path, data, fmt = build(org)
    client = client_for(actor)
    call = getattr(client, method)
    response = (
        call(f"{API}/{path}", data, format=fmt) if data is not None else call(f"{API}/{path}")
    )
    allowed = minimum is not None and access.role_at_least(role, minimum)
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
    org = OrganizationFactory()
    member(org, Role.OWNER)
    for role in ROLES:
        person = member(org, role)
        membership = Membership.objects.get(user=person)
        response = client_for(person).delete(
            f"{API}/organizations/{org.pk}/members/{membership.pk}/"
        )
        assert response.status_code == 204, (role, response.content)
