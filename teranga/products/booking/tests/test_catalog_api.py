"""The Booking catalogue through HTTP: categories, services, images and free slots."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from teranga.core.money import Money
from teranga.platform.geo.models import Region
from teranga.platform.organizations.models import OrganizationKind, Role, VerificationStatus
from teranga.platform.organizations.tests.factories import member
from teranga.platform.scheduling.models import Booking, BookingStatus, Resource, ResourceKind
from teranga.products.booking.models import (
    MAX_IMAGES,
    Reservation,
    Service,
    ServiceCategory,
    ServiceImage,
    Tag,
)

from .factories import BusinessFactory, ResourceFactory, ServiceFactory, business_with_owner

pytestmark = pytest.mark.django_db

API = "/api/v1/booking"
#: Monday 2 March 2026, 8:00 in Dakar (UTC+0, no DST).
MONDAY_8AM = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def book(service: Service, starts_at: datetime, *, status=BookingStatus.CONFIRMED) -> Booking:
    """A booking row of ``service`` written directly (what a reservation leaves behind)."""
    return Booking.objects.create(
        organization=service.organization,
        resource=service.resource,
        source="booking",
        offering=service.offering_key,
        title=service.name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=service.duration_minutes),
        occupied_from=starts_at,
        occupied_until=starts_at + timedelta(minutes=service.duration_minutes),
        capacity=service.capacity,
        status=status,
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path / "public"  # service images are public media (teranga.core.storage)


@pytest.fixture
def biz(db):
    """A verified business with one user per staff role: (business, {role: user})."""
    business, owner = business_with_owner(name="Salon Awa", city="Dakar")
    users = {Role.OWNER: owner}
    for role in (Role.MANAGER, Role.AGENT, Role.MEMBER):
        users[role] = member(business, role)
    return business, users


@pytest.fixture
def other(db):
    """Another tenant: (business, owner)."""
    return business_with_owner(name="Garage Bravo", city="Thiès")


def service_payload(organization, **overrides):
    payload = {
        "organization": str(organization.pk),
        "name": "Coupe homme",
        "description": "Coupe et brushing.",
        "category": "beaute-coiffure",
        "tags": ["Coiffure", "homme"],
        "price_amount": 5000,
        "duration_minutes": 45,
        "buffer_after_minutes": 15,
        "capacity": 1,
        "cancellation_notice_hours": 12,
    }
    payload.update(overrides)
    return payload


# --- Categories -----------------------------------------------------------------------------


def test_categories_are_public(api):
    response = api.get(f"{API}/categories/")
    assert response.status_code == 200
    slugs = [c["slug"] for c in response.json()]
    assert slugs[0] == "beaute-coiffure"
    assert len(slugs) == ServiceCategory.objects.count() >= 10


# --- Public list ----------------------------------------------------------------------------


class TestPublicList:
    def test_only_active_services_of_verified_businesses(self, api):
        visible = ServiceFactory(name="Visible")
        ServiceFactory(name="Inactive", is_active=False)
        ServiceFactory(
            name="Pending business",
            organization=BusinessFactory(verification_status=VerificationStatus.PENDING),
        )
        ServiceFactory(
            name="Suspended business",
            organization=BusinessFactory(verification_status=VerificationStatus.SUSPENDED),
        )
        response = api.get(f"{API}/services/")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        item = body["results"][0]
        assert item["id"] == str(visible.pk)
        assert item["price"] == {
            "amount": 5000,
            "currency": "XOF",
            "display": Money(5000, "XOF").format(),  # "5 000 F CFA", babel's spaces
        }
        assert item["organization"]["name"] == visible.organization.name
        assert item["category"]["slug"] == "beaute-coiffure"

    def test_filters(self, api):
        dakar, thies = Region.objects.get(code="DK"), Region.objects.get(code="TH")
        in_dakar = BusinessFactory(name="Chez Fatou", city="Dakar", region=dakar)
        in_thies = BusinessFactory(name="Atelier Moussa", city="Thiès", region=thies)
        haircut = ServiceFactory(
            name="Tresses", organization=in_dakar, price_amount=15000, description="Nattes"
        )
        massage = ServiceFactory(
            name="Massage",
            organization=in_dakar,
            price_amount=3000,
            category=ServiceCategory.objects.get(slug="bien-etre"),
        )
        repair = ServiceFactory(
            name="Vidange",
            organization=in_thies,
            price_amount=25000,
            category=ServiceCategory.objects.get(slug="automobile"),
        )
        tag = Tag.objects.create(slug="relaxation", name="Relaxation")
        massage.tags.add(tag)

        def ids(**params):
            response = api.get(f"{API}/services/", params)
            assert response.status_code == 200, response.content
            return {item["id"] for item in response.json()["results"]}

        assert ids(category="bien-etre") == {str(massage.pk)}
        assert ids(city="dakar") == {str(haircut.pk), str(massage.pk)}
        assert ids(city="THIèS") == {str(repair.pk)}
        assert ids(region="th") == {str(repair.pk)}
        assert ids(price_min=5000) == {str(haircut.pk), str(repair.pk)}
        assert ids(price_max=15000) == {str(haircut.pk), str(massage.pk)}
        assert ids(price_min=4000, price_max=20000) == {str(haircut.pk)}
        assert ids(tag="relaxation") == {str(massage.pk)}
        assert ids(organization=str(in_thies.pk)) == {str(repair.pk)}
        assert ids(q="nattes") == {str(haircut.pk)}  # description
        assert ids(q="moussa") == {str(repair.pk)}  # business name
        assert ids(q="automobile") == {str(repair.pk)}  # category name
        assert ids(q="massage dakar") == set()  # every term must match
        assert ids(q="massage fatou") == {str(massage.pk)}

    def test_ordering(self, api):
        cheap = ServiceFactory(name="B", price_amount=1000)
        dear = ServiceFactory(name="A", price_amount=9000)
        names = lambda ordering: [  # noqa: E731
            s["id"] for s in api.get(f"{API}/services/", {"ordering": ordering}).json()["results"]
        ]
        assert names("price_amount") == [str(cheap.pk), str(dear.pk)]
        assert names("-price_amount") == [str(dear.pk), str(cheap.pk)]
        assert names("name") == [str(dear.pk), str(cheap.pk)]

    def test_bad_filter_value_is_400(self, api):
        assert_error(api.get(f"{API}/services/", {"price_min": "cheap"}), 400, "invalid")

    def test_query_count_does_not_grow_with_page_size(
        self, api, media, django_assert_max_num_queries
    ):
        def make(n):
            for _ in range(n):
                service = ServiceFactory(rules=False)
                service.tags.add(Tag.objects.get_or_create(slug="t", defaults={"name": "T"})[0])
                ServiceImage.objects.create(service=service, image="booking/x.png")

        make(2)
        with django_assert_max_num_queries(5):
            assert api.get(f"{API}/services/").status_code == 200
        make(15)
        with django_assert_max_num_queries(5):
            response = api.get(f"{API}/services/", {"page_size": 50})
        assert response.json()["count"] == 17
        image_url = response.json()["results"][0]["images"][0]["image"]
        assert image_url.startswith("http://testserver/")


# --- Create ---------------------------------------------------------------------------------


class TestCreate:
    def test_manager_creates_a_service_with_its_own_resource(self, biz, client_for):
        business, users = biz
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/", service_payload(business)
        )
        assert response.status_code == 201, response.content
        body = response.json()
        service = Service.objects.get(pk=body["id"])
        assert service.currency == "XOF" and service.price_amount == 5000
        assert service.resource.kind == ResourceKind.SERVICE
        assert service.resource.name == "Coupe homme"
        assert service.resource.organization == business
        assert sorted(t["slug"] for t in body["tags"]) == ["coiffure", "homme"]
        assert body["price"]["display"] == Money(5000, "XOF").format()
        assert body["organization"]["id"] == str(business.pk)
        assert body["buffer_after_minutes"] == 15

    def test_tags_are_reused_by_slug(self, biz, client_for):
        business, users = biz
        Tag.objects.create(slug="coiffure", name="Coiffure")
        client = client_for(users[Role.OWNER])
        response = client.post(
            f"{API}/services/", service_payload(business, tags=["COIFFURE", "coiffure "])
        )
        assert response.status_code == 201
        assert Tag.objects.filter(slug="coiffure").count() == 1
        assert [t["slug"] for t in response.json()["tags"]] == ["coiffure"]

    def test_with_an_existing_resource(self, biz, client_for):
        business, users = biz
        resource = ResourceFactory(organization=business, name="Awa")
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/", service_payload(business, resource=str(resource.pk))
        )
        assert response.status_code == 201
        assert response.json()["resource"] == str(resource.pk)
        assert Resource.objects.filter(organization=business).count() == 1

    def test_resource_of_another_organisation_is_refused(self, biz, other, client_for):
        business, users = biz
        foreign = ResourceFactory(organization=other[0])
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/", service_payload(business, resource=str(foreign.pk))
        )
        error = assert_error(response, 400)
        assert "resource" in error["fields"]
        assert not Service.objects.exists()

    def test_free_service_is_allowed(self, biz, client_for):
        business, users = biz
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/", service_payload(business, price_amount=0)
        )
        assert response.status_code == 201
        assert response.json()["price"]["amount"] == 0

    @pytest.mark.parametrize("amount", [50, 5_000_001, -1])
    def test_price_limits(self, biz, client_for, amount):
        business, users = biz
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/", service_payload(business, price_amount=amount)
        )
        error = assert_error(response, 400, None if amount < 0 else "price_out_of_range")
        assert "price_amount" in error["fields"]
        assert not Service.objects.exists() and not Resource.objects.exists()

    def test_price_limits_follow_the_currency(self, client_for):
        business, owner = business_with_owner(currency="EUR", time_zone="Europe/Paris")
        client = client_for(owner)
        assert_error(
            client.post(f"{API}/services/", service_payload(business, price_amount=1_000_001)),
            400,
            "price_out_of_range",
        )
        response = client.post(f"{API}/services/", service_payload(business, price_amount=1250))
        assert response.status_code == 201
        assert response.json()["price"]["currency"] == "EUR"
        assert response.json()["price"]["display"] == Money(1250, "EUR").format()
        assert "12,50" in response.json()["price"]["display"]

    @pytest.mark.parametrize("minutes", [0, 3, 62, 485, 600])
    def test_duration_must_be_a_multiple_of_5_within_limits(self, biz, client_for, minutes):
        business, users = biz
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/", service_payload(business, duration_minutes=minutes)
        )
        assert_error(response, 400, "invalid_duration")
        assert not Service.objects.exists()

    def test_missing_fields_and_unknown_fields(self, biz, client_for):
        business, users = biz
        client = client_for(users[Role.MANAGER])
        error = assert_error(
            client.post(f"{API}/services/", {"organization": str(business.pk)}), 400, "invalid"
        )
        assert {"name", "duration_minutes"} <= set(error["fields"])
        error = assert_error(
            client.post(f"{API}/services/", service_payload(business, currency="EUR")), 400
        )
        assert error["fields"] == {"currency": ["Unknown field."]} or "currency" in error["fields"]
        assert_error(
            client.post(f"{API}/services/", service_payload(business, category="nope")), 400
        )
        assert not Service.objects.exists()

    def test_only_businesses(self, client_for):
        bank, owner = business_with_owner(kind=OrganizationKind.BANK)
        response = client_for(owner).post(f"{API}/services/", service_payload(bank))
        assert_error(response, 400, "organization_kind_not_supported")
        assert not Service.objects.exists() and not Resource.objects.exists()

    def test_roles_tenants_and_anonymous(self, biz, other, client_for, api):
        business, users = biz
        payload = service_payload(business)
        assert_error(client_for(users[Role.AGENT]).post(f"{API}/services/", payload), 403)
        assert_error(client_for(users[Role.MEMBER]).post(f"{API}/services/", payload), 403)
        assert_error(client_for(other[1]).post(f"{API}/services/", payload), 404)
        assert_error(api.post(f"{API}/services/", payload), 401, "not_authenticated")
        assert not Service.objects.exists()

    def test_unverified_business_prepares_services_that_stay_private(self, client_for, api):
        business, owner = business_with_owner(verification_status=VerificationStatus.PENDING)
        client = client_for(owner)
        response = client.post(f"{API}/services/", service_payload(business))
        assert response.status_code == 201
        service_id = response.json()["id"]
        assert api.get(f"{API}/services/").json()["count"] == 0
        assert_error(api.get(f"{API}/services/{service_id}/"), 404)
        assert_error(api.get(f"{API}/services/{service_id}/slots/"), 404)
        assert client.get(f"{API}/services/{service_id}/").status_code == 200
        mine = client.get(f"{API}/organizations/{business.pk}/services/")
        assert mine.json()["count"] == 1


# --- Organisation's own list ----------------------------------------------------------------


class TestOrganizationList:
    def test_staff_see_inactive_services(self, biz, other, client_for, api):
        business, users = biz
        ServiceFactory(organization=business, name="On")
        ServiceFactory(organization=business, name="Off", is_active=False)
        ServiceFactory(organization=other[0])
        url = f"{API}/organizations/{business.pk}/services/"
        response = client_for(users[Role.AGENT]).get(url)
        assert response.status_code == 200
        assert [s["name"] for s in response.json()["results"]] == ["Off", "On"]
        inactive = client_for(users[Role.AGENT]).get(url, {"is_active": "false"}).json()
        assert [s["name"] for s in inactive["results"]] == ["Off"]
        assert_error(client_for(users[Role.MEMBER]).get(url), 403)
        assert_error(client_for(other[1]).get(url), 404)
        assert_error(api.get(url), 401)


# --- Detail, update, delete -----------------------------------------------------------------


class TestDetail:
    def test_public_detail_and_hidden_inactive(self, biz, other, client_for, api):
        business, users = biz
        active = ServiceFactory(organization=business)
        inactive = ServiceFactory(organization=business, is_active=False)
        assert api.get(f"{API}/services/{active.pk}/").status_code == 200
        assert_error(api.get(f"{API}/services/{inactive.pk}/"), 404, "service_not_found")
        assert_error(client_for(other[1]).get(f"{API}/services/{inactive.pk}/"), 404)
        assert (
            client_for(users[Role.AGENT]).get(f"{API}/services/{inactive.pk}/").status_code == 200
        )
        assert_error(api.get(f"{API}/services/00000000-0000-0000-0000-000000000000/"), 404)

    def test_manager_updates(self, biz, client_for):
        business, users = biz
        service = ServiceFactory(organization=business)
        response = client_for(users[Role.MANAGER]).patch(
            f"{API}/services/{service.pk}/",
            {"price_amount": 7500, "tags": ["Barbe"], "is_active": False, "category": "sante"},
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["price"]["amount"] == 7500
        assert [t["slug"] for t in body["tags"]] == ["barbe"]
        assert body["is_active"] is False and body["category"]["slug"] == "sante"

    def test_bad_update_changes_nothing(self, biz, client_for):
        business, users = biz
        service = ServiceFactory(organization=business)
        client = client_for(users[Role.MANAGER])
        url = f"{API}/services/{service.pk}/"
        assert_error(
            client.patch(url, {"price_amount": 10, "name": "X"}), 400, "price_out_of_range"
        )
        assert_error(client.patch(url, {"duration_minutes": 33}), 400, "invalid_duration")
        assert_error(client.patch(url, {"organization": str(business.pk)}), 400)
        assert_error(client.patch(url, {"capacity": 0}), 400)
        service.refresh_from_db()
        assert (service.price_amount, service.name, service.duration_minutes) == (
            5000,
            service.name,
            60,
        )
        assert service.name != "X"

    def test_update_permissions(self, biz, other, client_for, api):
        business, users = biz
        service = ServiceFactory(organization=business)
        url = f"{API}/services/{service.pk}/"
        assert_error(client_for(users[Role.AGENT]).patch(url, {"name": "Z"}), 403)
        assert_error(client_for(other[1]).patch(url, {"name": "Z"}), 404)
        assert_error(api.patch(url, {"name": "Z"}), 401)
        assert_error(client_for(users[Role.AGENT]).delete(url), 403)
        assert_error(client_for(other[1]).delete(url), 404)
        assert_error(api.delete(url), 401)
        service.refresh_from_db()
        assert service.name != "Z"

    def test_resource_cannot_change_once_booked(self, biz, client_for):
        business, users = biz
        service = ServiceFactory(organization=business)
        book(service, MONDAY_8AM + timedelta(days=1))
        other_resource = ResourceFactory(organization=business)
        response = client_for(users[Role.MANAGER]).patch(
            f"{API}/services/{service.pk}/", {"resource": str(other_resource.pk)}
        )
        assert_error(response, 409, "service_has_reservations")

    def test_delete_never_booked_removes_it_with_its_resource(self, biz, client_for):
        business, users = biz
        service = ServiceFactory(organization=business, rules=False)
        Resource.objects.filter(pk=service.resource_id).update(kind=ResourceKind.SERVICE)
        response = client_for(users[Role.MANAGER]).delete(f"{API}/services/{service.pk}/")
        assert response.status_code == 204
        assert not Service.objects.filter(pk=service.pk).exists()
        assert not Resource.objects.filter(pk=service.resource_id).exists()

    def test_delete_keeps_a_shared_staff_resource(self, biz, client_for):
        business, users = biz
        service = ServiceFactory(organization=business)  # resource of kind staff
        client_for(users[Role.MANAGER]).delete(f"{API}/services/{service.pk}/")
        assert not Service.objects.filter(pk=service.pk).exists()
        assert Resource.objects.filter(pk=service.resource_id).exists()

    def test_delete_booked_service_deactivates_it(self, biz, client_for):
        business, users = biz
        service = ServiceFactory(organization=business)
        booking = book(service, MONDAY_8AM + timedelta(days=1))
        Reservation.objects.create(
            booking=booking,
            organization=business,
            service=service,
            price_amount=5000,
            currency="XOF",
        )
        response = client_for(users[Role.MANAGER]).delete(f"{API}/services/{service.pk}/")
        assert response.status_code == 204
        service.refresh_from_db()
        assert service.is_active is False
        assert Reservation.objects.filter(service=service).exists()


# --- Images ---------------------------------------------------------------------------------


class TestImages:
    def test_upload_and_delete(
        self, biz, client_for, api, media, django_capture_on_commit_callbacks
    ):
        business, users = biz
        service = ServiceFactory(organization=business)
        client = client_for(users[Role.MANAGER])
        upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
        response = client.post(
            f"{API}/services/{service.pk}/images/", {"image": upload}, format="multipart"
        )
        assert response.status_code == 201, response.content
        image_id = response.json()["id"]
        assert response.json()["image"].startswith("http://testserver/media/booking/services/")
        detail = api.get(f"{API}/services/{service.pk}/").json()
        assert detail["images"][0]["id"] == image_id
        assert detail["images"][0]["image"].startswith("http://testserver/")
        stored = ServiceImage.objects.get(pk=image_id).image.name
        assert (media / stored).exists()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.delete(f"{API}/services/{service.pk}/images/{image_id}/")
        assert response.status_code == 204
        assert not ServiceImage.objects.exists()
        assert not (media / stored).exists()  # removed after commit

    def test_content_is_checked_not_the_name(self, biz, client_for, media):
        business, users = biz
        service = ServiceFactory(organization=business)
        fake = SimpleUploadedFile("photo.png", b"not an image at all", content_type="image/png")
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/{service.pk}/images/", {"image": fake}, format="multipart"
        )
        error = assert_error(response, 400, "invalid_image")
        assert "image" in error["fields"]
        assert not ServiceImage.objects.exists()

    def test_missing_file(self, biz, client_for, media):
        business, users = biz
        service = ServiceFactory(organization=business)
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/{service.pk}/images/", {}, format="multipart"
        )
        assert_error(response, 400, "invalid")

    def test_multipart_only(self, biz, client_for, media):
        business, users = biz
        service = ServiceFactory(organization=business)
        client = client_for(users[Role.MANAGER])
        url = f"{API}/services/{service.pk}/images/"
        assert_error(client.post(url, {"image": "x"}), 415, "unsupported_media_type")
        form = client.post(url, "image=x", content_type="application/x-www-form-urlencoded")
        assert_error(form, 415, "unsupported_media_type")
        fields = {"name": "Coupe", "image": "x"}  # a service's JSON write takes no image
        response = client.patch(f"{API}/services/{service.pk}/", fields)
        assert "image" in assert_error(response, 400, "invalid")["fields"]
        assert not ServiceImage.objects.exists()

    def test_too_many_images(self, biz, client_for, media):
        business, users = biz
        service = ServiceFactory(organization=business)
        for position in range(MAX_IMAGES):
            ServiceImage.objects.create(service=service, image="x.png", position=position)
        upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
        response = client_for(users[Role.MANAGER]).post(
            f"{API}/services/{service.pk}/images/", {"image": upload}, format="multipart"
        )
        assert_error(response, 400, "too_many_images")
        assert ServiceImage.objects.count() == MAX_IMAGES

    def test_permissions(self, biz, other, client_for, api, media):
        business, users = biz
        service = ServiceFactory(organization=business)
        image = ServiceImage.objects.create(service=service, image="x.png")
        url = f"{API}/services/{service.pk}/images/"

        def upload():
            return {"image": SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")}

        assert_error(client_for(users[Role.AGENT]).post(url, upload(), format="multipart"), 403)
        assert_error(client_for(other[1]).post(url, upload(), format="multipart"), 404)
        assert_error(api.post(url, upload(), format="multipart"), 401)
        assert_error(client_for(users[Role.AGENT]).delete(f"{url}{image.pk}/"), 403)
        assert_error(client_for(other[1]).delete(f"{url}{image.pk}/"), 404)
        # an image of another service of the same business is not this service's
        sibling = ServiceFactory(organization=business)
        response = client_for(users[Role.MANAGER]).delete(
            f"{API}/services/{sibling.pk}/images/{image.pk}/"
        )
        assert_error(response, 404, "image_not_found")
        assert ServiceImage.objects.count() == 1


# --- Slots ----------------------------------------------------------------------------------


class TestSlots:
    @pytest.fixture(autouse=True)
    def _monday_8am(self):
        with time_machine.travel(MONDAY_8AM, tick=False):
            yield

    def test_one_day(self, api):
        service = ServiceFactory()
        response = api.get(
            f"{API}/services/{service.pk}/slots/", {"from": "2026-03-02", "to": "2026-03-03"}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["service"] == str(service.pk)
        assert body["time_zone"] == "Africa/Dakar"
        assert body["from"] == "2026-03-02T00:00:00Z" and body["to"] == "2026-03-03T00:00:00Z"
        starts = [slot["starts_at"] for slot in body["slots"]]
        hours = [9, 10, 11, 12, 14, 15, 16, 17]  # the 13:00 break, 18:00 close
        assert starts == [f"2026-03-02T{h:02d}:00:00Z" for h in hours]
        first = body["slots"][0]
        assert first == {
            "starts_at": "2026-03-02T09:00:00Z",
            "ends_at": "2026-03-02T10:00:00Z",
            "local_start": "2026-03-02T09:00:00+00:00",
            "remaining": 1,
            "capacity": 1,
        }

    def test_default_range_is_a_week_from_now(self, api):
        service = ServiceFactory()
        body = api.get(f"{API}/services/{service.pk}/slots/").json()
        assert body["from"] == "2026-03-02T08:00:00Z" and body["to"] == "2026-03-09T08:00:00Z"
        assert len(body["slots"]) == 6 * 8  # Monday to Saturday

    def test_min_notice_and_bookings_and_capacity(self, api):
        service = ServiceFactory(capacity=3, min_notice_minutes=120)
        book(service, datetime(2026, 3, 2, 11, tzinfo=UTC))
        slots = api.get(
            f"{API}/services/{service.pk}/slots/", {"from": "2026-03-02", "to": "2026-03-03"}
        ).json()["slots"]
        assert slots[0]["starts_at"] == "2026-03-02T10:00:00Z"  # 8:00 + 2 h notice
        eleven = next(s for s in slots if s["starts_at"] == "2026-03-02T11:00:00Z")
        assert eleven["remaining"] == 2 and eleven["capacity"] == 3

    def test_a_full_slot_is_not_offered(self, api):
        service = ServiceFactory()
        book(service, datetime(2026, 3, 2, 10, tzinfo=UTC))
        starts = [
            s["starts_at"]
            for s in api.get(
                f"{API}/services/{service.pk}/slots/",
                {"from": "2026-03-02T00:00:00Z", "to": "2026-03-02T12:00:00Z"},
            ).json()["slots"]
        ]
        assert starts == ["2026-03-02T09:00:00Z", "2026-03-02T11:00:00Z"]

    def test_time_zone_and_daylight_saving(self, api):
        paris = BusinessFactory(time_zone="Europe/Paris", country="FR", currency="EUR")
        service = ServiceFactory(organization=paris, price_amount=2500)
        body = api.get(
            f"{API}/services/{service.pk}/slots/", {"from": "2026-03-27", "to": "2026-03-31"}
        ).json()
        assert body["time_zone"] == "Europe/Paris"
        assert body["from"] == "2026-03-26T23:00:00Z"  # local midnight, winter time
        assert body["to"] == "2026-03-30T22:00:00Z"  # local midnight, summer time
        by_day = {}
        for slot in body["slots"]:
            by_day.setdefault(slot["local_start"][:10], []).append(slot)
        assert by_day["2026-03-27"][0]["starts_at"] == "2026-03-27T08:00:00Z"
        assert by_day["2026-03-27"][0]["local_start"] == "2026-03-27T09:00:00+01:00"
        assert by_day["2026-03-30"][0]["starts_at"] == "2026-03-30T07:00:00Z"
        assert by_day["2026-03-30"][0]["local_start"] == "2026-03-30T09:00:00+02:00"
        assert "2026-03-29" not in by_day  # Sunday

    def test_naive_datetimes_are_local_time(self, api):
        paris = BusinessFactory(time_zone="Europe/Paris", country="FR", currency="EUR")
        service = ServiceFactory(organization=paris, price_amount=2500)
        body = api.get(
            f"{API}/services/{service.pk}/slots/",
            {"from": "2026-03-03T10:00", "to": "2026-03-03T12:00"},
        ).json()
        assert body["from"] == "2026-03-03T09:00:00Z"
        assert [s["local_start"] for s in body["slots"]] == [
            "2026-03-03T10:00:00+01:00",
            "2026-03-03T11:00:00+01:00",
        ]

    def test_range_errors(self, api):
        service = ServiceFactory()
        url = f"{API}/services/{service.pk}/slots/"
        assert_error(
            api.get(url, {"from": "2026-03-02", "to": "2026-05-04"}), 400, "range_too_long"
        )
        assert_error(api.get(url, {"from": "2026-03-03", "to": "2026-03-03"}), 400, "invalid_range")
        assert_error(api.get(url, {"from": "2026-03-05", "to": "2026-03-03"}), 400, "invalid_range")
        error = assert_error(api.get(url, {"from": "tomorrow"}), 400, "invalid")
        assert "from" in error["fields"]
        assert api.get(url, {"from": "2026-03-02", "to": "2026-05-03"}).status_code == 200

    def test_visibility(self, biz, other, client_for, api):
        business, users = biz
        inactive = ServiceFactory(organization=business, is_active=False)
        url = f"{API}/services/{inactive.pk}/slots/"
        assert_error(api.get(url), 404)
        assert_error(client_for(other[1]).get(url), 404)
        response = client_for(users[Role.AGENT]).get(
            url, {"from": "2026-03-03", "to": "2026-03-04"}
        )
        assert response.status_code == 200
        assert len(response.json()["slots"]) == 8

    def test_query_count_does_not_grow_with_the_range(self, api, django_assert_max_num_queries):
        service = ServiceFactory()
        for day in range(0, 60, 3):
            book(service, datetime(2026, 3, 3, 9, tzinfo=UTC) + timedelta(days=day))
        url = f"{API}/services/{service.pk}/slots/"
        with django_assert_max_num_queries(8):
            short = api.get(url, {"from": "2026-03-02", "to": "2026-03-04"})
        with django_assert_max_num_queries(8):
            long = api.get(url, {"from": "2026-03-02", "to": "2026-05-02"})
        assert len(long.json()["slots"]) > 20 * len(short.json()["slots"]) / 2

    def test_inactive_resource_has_no_slots(self, api):
        service = ServiceFactory()
        Resource.objects.filter(pk=service.resource_id).update(is_active=False)
        body = api.get(f"{API}/services/{service.pk}/slots/").json()
        assert body["slots"] == []
