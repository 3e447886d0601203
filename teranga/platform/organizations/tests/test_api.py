"""The organisations API through HTTP, on a real database."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image

from teranga.platform.geo.models import Region
from teranga.platform.organizations import services
from teranga.platform.organizations.models import (
    Branch,
    Closure,
    Invitation,
    Membership,
    OpeningHours,
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
    organization_with_owner,
    user,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
VALID_SIRET = "73282932000074"  # Luhn-valid


def org_url(org, suffix=""):
    return f"{API}/organizations/{org.pk}/{suffix}"


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def upload(name, content, content_type):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Directory -------------------------------------------------------------------------


class TestDirectory:
    def test_lists_only_verified_organisations(self, api):
        OrganizationFactory(name="Visible")
        OrganizationFactory(name="Pending", verification_status=VerificationStatus.PENDING)
        OrganizationFactory(name="Suspended", verification_status=VerificationStatus.SUSPENDED)
        response = api.get(f"{API}/organizations/")
        assert response.status_code == 200
        body = response.json()
        assert [o["name"] for o in body["results"]] == ["Visible"]
        assert body["count"] == 1
        assert "siret" not in body["results"][0]

    def test_filters_search_and_ordering(self, api):
        dakar, thies = Region.objects.get(code="DK"), Region.objects.get(code="TH")
        OrganizationFactory(name="Banque Teranga", kind="bank", region=dakar, city="Dakar")
        OrganizationFactory(
            name="Salon Ndèye",
            kind="business",
            region=thies,
            city="Thiès",
            description="Tresses et coiffure",
        )
        OrganizationFactory(name="Hôpital", kind="hospital", region=dakar, city="Dakar")

        def names(**params):
            response = api.get(f"{API}/organizations/", params)
            assert response.status_code == 200, response.content
            return [o["name"] for o in response.json()["results"]]

        assert names(kind="bank") == ["Banque Teranga"]
        assert names(region="th") == ["Salon Ndèye"]
        assert names(city="dakar") == ["Banque Teranga", "Hôpital"]
        assert names(q="coiffure") == ["Salon Ndèye"]
        assert names(q="teranga") == ["Banque Teranga"]
        assert names(ordering="-name") == ["Salon Ndèye", "Hôpital", "Banque Teranga"]

    def test_bad_filter_is_400(self, api):
        assert_error(api.get(f"{API}/organizations/", {"kind": "spaceship"}), 400, "invalid")

    def test_query_count_does_not_grow_with_page_size(self, api, django_assert_max_num_queries):
        region = Region.objects.get(code="DK")
        for _ in range(30):
            OrganizationFactory(region=region)
        with django_assert_max_num_queries(3):
            small = api.get(f"{API}/organizations/", {"page_size": 2})
        with django_assert_max_num_queries(3):
            large = api.get(f"{API}/organizations/", {"page_size": 30})
        assert len(small.json()["results"]) == 2
        assert len(large.json()["results"]) == 30


# --- Organisation create / detail / update / delete ------------------------------------


class TestOrganization:
    def test_create_makes_creator_owner_and_pending(self, client_for):
        creator = user()
        response = client_for(creator).post(
            f"{API}/organizations/",
            {
                "name": "Calmness Trading",
                "kind": "academy",
                "country": "FR",
                "siret": "732 829 320 00074",
                "region": None,
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["verification_status"] == "pending"
        assert body["my_role"] == "owner"
        assert body["currency"] == "EUR" and body["time_zone"] == "Europe/Paris"
        assert body["siret"] == VALID_SIRET
        assert body["slug"] == "calmness-trading"
        org = Organization.objects.get(pk=body["id"])
        assert Membership.objects.get(organization=org).user == creator
        # not in the public directory yet
        assert org.name not in [
            o["name"] for o in client_for(creator).get(f"{API}/organizations/").json()["results"]
        ]

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"kind": "bank"}, "name"),
            ({"name": "X", "kind": "spaceship"}, "kind"),
            ({"name": "X", "kind": "bank", "siret": "12345678901234"}, "siret"),
            ({"name": "X", "kind": "bank", "siret": "123"}, "siret"),
            ({"name": "X", "kind": "bank", "ninea": "ABC"}, "ninea"),
            ({"name": "X", "kind": "bank", "rccm": "nope"}, "rccm"),
            ({"name": "X", "kind": "bank", "tva_number": "DE123"}, "tva_number"),
            ({"name": "X", "kind": "bank", "time_zone": "Mars/Olympus"}, "time_zone"),
            ({"name": "X", "kind": "bank", "currency": "USD"}, "currency"),
            ({"name": "X", "kind": "bank", "region": "ZZ"}, "region"),
            ({"name": "X", "kind": "bank", "contact_phone": "not a phone"}, "contact_phone"),
            (
                {"name": "X", "kind": "bank", "verification_status": "verified"},
                "verification_status",
            ),
        ],
    )
    def test_create_bad_input(self, client_for, payload, field):
        client = client_for(user())
        code = "invalid_phone" if field == "contact_phone" else "invalid"
        error = assert_error(client.post(f"{API}/organizations/", payload), 400, code)
        assert field in error["fields"]
        assert not Organization.objects.exists()
        assert not Membership.objects.exists()

    def test_create_accepts_valid_senegal_ids(self, client_for):
        response = client_for(user()).post(
            f"{API}/organizations/",
            {
                "name": "Banque",
                "kind": "bank",
                "ninea": "005281522 2g3",
                "rccm": "sn-dkr-2015-b-12345",
                "region": "DK",
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["ninea"] == "005281522 2G3" and body["rccm"] == "SN-DKR-2015-B-12345"
        assert body["region"]["code"] == "DK"
        assert body["logo"] is None

    def test_create_takes_json_only(self, client_for):
        client = client_for(user())
        fields = {"name": "Banque", "kind": "bank"}
        assert_error(client.post(f"{API}/organizations/", fields, format="multipart"), 415)
        logo = {**fields, "logo": "x.png"}  # the logo has its own upload endpoint
        assert "logo" in assert_error(client.post(f"{API}/organizations/", logo), 400)["fields"]
        assert not Organization.objects.exists()

    def test_create_needs_login(self, api):
        assert_error(api.post(f"{API}/organizations/", {"name": "X", "kind": "bank"}), 401)

    def test_detail_public_vs_private(self, api, client_for, org_a):
        org, users = org_a
        public = api.get(org_url(org)).json()
        assert public["name"] == org.name and "siret" not in public and "my_role" not in public
        private = client_for(users[Role.AGENT]).get(org_url(org)).json()
        assert private["my_role"] == "agent" and "siret" in private

    def test_unverified_org_is_404_to_outsiders(self, api, client_for):
        org, owner = organization_with_owner(verification_status=VerificationStatus.PENDING)
        assert_error(api.get(org_url(org)), 404, "organization_not_found")
        assert_error(client_for(user()).get(org_url(org)), 404)
        assert client_for(owner).get(org_url(org)).status_code == 200
        staff = user(is_staff=True)
        assert client_for(staff).get(org_url(org)).status_code == 200

    def test_unknown_org_is_404(self, client_for):
        client = client_for(user())
        assert_error(client.get(f"{API}/organizations/00000000-0000-0000-0000-000000000000/"), 404)
        assert_error(client.get(f"{API}/organizations/not-a-uuid/"), 404)

    def test_patch(self, client_for, org_a):
        org, users = org_a
        response = client_for(users[Role.ADMIN]).patch(
            org_url(org),
            {"description": "Nouvelle description", "siret": VALID_SIRET, "region": "TH"},
        )
        assert response.status_code == 200, response.content
        assert response.json()["my_role"] == "admin"  # the answer keeps the caller's role
        org.refresh_from_db()
        assert org.description == "Nouvelle description" and org.region.code == "TH"

    @pytest.mark.parametrize(
        "payload",
        [
            {"siret": "11111111111112"},
            {"name": ""},
            {"unknown": 1},
            {"time_zone": "Nowhere"},
            {"slug": "x"},
        ],
    )
    def test_patch_bad_input_changes_nothing(self, client_for, org_a, payload):
        org, users = org_a
        before = Organization.objects.filter(pk=org.pk).values().get()
        assert_error(client_for(users[Role.OWNER]).patch(org_url(org), payload), 400, "invalid")
        assert Organization.objects.filter(pk=org.pk).values().get() == before

    def test_delete_owner_only(self, client_for, org_a):
        org, users = org_a
        assert_error(client_for(users[Role.ADMIN]).delete(org_url(org)), 403)
        assert client_for(users[Role.OWNER]).delete(org_url(org)).status_code == 204
        assert not Organization.objects.filter(pk=org.pk).exists()

    def test_mine(self, client_for, org_a, org_b):
        org, users = org_a
        other, _ = organization_with_owner(verification_status=VerificationStatus.PENDING)
        Membership.objects.create(organization=other, user=users[Role.AGENT], role=Role.ADMIN)
        body = client_for(users[Role.AGENT]).get(f"{API}/organizations/mine/").json()
        roles = {row["organization"]["id"]: row["role"] for row in body["results"]}
        assert roles == {str(org.pk): "agent", str(other.pk): "admin"}

    def test_mine_needs_login(self, api):
        assert_error(api.get(f"{API}/organizations/mine/"), 401)


# --- Members ---------------------------------------------------------------------------


class TestMembers:
    def test_list(self, client_for, org_a):
        org, users = org_a
        body = client_for(users[Role.MANAGER]).get(org_url(org, "members/")).json()
        assert {row["user"]["email"]: row["role"] for row in body["results"]} == {
            u.email: role for role, u in users.items()
        }
        assert_error(client_for(users[Role.AGENT]).get(org_url(org, "members/")), 403)

    def test_change_role(self, client_for, org_a):
        org, users = org_a
        target = Membership.objects.get(user=users[Role.MEMBER])
        response = client_for(users[Role.ADMIN]).patch(
            org_url(org, f"members/{target.pk}/"), {"role": "agent"}
        )
        assert response.status_code == 200, response.content
        target.refresh_from_db()
        assert target.role == Role.AGENT

    def test_role_ceilings(self, client_for, org_a):
        org, users = org_a
        admin = client_for(users[Role.ADMIN])
        target = Membership.objects.get(user=users[Role.MEMBER])
        assert_error(
            admin.patch(org_url(org, f"members/{target.pk}/"), {"role": "owner"}),
            403,
            "owner_required",
        )
        owner_m = Membership.objects.get(user=users[Role.OWNER])
        assert_error(
            admin.patch(org_url(org, f"members/{owner_m.pk}/"), {"role": "member"}),
            403,
            "role_too_high",
        )
        # an owner can make owners
        owner = client_for(users[Role.OWNER])
        assert (
            owner.patch(org_url(org, f"members/{target.pk}/"), {"role": "owner"}).status_code == 200
        )
        assert Membership.objects.filter(organization=org, role=Role.OWNER).count() == 2

    def test_bad_role_is_400(self, client_for, org_a):
        org, users = org_a
        target = Membership.objects.get(user=users[Role.MEMBER])
        assert_error(
            client_for(users[Role.OWNER]).patch(
                org_url(org, f"members/{target.pk}/"), {"role": "king"}
            ),
            400,
        )
        target.refresh_from_db()
        assert target.role == Role.MEMBER

    def test_last_owner_is_protected(self, client_for, org_a):
        org, users = org_a
        owner = client_for(users[Role.OWNER])
        owner_m = Membership.objects.get(user=users[Role.OWNER])
        assert_error(
            owner.patch(org_url(org, f"members/{owner_m.pk}/"), {"role": "admin"}),
            409,
            "last_owner",
        )
        assert_error(owner.delete(org_url(org, f"members/{owner_m.pk}/")), 409, "last_owner")
        owner_m.refresh_from_db()
        assert owner_m.role == Role.OWNER
        # with a second owner, the first may step down
        Membership.objects.filter(user=users[Role.ADMIN]).update(role=Role.OWNER)
        assert (
            owner.patch(org_url(org, f"members/{owner_m.pk}/"), {"role": "admin"}).status_code
            == 200
        )

    def test_remove_and_leave(self, client_for, org_a):
        org, users = org_a
        agent_m = Membership.objects.get(user=users[Role.AGENT])
        assert_error(
            client_for(users[Role.MANAGER]).delete(org_url(org, f"members/{agent_m.pk}/")), 403
        )
        assert (
            client_for(users[Role.ADMIN]).delete(org_url(org, f"members/{agent_m.pk}/")).status_code
            == 204
        )
        member_m = Membership.objects.get(user=users[Role.MEMBER])
        assert (
            client_for(users[Role.MEMBER])
            .delete(org_url(org, f"members/{member_m.pk}/"))
            .status_code
            == 204
        )
        assert not Membership.objects.filter(pk__in=[agent_m.pk, member_m.pk]).exists()


# --- Invitations -----------------------------------------------------------------------


class TestInvitations:
    def invite(self, client, org, email="new@example.test", role="agent", capture=None):
        with capture(execute=True):
            response = client.post(org_url(org, "invitations/"), {"email": email, "role": role})
        return response

    def token_from_mail(self):
        body = mail.outbox[-1].body
        return body.split("/invitations/")[1].split("/")[0]

    def test_invite_and_accept(self, client_for, org_a, django_capture_on_commit_callbacks):
        org, users = org_a
        users[Role.ADMIN].language = "en"
        users[Role.ADMIN].save()
        response = self.invite(
            client_for(users[Role.ADMIN]),
            org,
            "New@Example.test",
            capture=django_capture_on_commit_callbacks,
        )
        assert response.status_code == 201, response.content
        assert response.json()["state"] == "pending" and "token" not in response.json()
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.test"]
        assert "Invitation to join" in mail.outbox[0].subject
        token = self.token_from_mail()
        invitation = Invitation.objects.get()
        assert invitation.token_hash != token and len(token) >= 40
        listed = client_for(users[Role.ADMIN]).get(org_url(org, "invitations/")).json()
        assert listed["results"][0]["email"] == "new@example.test"

        invitee = user("NEW@example.test")
        accepted = client_for(invitee).post(f"{API}/invitations/{token}/accept/")
        assert accepted.status_code == 201, accepted.content
        assert accepted.json()["role"] == "agent"
        assert Membership.objects.get(organization=org, user=invitee).role == Role.AGENT
        # single use
        assert_error(
            client_for(invitee).post(f"{API}/invitations/{token}/accept/"), 410, "invitation_used"
        )

    def test_email_mismatch(self, client_for, org_a):
        org, users = org_a
        invitation = services.invitation_create(
            actor=users[Role.OWNER], organization=org, email="a@example.test"
        )
        stranger = user("b@example.test")
        assert_error(
            client_for(stranger).post(f"{API}/invitations/{invitation.token}/accept/"),
            403,
            "invitation_email_mismatch",
        )
        assert not Membership.objects.filter(user=stranger).exists()

    def test_expired(self, client_for, org_a):
        org, users = org_a
        invitation = services.invitation_create(
            actor=users[Role.OWNER], organization=org, email="a@example.test"
        )
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        invitee = user("a@example.test")
        assert_error(
            client_for(invitee).post(f"{API}/invitations/{invitation.token}/accept/"),
            410,
            "invitation_expired",
        )
        assert not Membership.objects.filter(user=invitee).exists()

    def test_revoked(self, client_for, org_a):
        org, users = org_a
        invitation = services.invitation_create(
            actor=users[Role.OWNER], organization=org, email="a@example.test"
        )
        response = client_for(users[Role.ADMIN]).delete(
            org_url(org, f"invitations/{invitation.pk}/")
        )
        assert response.status_code == 204
        invitee = user("a@example.test")
        assert_error(
            client_for(invitee).post(f"{API}/invitations/{invitation.token}/accept/"),
            410,
            "invitation_revoked",
        )

    def test_unknown_token(self, client_for):
        assert_error(
            client_for(user()).post(f"{API}/invitations/nope/accept/"), 404, "invitation_not_found"
        )

    def test_accept_needs_login(self, api):
        assert_error(api.post(f"{API}/invitations/whatever/accept/"), 401)

    def test_reinvite_replaces_open_invitation(self, org_a):
        org, users = org_a
        first = services.invitation_create(
            actor=users[Role.OWNER], organization=org, email="a@example.test"
        )
        services.invitation_create(
            actor=users[Role.OWNER], organization=org, email="A@example.test"
        )
        first.refresh_from_db()
        assert first.revoked_at is not None
        assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1

    @pytest.mark.parametrize(
        "payload, status, code",
        [
            ({"email": "not-an-email"}, 400, "invalid"),
            ({"email": "x@example.test", "role": "emperor"}, 400, "invalid"),
            ({"email": "x@example.test", "extra": 1}, 400, "invalid"),
            ({"email": "x@example.test", "role": "owner"}, 403, "owner_required"),
        ],
    )
    def test_bad_invitations(self, client_for, org_a, payload, status, code):
        org, users = org_a
        assert_error(
            client_for(users[Role.ADMIN]).post(org_url(org, "invitations/"), payload), status, code
        )
        assert not Invitation.objects.exists()
        assert not mail.outbox

    def test_inviting_a_member_conflicts(self, client_for, org_a):
        org, users = org_a
        response = client_for(users[Role.ADMIN]).post(
            org_url(org, "invitations/"), {"email": users[Role.AGENT].email.upper()}
        )
        assert_error(response, 409, "already_member")


# --- Branches, hours, closures ---------------------------------------------------------

WEEK = [
    {
        "weekday": d,
        "opens_at": "08:00",
        "closes_at": "17:00",
        "break_start": "13:00",
        "break_end": "14:00",
    }
    for d in range(5)
] + [{"weekday": 5, "opens_at": "09:00", "closes_at": "13:00"}]


class TestBranches:
    def test_crud(self, client_for, org_a):
        org, users = org_a
        client = client_for(users[Role.MANAGER])
        created = client.post(
            org_url(org, "branches/"),
            {
                "name": "Plateau",
                "department": "dakar",
                "commune": "Dakar-Plateau",
                "latitude": "14.670800",
                "longitude": "-17.438100",
                "phone": "+221338201000",
            },
        )
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["region"]["code"] == "DK" and body["department"]["slug"] == "dakar"
        url = org_url(org, f"branches/{body['id']}/")
        assert client.get(url).json()["name"] == "Plateau"
        assert (
            client.patch(url, {"name": "Plateau 2", "is_active": False}).json()["name"]
            == "Plateau 2"
        )
        assert client.delete(url).status_code == 204
        assert not Branch.objects.exists()

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({}, "name"),
            ({"name": "X", "latitude": "95"}, "latitude"),
            ({"name": "X", "region": "TH", "department": "dakar"}, "department"),
            ({"name": "X", "department": "atlantis"}, "department"),
            ({"name": "X", "phone": "12"}, "phone"),
            ({"name": "X", "organization": "other"}, "organization"),
        ],
    )
    def test_bad_input(self, client_for, org_a, payload, field):
        org, users = org_a
        error = assert_error(
            client_for(users[Role.MANAGER]).post(org_url(org, "branches/"), payload), 400
        )
        assert field in error["fields"]
        assert not Branch.objects.exists()

    def test_moving_to_another_department_moves_region(self, client_for, org_a):
        org, users = org_a
        branch = BranchFactory(organization=org, region=Region.objects.get(code="DK"))
        url = org_url(org, f"branches/{branch.pk}/")
        response = client_for(users[Role.MANAGER]).patch(url, {"department": "mbour"})
        assert response.status_code == 200, response.content
        assert response.json()["region"]["code"] == "TH"

    def test_bad_patch_changes_nothing(self, client_for, org_a):
        org, users = org_a
        branch = BranchFactory(organization=org, name="Keep")
        url = org_url(org, f"branches/{branch.pk}/")
        assert_error(
            client_for(users[Role.MANAGER]).patch(url, {"name": "", "longitude": "500"}), 400
        )
        branch.refresh_from_db()
        assert branch.name == "Keep"

    def test_public_list_hides_inactive(self, api, client_for, org_a):
        org, users = org_a
        BranchFactory(organization=org, name="Open")
        BranchFactory(organization=org, name="Closed", is_active=False)
        assert [b["name"] for b in api.get(org_url(org, "branches/")).json()["results"]] == ["Open"]
        member_view = client_for(users[Role.MEMBER]).get(org_url(org, "branches/")).json()
        assert {b["name"] for b in member_view["results"]} == {"Open", "Closed"}

    def test_branches_of_unverified_org_are_404_to_outsiders(self, api):
        org, _ = organization_with_owner(verification_status=VerificationStatus.PENDING)
        BranchFactory(organization=org)
        assert_error(api.get(org_url(org, "branches/")), 404)

    def test_opening_hours(self, api, client_for, org_a):
        org, users = org_a
        branch = BranchFactory(organization=org)
        url = org_url(org, f"branches/{branch.pk}/opening-hours/")
        response = client_for(users[Role.MANAGER]).put(url, WEEK)
        assert response.status_code == 200, response.content
        assert len(response.json()) == 6
        assert api.get(url).json()[0] == {
            "weekday": 0,
            "opens_at": "08:00",
            "closes_at": "17:00",
            "break_start": "13:00",
            "break_end": "14:00",
        }
        # two periods a day are fine when they do not overlap
        split = [
            {"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"},
            {"weekday": 0, "opens_at": "15:00", "closes_at": "19:00"},
        ]
        assert client_for(users[Role.MANAGER]).put(url, split).status_code == 200
        assert OpeningHours.objects.filter(branch=branch).count() == 2

    @pytest.mark.parametrize(
        "week",
        [
            [
                {"weekday": 0, "opens_at": "08:00", "closes_at": "12:00"},
                {"weekday": 0, "opens_at": "11:00", "closes_at": "19:00"},
            ],
            [{"weekday": 7, "opens_at": "08:00", "closes_at": "12:00"}],
            [{"weekday": 0, "opens_at": "12:00", "closes_at": "08:00"}],
            [
                {
                    "weekday": 0,
                    "opens_at": "08:00",
                    "closes_at": "12:00",
                    "break_start": "13:00",
                    "break_end": "14:00",
                }
            ],
            [{"weekday": 0, "opens_at": "08:00", "closes_at": "12:00", "break_start": "10:00"}],
            [{"weekday": 0, "opens_at": "8h", "closes_at": "12:00"}],
            {"weekday": 0},
        ],
    )
    def test_bad_opening_hours_change_nothing(self, client_for, org_a, week):
        org, users = org_a
        hours = OpeningHoursFactory(branch__organization=org)
        url = org_url(org, f"branches/{hours.branch_id}/opening-hours/")
        assert_error(client_for(users[Role.MANAGER]).put(url, week, format="json"), 400, "invalid")
        assert list(OpeningHours.objects.values_list("pk", flat=True)) == [hours.pk]

    def test_closures(self, api, client_for, org_a):
        org, users = org_a
        branch = BranchFactory(organization=org)
        client = client_for(users[Role.MANAGER])
        created = client.post(
            org_url(org, "closures/"),
            {
                "starts_on": "2026-04-04",
                "ends_on": "2026-04-04",
                "reason": "Fête de l'indépendance",
                "kind": "holiday",
            },
        )
        assert created.status_code == 201, created.content
        on_branch = client.post(
            org_url(org, "closures/"),
            {"branch": str(branch.pk), "starts_on": "2026-05-01", "ends_on": "2026-05-02"},
        )
        assert on_branch.status_code == 201 and on_branch.json()["branch"] == str(branch.pk)
        assert api.get(org_url(org, "closures/")).json()["count"] == 2
        assert client.delete(org_url(org, f"closures/{created.json()['id']}/")).status_code == 204
        assert Closure.objects.count() == 1

    @pytest.mark.parametrize(
        "payload",
        [
            {"starts_on": "2026-05-02", "ends_on": "2026-05-01"},
            {"starts_on": "yesterday", "ends_on": "2026-05-01"},
            {"starts_on": "2026-05-01", "ends_on": "2026-05-01", "kind": "party"},
        ],
    )
    def test_bad_closures(self, client_for, org_a, payload):
        org, users = org_a
        assert_error(client_for(users[Role.MANAGER]).post(org_url(org, "closures/"), payload), 400)
        assert not Closure.objects.exists()


# --- Logo (upload endpoint) ------------------------------------------------------------


class TestLogo:
    @pytest.fixture(autouse=True)
    def _media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def test_upload_replace_and_remove(
        self, client_for, org_a, settings, django_capture_on_commit_callbacks
    ):
        org, users = org_a
        client = client_for(users[Role.ADMIN])
        response = client.put(
            org_url(org, "logo/"),
            {"logo": upload("logo.png", png_bytes(), "image/png")},
            format="multipart",
        )
        assert response.status_code == 200, response.content
        assert response.json()["logo"] and response.json()["my_role"] == "admin"
        org.refresh_from_db()
        first = org.logo.name
        assert (settings.MEDIA_ROOT / "public" / first).exists()
        assert client.get(org_url(org)).json()["logo"]

        with django_capture_on_commit_callbacks(execute=True):
            again = client.put(
                org_url(org, "logo/"),
                {"logo": upload("other.png", png_bytes(), "image/png")},
                format="multipart",
            )
        assert again.status_code == 200, again.content
        org.refresh_from_db()
        assert org.logo.name != first and (settings.MEDIA_ROOT / "public" / org.logo.name).exists()
        assert not (settings.MEDIA_ROOT / "public" / first).exists()  # the replaced file is gone

        second = org.logo.name
        with django_capture_on_commit_callbacks(execute=True):
            assert client.delete(org_url(org, "logo/")).status_code == 204
        org.refresh_from_db()
        assert not org.logo and not (settings.MEDIA_ROOT / "public" / second).exists()
        assert client.get(org_url(org)).json()["logo"] is None
        assert client.delete(org_url(org, "logo/")).status_code == 204  # idempotent

    @pytest.mark.parametrize(
        "data",
        [
            {"logo": ("logo.png", b"<?php evil", "image/png")},
            {"logo": ("logo.png", b"", "image/png")},
            {},
            {"logo": ("logo.png", None, "image/png"), "name": "Other"},
        ],
    )
    def test_bad_upload_is_400(self, client_for, org_a, data):
        org, users = org_a
        data = {
            k: upload(v[0], v[1] if v[1] is not None else png_bytes(), v[2])
            if isinstance(v, tuple)
            else v
            for k, v in data.items()
        }
        response = client_for(users[Role.ADMIN]).put(
            org_url(org, "logo/"), data, format="multipart"
        )
        error = assert_error(response, 400, "invalid")
        assert set(error["fields"]) & {"logo", "name"}
        org.refresh_from_db()
        assert not org.logo and org.name == "Alpha"

    def test_roles_and_other_organisations(self, api, client_for, org_a, org_b):
        org, users = org_a
        other, other_owner = org_b

        def put(client, organization):
            return client.put(
                org_url(organization, "logo/"),
                {"logo": upload("logo.png", png_bytes(), "image/png")},
                format="multipart",
            )

        assert_error(put(client_for(users[Role.MANAGER]), org), 403)
        assert_error(client_for(users[Role.MANAGER]).delete(org_url(org, "logo/")), 403)
        assert_error(put(client_for(other_owner), org), 404, "organization_not_found")
        assert_error(
            client_for(other_owner).delete(org_url(org, "logo/")), 404, "organization_not_found"
        )
        assert_error(put(api, org), 401)
        org.refresh_from_db()
        assert not org.logo
        assert put(client_for(users[Role.OWNER]), org).status_code == 200

    def test_json_is_415(self, client_for, org_a):
        org, users = org_a
        response = client_for(users[Role.ADMIN]).put(org_url(org, "logo/"), {"logo": "x"})
        assert_error(response, 415, "unsupported_media_type")


# --- Verification ----------------------------------------------------------------------


class TestVerification:
    def test_upload_pdf_and_image(self, client_for, org_a):
        org, users = org_a
        client = client_for(users[Role.ADMIN])
        pdf = upload("ninea.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n", "application/pdf")
        response = client.post(
            org_url(org, "verification/"), {"kind": "ninea", "file": pdf}, format="multipart"
        )
        assert response.status_code == 201, response.content
        image = upload("id.png", png_bytes(), "image/png")
        response = client.post(
            org_url(org, "verification/"), {"kind": "id_card", "file": image}, format="multipart"
        )
        assert response.status_code == 201, response.content
        state = client.get(org_url(org, "verification/")).json()
        assert state["status"] == "verified"
        assert {d["kind"] for d in state["documents"]} == {"ninea", "id_card"}

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "ninea", "file": ("x.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
            {"kind": "ninea", "file": ("x.png", b"", "image/png")},
            {"kind": "passport", "file": ("x.pdf", b"%PDF-1.4\n%%EOF", "application/pdf")},
            {"kind": "ninea"},
        ],
    )
    def test_bad_upload(self, client_for, org_a, data):
        org, users = org_a
        data = {k: upload(*v) if isinstance(v, tuple) else v for k, v in data.items()}
        response = client_for(users[Role.ADMIN]).post(
            org_url(org, "verification/"), data, format="multipart"
        )
        assert_error(response, 400, "invalid")
        assert not VerificationDocument.objects.exists()

    def test_json_upload_is_415(self, client_for, org_a):
        org, users = org_a
        assert_error(
            client_for(users[Role.ADMIN]).post(org_url(org, "verification/"), {"kind": "ninea"}),
            415,
        )

    def test_staff_decision_runs_the_task(
        self, client_for, monkeypatch, django_capture_on_commit_callbacks
    ):
        from teranga.platform.realtime import broadcast as realtime

        org, owner = organization_with_owner(
            verification_status=VerificationStatus.PENDING, verified_at=None
        )
        admin = member(org, Role.ADMIN)
        member(org, Role.AGENT)
        sent = []
        real = getattr(realtime, "broadcast", None)

        def spy(group, event):
            sent.append((group, event))
            return real(group, event) if real else 0

        monkeypatch.setattr(realtime, "broadcast", spy, raising=False)
        staff = user(is_staff=True)
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(staff).post(
                org_url(org, "verification/decision/"),
                {"status": "verified", "note": "Documents OK"},
            )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "verified" and body["verified_at"]
        assert body["decisions"][0]["note"] == "Documents OK"
        org.refresh_from_db()
        assert org.verification_status == VerificationStatus.VERIFIED and org.verified_at
        decision = VerificationDecision.objects.get()
        assert decision.decided_by == staff
        event = {
            "type": "organization.verification_changed",
            "organization": str(org.pk),
            "status": "verified",
        }
        assert sorted(sent, key=str) == sorted(
            [(realtime.user_group(owner.pk), event), (realtime.user_group(admin.pk), event)],
            key=str,
        )

    def test_decision_statuses(self, client_for, org_a):
        org, _ = org_a
        staff = client_for(user(is_staff=True))
        assert (
            staff.post(org_url(org, "verification/decision/"), {"status": "suspended"}).json()[
                "status"
            ]
            == "suspended"
        )
        org.refresh_from_db()
        assert org.verified_at is None
        assert_error(
            staff.post(org_url(org, "verification/decision/"), {"status": "pending"}),
            400,
            "invalid",
        )
        assert VerificationDecision.objects.count() == 1

    def test_decision_is_staff_only(self, client_for, org_a, org_b):
        org, users = org_a
        assert_error(
            client_for(users[Role.OWNER]).post(
                org_url(org, "verification/decision/"), {"status": "verified"}
            ),
            403,
        )
        outsider = org_b[1]
        assert_error(
            client_for(outsider).post(
                org_url(org, "verification/decision/"), {"status": "verified"}
            ),
            404,
        )
        assert not VerificationDecision.objects.exists()

    def test_staff_reads_verification_of_any_org(self, client_for, org_a):
        org, _ = org_a
        assert client_for(user(is_staff=True)).get(org_url(org, "verification/")).status_code == 200

    def test_decision_row_is_append_only(self, org_a):
        org, _ = org_a
        decision = VerificationDecision.objects.create(organization=org, status="verified")
        decision.note = "changed"
        with pytest.raises(ValueError):
            decision.save()


# --- Another organisation's objects: 404 everywhere ------------------------------------


@pytest.fixture
def b_objects(org_b):
    org, owner = org_b
    branch = BranchFactory(organization=org)
    OpeningHoursFactory(branch=branch)
    closure = ClosureFactory(organization=org)
    invitation = services.invitation_create(actor=owner, organization=org, email="x@example.test")
    membership = Membership.objects.get(user=owner)
    document = VerificationDocument.objects.create(organization=org, kind="ninea", file="x.pdf")
    return {
        "org": org,
        "branch": branch,
        "closure": closure,
        "invitation": invitation,
        "membership": membership,
        "document": document,
    }


def cross_tenant_probes(a, b):
    """(method, url, payload) for org B's objects, both under B's URL and under A's."""
    B, A = b["org"], a
    probes = [
        ("patch", org_url(B), {"name": "hacked"}),
        ("delete", org_url(B), None),
        ("get", org_url(B, "members/"), None),
        ("patch", org_url(B, f"members/{b['membership'].pk}/"), {"role": "member"}),
        ("delete", org_url(B, f"members/{b['membership'].pk}/"), None),
        ("get", org_url(B, "invitations/"), None),
        ("post", org_url(B, "invitations/"), {"email": "spy@example.test"}),
        ("delete", org_url(B, f"invitations/{b['invitation'].pk}/"), None),
        ("post", org_url(B, "branches/"), {"name": "Spy"}),
        ("patch", org_url(B, f"branches/{b['branch'].pk}/"), {"name": "hacked"}),
        ("delete", org_url(B, f"branches/{b['branch'].pk}/"), None),
        ("put", org_url(B, f"branches/{b['branch'].pk}/opening-hours/"), []),
        ("post", org_url(B, "closures/"), {"starts_on": "2026-01-01", "ends_on": "2026-01-02"}),
        ("delete", org_url(B, f"closures/{b['closure'].pk}/"), None),
        ("get", org_url(B, "verification/"), None),
        ("post", org_url(B, "verification/decision/"), {"status": "suspended"}),
        # B's objects under A's URL, with every right on A
        ("patch", org_url(A, f"members/{b['membership'].pk}/"), {"role": "member"}),
        ("delete", org_url(A, f"members/{b['membership'].pk}/"), None),
        ("delete", org_url(A, f"invitations/{b['invitation'].pk}/"), None),
        ("get", org_url(A, f"branches/{b['branch'].pk}/"), None),
        ("patch", org_url(A, f"branches/{b['branch'].pk}/"), {"name": "hacked"}),
        ("delete", org_url(A, f"branches/{b['branch'].pk}/"), None),
        ("get", org_url(A, f"branches/{b['branch'].pk}/opening-hours/"), None),
        ("put", org_url(A, f"branches/{b['branch'].pk}/opening-hours/"), []),
        (
            "post",
            org_url(A, "closures/"),
            {"branch": str(b["branch"].pk), "starts_on": "2026-01-01", "ends_on": "2026-01-02"},
        ),
        ("delete", org_url(A, f"closures/{b['closure'].pk}/"), None),
    ]
    return probes


