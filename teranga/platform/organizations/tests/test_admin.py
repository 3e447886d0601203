"""Admin pages load for a superuser, and the verification actions go through the service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from teranga.platform.organizations.models import (
    Invitation,
    Membership,
    Organization,
    Role,
    VerificationDecision,
    VerificationDocument,
    VerificationStatus,
)

from .factories import (
    BranchFactory,
    ClosureFactory,
    OpeningHoursFactory,
    OrganizationFactory,
    member,
    user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser(email="root@example.test", password="x")


@pytest.fixture
def objects(db):
    org = OrganizationFactory(verification_status=VerificationStatus.PENDING)
    owner = member(org, Role.OWNER)
    hours = OpeningHoursFactory(branch=BranchFactory(organization=org))
    invitation = Invitation.objects.create(
        organization=org,
        email="x@example.test",
        token_hash="0" * 64,
        invited_by=owner,
        expires_at="2030-01-01T00:00:00Z",
    )
    document = VerificationDocument.objects.create(organization=org, kind="ninea", file="x.pdf")
    decision = VerificationDecision.objects.create(organization=org, status="rejected")
    return {
        "organization": org,
        "membership": Membership.objects.get(user=owner),
        "invitation": invitation,
        "branch": hours.branch,
        "openinghours": hours,
        "closure": ClosureFactory(organization=org),
        "verificationdocument": document,
        "verificationdecision": decision,
    }


MODELS = [
    ("organizations", "organization"),
    ("organizations", "membership"),
    ("organizations", "invitation"),
    ("organizations", "branch"),
    ("organizations", "openinghours"),
    ("organizations", "closure"),
    ("organizations", "verificationdocument"),
    ("organizations", "verificationdecision"),
    ("geo", "region"),
    ("geo", "department"),
]


@pytest.mark.parametrize("app, model", MODELS)
def test_changelist_and_change_pages(client, superuser, objects, app, model):
    client.force_login(superuser)
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": "a"})
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    if app == "geo":
        from teranga.platform.geo.models import Department, Region

        obj = (Region if model == "region" else Department).objects.first()
    else:
        obj = objects[model]
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200
    if model not in {"invitation", "verificationdecision"}:
        assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200


def test_verify_action(client, superuser, objects):
    client.force_login(superuser)
    org = objects["organization"]
    response = client.post(
        reverse("admin:organizations_organization_changelist"),
        {"action": "verify", "_selected_action": [str(org.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    org.refresh_from_db()
    assert org.verification_status == VerificationStatus.VERIFIED and org.verified_at
    last = VerificationDecision.objects.filter(organization=org).order_by("-created_at").first()
    assert last.status == "verified" and last.decided_by == superuser


@pytest.mark.parametrize("action, status", [("reject", "rejected"), ("suspend", "suspended")])
def test_reject_and_suspend_actions(client, superuser, objects, action, status):
    client.force_login(superuser)
    org = objects["organization"]
    client.post(
        reverse("admin:organizations_organization_changelist"),
        {"action": action, "_selected_action": [str(org.pk)]},
    )
    org.refresh_from_db()
    assert org.verification_status == status


def test_document_review_action(client, superuser, objects):
    client.force_login(superuser)
    document = objects["verificationdocument"]
    client.post(
        reverse("admin:organizations_verificationdocument_changelist"),
        {"action": "accept_documents", "_selected_action": [str(document.pk)]},
    )
    document.refresh_from_db()
    assert (
        document.status == "accepted" and document.reviewed_by == superuser and document.reviewed_at
    )


def test_non_staff_cannot_open_admin(client):
    client.force_login(user())
    assert client.get(reverse("admin:organizations_organization_changelist")).status_code == 302
    assert Organization.objects.count() == 0
