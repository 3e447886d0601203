"""Organisation actions reach the audit log through the organisations' own API, and the
log shows them with their values before and after (issue 21: "The audit log shows a role
change with before and after")."""

from __future__ import annotations

import pytest

from teranga.platform.audit.models import AuditAction, AuditEntry
from teranga.platform.organizations.models import Invitation, Membership, Role, VerificationStatus
from teranga.platform.organizations.tests.factories import member, organization_with_owner, user

pytestmark = pytest.mark.django_db

API = "/api/v1"
BROWSER = "Mozilla/5.0 (Linux; Android 14) Teranga-Test"


def org_url(org, suffix=""):
    return f"{API}/organizations/{org.pk}/{suffix}"


def log_of(client, org, **params):
    response = client.get(f"{API}/audit/", {"organization": str(org.pk), **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_role_change_shows_before_and_after(client_for):
    org, owner = organization_with_owner(name="Alpha")
    agent = member(org, Role.AGENT)
    membership = Membership.objects.get(organization=org, user=agent)
    client = client_for(owner)
    response = client.patch(
        org_url(org, f"members/{membership.pk}/"),
        {"role": "manager"},
        format="json",
        HTTP_USER_AGENT=BROWSER,
        REMOTE_ADDR="198.51.100.23",
    )
    assert response.status_code == 200, response.content

    rows = log_of(client, org, action=AuditAction.MEMBER_ROLE_CHANGED)
    assert len(rows) == 1
    row = rows[0]
    assert row["action"] == "organization.member_role_changed"
    assert row["before"] == {"role": "agent"}
    assert row["after"] == {"role": "manager"}
    assert row["actor"] == str(owner.pk) and row["actor_label"] == owner.email
    assert row["subject"] == str(agent.pk)
    assert row["organization"] == str(org.pk)
    assert row["object_type"] == "organizations.membership"
    assert row["object_id"] == str(membership.pk)
    assert row["address"] == "198.51.100.23"
    assert row["user_agent"] == BROWSER
    assert row["at"]
    # The member whose role changed sees it in their own log.
    mine = client_for(agent).get(f"{API}/me/audit/").json()["results"]
    assert [r["action"] for r in mine if r["action"] != AuditAction.SIGN_IN] == [
        "organization.member_role_changed"
    ]


def test_refused_role_change_leaves_no_entry(client_for):
    org, owner = organization_with_owner()
    membership = Membership.objects.get(user=owner)
    response = client_for(owner).patch(
        org_url(org, f"members/{membership.pk}/"), {"role": "admin"}, format="json"
    )
    assert response.status_code == 409  # the last owner
    assert not AuditEntry.objects.filter(action=AuditAction.MEMBER_ROLE_CHANGED).exists()


def test_member_removed_and_member_leaving(client_for):
    org, owner = organization_with_owner()
    agent = member(org, Role.AGENT)
    leaver = member(org, Role.MEMBER)
    agent_m = Membership.objects.get(user=agent)
    leaver_m = Membership.objects.get(user=leaver)
    assert client_for(owner).delete(org_url(org, f"members/{agent_m.pk}/")).status_code == 204
    assert client_for(leaver).delete(org_url(org, f"members/{leaver_m.pk}/")).status_code == 204
    rows = log_of(client_for(owner), org, action=AuditAction.MEMBER_REMOVED)
    assert [(r["subject"], r["actor"], r["before"]["role"]) for r in rows] == [
        (str(leaver.pk), str(leaver.pk), "member"),
        (str(agent.pk), str(owner.pk), "agent"),
    ]
    assert all(r["after"] is None for r in rows)


def test_invitation_sent_accepted_and_revoked(client_for, django_capture_on_commit_callbacks):
    org, owner = organization_with_owner()
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            org_url(org, "invitations/"), {"email": "new@example.com", "role": "agent"}
        )
    assert sent.status_code == 201, sent.content
    second = client.post(org_url(org, "invitations/"), {"email": "two@example.com"})
    assert client.delete(org_url(org, f"invitations/{second.json()['id']}/")).status_code in (
        200,
        204,
    )
    actions = [r["action"] for r in log_of(client, org)]
    assert actions.count(AuditAction.INVITATION_SENT) == 2
    assert AuditAction.INVITATION_REVOKED in actions
    invited = log_of(client, org, action=AuditAction.INVITATION_SENT)[-1]
    assert invited["after"] == {"email": "new@example.com", "role": "agent"}
    # Never the token.
    assert "token" not in str(AuditEntry.objects.values_list("before", "after"))
    assert Invitation.objects.count() == 2


def test_settings_update_records_only_changed_fields(client_for):
    org, owner = organization_with_owner(name="Alpha")
    admin = member(org, Role.ADMIN)
    response = client_for(admin).patch(
        org_url(org), {"name": "Alpha Plus", "city": org.city}, format="json"
    )
    assert response.status_code == 200, response.content
    rows = log_of(client_for(owner), org, action=AuditAction.ORGANIZATION_UPDATED)
    assert len(rows) == 1
    assert rows[0]["before"] == {"name": "Alpha"}
    assert rows[0]["after"] == {"name": "Alpha Plus"}
    assert rows[0]["actor"] == str(admin.pk)
    # Nothing changed: nothing logged.
    client_for(admin).patch(org_url(org), {"name": "Alpha Plus"}, format="json")
    assert AuditEntry.objects.filter(action=AuditAction.ORGANIZATION_UPDATED).count() == 1


def test_verification_decision(client_for):
    org, owner = organization_with_owner(
        verification_status=VerificationStatus.PENDING, verified_at=None
    )
    staff = user(is_staff=True)
    response = client_for(staff).post(
        org_url(org, "verification/decision/"), {"status": "verified", "note": "OK"}
    )
    assert response.status_code == 200, response.content
    row = log_of(client_for(owner), org, action=AuditAction.VERIFICATION_DECIDED)[0]
    assert row["before"] == {"verification_status": "pending", "verified_at": None}
    assert row["after"]["verification_status"] == "verified"
    assert row["after"]["verified_at"] and row["after"]["note"] == "OK"
    assert row["actor"] == str(staff.pk)


def test_document_submitted_then_reviewed_in_the_admin(client_for, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from teranga.platform.organizations.models import VerificationDocument

    org, owner = organization_with_owner(verification_status=VerificationStatus.PENDING)
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    uploaded = client_for(owner).post(
        org_url(org, "verification/"),
        {"kind": "ninea", "file": SimpleUploadedFile("n.pdf", pdf, "application/pdf")},
        format="multipart",
    )
    assert uploaded.status_code == 201, uploaded.content
    document = VerificationDocument.objects.get()
    staff = user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        "/admin/organizations/verificationdocument/",
        {"action": "accept_documents", "_selected_action": [str(document.pk)]},
    )
    assert response.status_code == 302
    rows = log_of(client_for(owner), org)
    by_action = {row["action"]: row for row in rows}
    submitted = by_action[AuditAction.VERIFICATION_DOCUMENT_SUBMITTED]
    assert submitted["after"] == {"kind": "ninea", "status": "pending"}
    assert submitted["actor"] == str(owner.pk)
    reviewed = by_action[AuditAction.VERIFICATION_DOCUMENT_REVIEWED]
    assert reviewed["before"] == {"status": "pending"}
    assert reviewed["after"]["status"] == "accepted"
    assert reviewed["actor"] == str(staff.pk)


def test_document_status_changed_in_the_admin_form(client_for, client):
    """Editing the status in the document's form logs the status it had before."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from teranga.platform.organizations.models import VerificationDocument

    org, owner = organization_with_owner(verification_status=VerificationStatus.PENDING)
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
    client_for(owner).post(
        org_url(org, "verification/"),
        {"kind": "ninea", "file": SimpleUploadedFile("n.pdf", pdf, "application/pdf")},
        format="multipart",
    )
    document = VerificationDocument.objects.get()
    staff = user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        f"/admin/organizations/verificationdocument/{document.pk}/change/",
        {
            "organization": str(org.pk),
            "uploaded_by": str(owner.pk),
            "kind": "ninea",
            "status": "rejected",
            "note": "Illisible",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    document.refresh_from_db()
    assert (document.status, document.note, document.reviewed_by) == (
        "rejected",
        "Illisible",
        staff,
    )
    rows = log_of(client_for(owner), org)
    [reviewed] = [r for r in rows if r["action"] == AuditAction.VERIFICATION_DOCUMENT_REVIEWED]
    assert reviewed["before"] == {"status": "pending"}
    assert reviewed["after"] == {"status": "rejected", "note": "Illisible"}