def snapshot():
    return [
        sorted(map(str, model.objects.values_list("pk", "updated_at")))
        for model in (
            Organization,
            Membership,
            Invitation,
            Branch,
            OpeningHours,
            Closure,
            VerificationDocument,
        )
    ]


def test_cross_tenant_probes_are_404(client_for, org_a, b_objects):
    org, users = org_a
    b_objects["org"].verification_status = VerificationStatus.PENDING
    b_objects["org"].save()
    client = client_for(users[Role.OWNER])
    before = snapshot()
    for method, url, payload in cross_tenant_probes(org, b_objects):
        if payload is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, payload, format="json")
        assert_error(response, 404)
    # reads of B that are public while B is unverified are hidden too
    for suffix in ("", "branches/", f"branches/{b_objects['branch'].pk}/", "closures/"):
        assert_error(client.get(org_url(b_objects["org"], suffix)), 404)
    assert snapshot() == before


def test_cross_tenant_writes_on_verified_org_are_404(client_for, org_a, b_objects):
    """B is verified (publicly readable), yet A's owner can write nothing of B's and read
    nothing private of B's."""
    org, users = org_a
    client = client_for(users[Role.OWNER])
    before = snapshot()
    for method, url, payload in cross_tenant_probes(org, b_objects):
        if method == "get" and "branches" in url and url.startswith(org_url(b_objects["org"])):
            continue  # B's branches are public: covered by the unverified case
        if payload is None:
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, payload, format="json")
        assert_error(response, 404)
    assert snapshot() == before
