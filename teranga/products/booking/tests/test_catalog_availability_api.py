"""Availability management through HTTP: resources, weekly rules (single, bulk,
generated), date overrides; and how they change the slots clients see."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import BranchFactory, member
from teranga.platform.scheduling.models import (
    AvailabilityOverride,
    AvailabilityRule,
    Booking,
    BookingStatus,
    Resource,
    ResourceKind,
)

from . import test_catalog_api as catalog_api
from .factories import ResourceFactory, ServiceFactory, weekly_rules
from .test_catalog_api import API, MONDAY_8AM, assert_error

# The fixtures of the catalogue tests: a business with a user per role, another business.
biz = catalog_api.biz
other = catalog_api.other

pytestmark = pytest.mark.django_db

RULE = {"weekday": 0, "starts_at": "09:00", "ends_at": "12:00"}


@pytest.fixture
def resource(biz):
    return ResourceFactory(organization=biz[0], name="Awa")


@pytest.fixture
def clients(biz, other, client_for):
    """Clients by role of the business, plus ``"other"`` (another business's owner)."""
    _, users = biz
    result = {role: client_for(user) for role, user in users.items()}
    result["other"] = client_for(other[1])
    return result


# --- Resources ------------------------------------------------------------------------------


class TestResources:
    def test_list_needs_the_organisation(self, biz, clients, api):
        business, _ = biz
        ResourceFactory(organization=business, name="Awa")
        ResourceFactory(organization=business, name="Salle 2", kind=ResourceKind.ROOM)
        ResourceFactory()  # another business
        url = f"{API}/resources/"
        assert_error(clients[Role.AGENT].get(url), 400, "organization_required")
        response = clients[Role.AGENT].get(url, {"organization": str(business.pk)})
        assert response.status_code == 200
        assert [r["name"] for r in response.json()["results"]] == ["Awa", "Salle 2"]
        rooms = clients[Role.AGENT].get(url, {"organization": str(business.pk), "kind": "room"})
        assert [r["name"] for r in rooms.json()["results"]] == ["Salle 2"]
        assert_error(clients[Role.MEMBER].get(url, {"organization": str(business.pk)}), 403)
        assert_error(clients["other"].get(url, {"organization": str(business.pk)}), 404)
        assert_error(api.get(url, {"organization": str(business.pk)}), 401)
        assert_error(clients[Role.AGENT].get(url, {"organization": "nope"}), 400)

    def test_create(self, biz, clients, api):
        business, users = biz
        branch = BranchFactory(organization=business)
        payload = {
            "organization": str(business.pk),
            "name": "Fatou",
            "kind": "staff",
            "branch": str(branch.pk),
            "user": str(users[Role.AGENT].pk),
        }
        response = clients[Role.MANAGER].post(f"{API}/resources/", payload)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["branch"] == str(branch.pk) and body["user"] == str(users[Role.AGENT].pk)
        assert body["organization"] == str(business.pk) and body["is_active"] is True

    def test_bad_input_changes_nothing(self, biz, other, clients):
        business, _ = biz
        url = f"{API}/resources/"
        base = {"organization": str(business.pk), "name": "X"}
        foreign_branch = BranchFactory(organization=other[0])
        assert_error(
            clients[Role.MANAGER].post(url, {**base, "branch": str(foreign_branch.pk)}), 400
        )
        assert_error(clients[Role.MANAGER].post(url, {**base, "user": str(other[1].pk)}), 400)
        assert_error(clients[Role.MANAGER].post(url, {**base, "kind": "spaceship"}), 400)
        assert_error(clients[Role.MANAGER].post(url, {**base, "colour": "red"}), 400)
        assert_error(clients[Role.MANAGER].post(url, {"organization": str(business.pk)}), 400)
        assert not Resource.objects.filter(organization=business).exists()

    def test_create_permissions(self, biz, clients, api):
        business, _ = biz
        payload = {"organization": str(business.pk), "name": "X"}
        assert_error(clients[Role.AGENT].post(f"{API}/resources/", payload), 403)
        assert_error(clients["other"].post(f"{API}/resources/", payload), 404)
        assert_error(api.post(f"{API}/resources/", payload), 401)
        assert not Resource.objects.exists()

    def test_detail_update_delete(self, resource, clients, api):
        url = f"{API}/resources/{resource.pk}/"
        assert clients[Role.AGENT].get(url).json()["name"] == "Awa"
        assert_error(clients["other"].get(url), 404, "resource_not_found")
        assert_error(api.get(url), 401)
        assert_error(clients[Role.AGENT].patch(url, {"name": "B"}), 403)
        assert_error(clients["other"].patch(url, {"name": "B"}), 404)
        assert_error(clients[Role.MANAGER].patch(url, {"organization": "x"}), 400)
        response = clients[Role.MANAGER].patch(url, {"name": "Awa D.", "is_active": False})
        assert response.status_code == 200
        assert response.json()["name"] == "Awa D." and response.json()["is_active"] is False
        assert_error(clients["other"].delete(url), 404)
        assert_error(clients[Role.AGENT].delete(url), 403)
        assert clients[Role.MANAGER].delete(url).status_code == 204
        assert not Resource.objects.filter(pk=resource.pk).exists()

    def test_delete_refused_while_used_or_booked(self, biz, clients):
        service = ServiceFactory(organization=biz[0])
        response = clients[Role.MANAGER].delete(f"{API}/resources/{service.resource_id}/")
        assert_error(response, 409, "resource_in_use")
        booked = ResourceFactory(organization=biz[0])
        Booking.objects.create(
            organization=biz[0],
            resource=booked,
            source="test",
            offering="x",
            title="x",
            starts_at=MONDAY_8AM,
            ends_at=MONDAY_8AM.replace(hour=9),
            occupied_from=MONDAY_8AM,
            occupied_until=MONDAY_8AM.replace(hour=9),
            status=BookingStatus.CONFIRMED,
        )
        response = clients[Role.MANAGER].delete(f"{API}/resources/{booked.pk}/")
        assert_error(response, 409, "resource_has_bookings")
        assert Resource.objects.filter(pk__in=[service.resource_id, booked.pk]).count() == 2


# --- Rules ----------------------------------------------------------------------------------


class TestRules:
    def test_create_and_list(self, resource, clients):
        response = clients[Role.MANAGER].post(
            f"{API}/availability-rules/",
            {**RULE, "resource": str(resource.pk), "break_start": "10:30", "break_end": "10:45"},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["resource"] == str(resource.pk)
        assert (body["starts_at"], body["ends_at"], body["break_start"]) == (
            "09:00:00",
            "12:00:00",
            "10:30:00",
        )
        listed = clients[Role.AGENT].get(
            f"{API}/availability-rules/", {"resource": str(resource.pk)}
        )
        assert [r["id"] for r in listed.json()["results"]] == [body["id"]]
        by_org = clients[Role.AGENT].get(
            f"{API}/availability-rules/", {"organization": str(resource.organization_id)}
        )
        assert by_org.json()["count"] == 1

    def test_list_filters(self, resource, clients):
        weekly_rules(resource, weekdays=[0, 1], break_start=None, break_end=None)
        AvailabilityRule.objects.create(
            organization=resource.organization,
            resource=resource,
            weekday=2,
            starts_at=time(9),
            ends_at=time(12),
            valid_from=date(2026, 3, 1),
            valid_until=date(2026, 3, 31),
        )
        url = f"{API}/availability-rules/"

        def weekdays(**params):
            response = clients[Role.AGENT].get(url, {"resource": str(resource.pk), **params})
            assert response.status_code == 200, response.content
            return sorted(r["weekday"] for r in response.json()["results"])

        assert weekdays() == [0, 1, 2]
        assert weekdays(weekday=1) == [1]
        assert weekdays(date_from="2026-04-01") == [0, 1]
        assert weekdays(date_to="2026-02-28") == [0, 1]
        # Tuesday to Thursday: the Monday rule does not apply on any of those days.
        assert weekdays(date_from="2026-03-10", date_to="2026-03-12") == [1, 2]
        assert_error(clients[Role.AGENT].get(url), 400, "scope_required")
        assert_error(clients[Role.AGENT].get(url, {"resource": "zzz"}), 400)
        assert_error(
            clients[Role.AGENT].get(url, {"resource": str(resource.pk), "date_from": "x"}), 400
        )

    def test_overlap_is_refused(self, resource, clients):
        url = f"{API}/availability-rules/"
        payload = {**RULE, "resource": str(resource.pk)}
        assert clients[Role.MANAGER].post(url, payload).status_code == 201
        overlapping = {**payload, "starts_at": "11:00", "ends_at": "14:00"}
        error = assert_error(clients[Role.MANAGER].post(url, overlapping), 400, "rule_overlap")
        assert "starts_at" in error["fields"]
        # other dates: no overlap
        later = {**overlapping, "valid_from": "2027-01-01"}
        existing = AvailabilityRule.objects.get()
        existing.valid_until = date(2026, 12, 31)
        existing.save()
        assert clients[Role.MANAGER].post(url, later).status_code == 201
        assert AvailabilityRule.objects.count() == 2

    def test_bad_rules(self, resource, clients):
        url = f"{API}/availability-rules/"
        base = {**RULE, "resource": str(resource.pk)}
        manager = clients[Role.MANAGER]
        assert_error(manager.post(url, {**base, "ends_at": "08:00"}), 400)
        assert_error(manager.post(url, {**base, "weekday": 7}), 400)
        assert_error(manager.post(url, {**base, "break_start": "10:00"}), 400)
        assert_error(manager.post(url, {**base, "break_start": "07:00", "break_end": "08:00"}), 400)
        assert_error(
            manager.post(url, {**base, "valid_from": "2026-05-01", "valid_until": "2026-04-01"}),
            400,
        )
        assert_error(manager.post(url, {**base, "colour": "red"}), 400)
        assert_error(manager.post(url, {**base, "starts_at": "nine"}), 400)
        assert not AvailabilityRule.objects.exists()

    def test_permissions(self, biz, other, resource, clients, api):
        url = f"{API}/availability-rules/"
        payload = {**RULE, "resource": str(resource.pk)}
        assert_error(clients[Role.AGENT].post(url, payload), 403)
        assert_error(clients["other"].post(url, payload), 404, "resource_not_found")
        assert_error(api.post(url, payload), 401)
        assert_error(clients["other"].get(url, {"resource": str(resource.pk)}), 404)
        assert_error(clients["other"].get(url, {"organization": str(biz[0].pk)}), 404)
        assert_error(clients[Role.MEMBER].get(url, {"resource": str(resource.pk)}), 403)
        assert_error(api.get(url, {"resource": str(resource.pk)}), 401)
        assert not AvailabilityRule.objects.exists()

    def test_detail_update_replace_delete(self, resource, clients, api):
        rule = AvailabilityRule.objects.create(
            organization=resource.organization,
            resource=resource,
            weekday=0,
            starts_at=time(9),
            ends_at=time(18),
            break_start=time(13),
            break_end=time(14),
        )
        url = f"{API}/availability-rules/{rule.pk}/"
        manager = clients[Role.MANAGER]
        assert clients[Role.AGENT].get(url).json()["weekday"] == 0
        assert_error(clients["other"].get(url), 404, "rule_not_found")

        response = manager.patch(url, {"ends_at": "19:00"})
        assert response.status_code == 200, response.content
        assert response.json()["ends_at"] == "19:00:00"
        assert response.json()["break_start"] == "13:00:00"

        response = manager.put(url, {"weekday": 1, "starts_at": "08:00", "ends_at": "12:00"})
        assert response.status_code == 200, response.content
        assert response.json()["break_start"] is None and response.json()["weekday"] == 1
        assert_error(manager.put(url, {"weekday": 1}), 400)
        assert_error(manager.patch(url, {"resource": str(resource.pk)}), 400)
        assert_error(manager.patch(url, {"ends_at": "07:00"}), 400)
        rule.refresh_from_db()
        assert (rule.weekday, rule.starts_at, rule.ends_at) == (1, time(8), time(12))

        assert_error(clients[Role.AGENT].patch(url, {"ends_at": "13:00"}), 403)
        assert_error(clients["other"].patch(url, {"ends_at": "13:00"}), 404)
        assert_error(api.patch(url, {"ends_at": "13:00"}), 401)
        assert_error(clients[Role.AGENT].delete(url), 403)
        assert_error(clients["other"].delete(url), 404)
        assert manager.delete(url).status_code == 204
        assert not AvailabilityRule.objects.exists()

    def test_update_into_an_overlap(self, resource, clients):
        first, second = weekly_rules(resource, weekdays=[0, 1], break_start=None, break_end=None)
        response = clients[Role.MANAGER].patch(
            f"{API}/availability-rules/{second.pk}/", {"weekday": 0}
        )
        assert_error(response, 400, "rule_overlap")
        second.refresh_from_db()
        assert second.weekday == 1


class TestBulkAndGenerate:
    def test_bulk(self, resource, clients):
        rules = [{"weekday": day, "starts_at": "09:00", "ends_at": "17:00"} for day in range(5)] + [
            {"weekday": 5, "starts_at": "09:00", "ends_at": "12:00"}
        ]
        response = clients[Role.MANAGER].post(
            f"{API}/availability-rules/bulk/", {"resource": str(resource.pk), "rules": rules}
        )
        assert response.status_code == 201, response.content
        assert [r["weekday"] for r in response.json()] == [0, 1, 2, 3, 4, 5]
        assert AvailabilityRule.objects.filter(resource=resource).count() == 6

    def test_bulk_is_all_or_none(self, resource, clients):
        url = f"{API}/availability-rules/bulk/"
        manager = clients[Role.MANAGER]
        overlapping = [
            {"weekday": 0, "starts_at": "09:00", "ends_at": "12:00"},
            {"weekday": 1, "starts_at": "09:00", "ends_at": "12:00"},
            {"weekday": 0, "starts_at": "11:00", "ends_at": "15:00"},
        ]
        error = assert_error(
            manager.post(url, {"resource": str(resource.pk), "rules": overlapping}),
            400,
            "rule_overlap",
        )
        assert "2" in error["fields"]["rules"]
        invalid = overlapping[:2] + [{"weekday": 3, "starts_at": "15:00", "ends_at": "10:00"}]
        assert_error(manager.post(url, {"resource": str(resource.pk), "rules": invalid}), 400)
        unknown = overlapping[:1] + [
            {"weekday": 3, "starts_at": "9:00", "ends_at": "10:00", "x": 1}
        ]
        assert_error(manager.post(url, {"resource": str(resource.pk), "rules": unknown}), 400)
        assert_error(manager.post(url, {"resource": str(resource.pk), "rules": []}), 400)
        assert not AvailabilityRule.objects.exists()

    def test_bulk_overlapping_an_existing_rule(self, resource, clients):
        weekly_rules(resource, weekdays=[2])
        response = clients[Role.MANAGER].post(
            f"{API}/availability-rules/bulk/",
            {
                "resource": str(resource.pk),
                "rules": [
                    {"weekday": 1, "starts_at": "09:00", "ends_at": "12:00"},
                    {"weekday": 2, "starts_at": "17:00", "ends_at": "19:00"},
                ],
            },
        )
        assert_error(response, 400, "rule_overlap")
        assert AvailabilityRule.objects.count() == 1

    def test_bulk_permissions(self, resource, clients, api):
        payload = {"resource": str(resource.pk), "rules": [RULE]}
        url = f"{API}/availability-rules/bulk/"
        assert_error(clients[Role.AGENT].post(url, payload), 403)
        assert_error(clients["other"].post(url, payload), 404)
        assert_error(api.post(url, payload), 401)
        assert not AvailabilityRule.objects.exists()

    def test_generate(self, resource, clients):
        payload = {
            "resource": str(resource.pk),
            "weekdays": [0, 3],
            "starts_at": "09:00",
            "ends_at": "17:00",
            "break_start": "12:00",
            "break_end": "13:00",
            "valid_from": "2026-03-01",
            "valid_until": "2026-06-30",
        }
        response = clients[Role.MANAGER].post(f"{API}/availability-rules/generate/", payload)
        assert response.status_code == 201, response.content
        body = response.json()
        assert [r["weekday"] for r in body] == [0, 3]
        assert {r["valid_from"] for r in body} == {"2026-03-01"}
        assert {r["valid_until"] for r in body} == {"2026-06-30"}
        again = clients[Role.MANAGER].post(f"{API}/availability-rules/generate/", payload)
        assert_error(again, 400, "rule_overlap")
        assert AvailabilityRule.objects.count() == 2

    def test_generate_bad_input(self, resource, clients, api):
        url = f"{API}/availability-rules/generate/"
        base = {
            "resource": str(resource.pk),
            "weekdays": [0],
            "starts_at": "09:00",
            "ends_at": "17:00",
            "valid_from": "2026-03-01",
            "valid_until": "2026-06-30",
        }
        manager = clients[Role.MANAGER]
        assert_error(manager.post(url, {**base, "weekdays": []}), 400)
        assert_error(manager.post(url, {**base, "weekdays": [8]}), 400)
        assert_error(manager.post(url, {**base, "valid_until": "2026-01-01"}), 400)
        assert_error(manager.post(url, {**base, "ends_at": "08:00"}), 400)
        assert_error(clients[Role.AGENT].post(url, base), 403)
        assert_error(clients["other"].post(url, base), 404)
        assert_error(api.post(url, base), 401)
        assert not AvailabilityRule.objects.exists()


# --- Overrides ------------------------------------------------------------------------------


class TestOverrides:
    def test_create_list_delete(self, resource, clients, api):
        url = f"{API}/availability-overrides/"
        manager = clients[Role.MANAGER]
        closed = manager.post(
            url,
            {"resource": str(resource.pk), "date": "2026-03-04", "kind": "unavailable"},
        )
        assert closed.status_code == 201, closed.content
        assert closed.json()["starts_at"] is None
        extra = manager.post(
            url,
            {
                "resource": str(resource.pk),
                "date": "2026-03-08",
                "kind": "available",
                "starts_at": "10:00",
                "ends_at": "12:00",
                "reason": "Dimanche exceptionnel",
            },
        )
        assert extra.status_code == 201, extra.content
        listed = clients[Role.AGENT].get(url, {"resource": str(resource.pk)}).json()
        assert [o["date"] for o in listed["results"]] == ["2026-03-04", "2026-03-08"]
        ranged = (
            clients[Role.AGENT]
            .get(
                url,
                {"resource": str(resource.pk), "date_from": "2026-03-05", "date_to": "2026-03-31"},
            )
            .json()
        )
        assert [o["date"] for o in ranged["results"]] == ["2026-03-08"]
        detail = f"{url}{closed.json()['id']}/"
        assert clients[Role.AGENT].get(detail).status_code == 200
        assert_error(clients["other"].get(detail), 404, "override_not_found")
        assert_error(clients[Role.AGENT].delete(detail), 403)
        assert_error(clients["other"].delete(detail), 404)
        assert_error(api.delete(detail), 401)
        assert manager.delete(detail).status_code == 204
        assert AvailabilityOverride.objects.count() == 1

    def test_bad_input_and_permissions(self, resource, clients, api):
        url = f"{API}/availability-overrides/"
        base = {"resource": str(resource.pk), "date": "2026-03-04"}
        manager = clients[Role.MANAGER]
        assert_error(manager.post(url, {**base, "kind": "available"}), 400)  # needs hours
        assert_error(manager.post(url, {**base, "kind": "unavailable", "starts_at": "10:00"}), 400)
        assert_error(
            manager.post(
                url, {**base, "kind": "unavailable", "starts_at": "12:00", "ends_at": "10:00"}
            ),
            400,
        )
        assert_error(manager.post(url, {**base, "kind": "maybe"}), 400)
        assert_error(manager.post(url, {**base, "kind": "unavailable", "extra": 1}), 400)
        payload = {**base, "kind": "unavailable"}
        assert_error(clients[Role.AGENT].post(url, payload), 403)
        assert_error(clients["other"].post(url, payload), 404)
        assert_error(api.post(url, payload), 401)
        assert_error(clients[Role.AGENT].get(url), 400, "scope_required")
        assert not AvailabilityOverride.objects.exists()


# --- Availability changes show in the slots -------------------------------------------------


class TestSlotsFollowAvailability:
    @pytest.fixture(autouse=True)
    def _monday_8am(self):
        with time_machine.travel(MONDAY_8AM, tick=False):
            yield

    def test_rules_and_overrides_drive_the_slots(self, biz, clients, api):
        business, users = biz
        manager = clients[Role.MANAGER]
        created = manager.post(
            f"{API}/services/",
            {"organization": str(business.pk), "name": "Massage", "duration_minutes": 90},
        )
        assert created.status_code == 201, created.content
        service_id = created.json()["id"]
        resource_id = created.json()["resource"]
        slots_url = f"{API}/services/{service_id}/slots/"
        tuesday = {"from": "2026-03-03", "to": "2026-03-04"}
        assert api.get(slots_url, tuesday).json()["slots"] == []  # no rules yet

        response = manager.post(
            f"{API}/availability-rules/generate/",
            {
                "resource": resource_id,
                "weekdays": [1, 2],
                "starts_at": "09:00",
                "ends_at": "13:30",
                "valid_from": "2026-03-01",
                "valid_until": "2026-03-31",
            },
        )
        assert response.status_code == 201
        starts = [s["starts_at"][11:16] for s in api.get(slots_url, tuesday).json()["slots"]]
        assert starts == ["09:00", "10:30", "12:00"]

        manager.post(
            f"{API}/availability-overrides/",
            {"resource": resource_id, "date": "2026-03-03", "kind": "unavailable"},
        )
        assert api.get(slots_url, tuesday).json()["slots"] == []
        april = {"from": "2026-04-07", "to": "2026-04-08"}  # after the rules' date range
        assert api.get(slots_url, april).json()["slots"] == []

    def test_agent_reads_but_cannot_change(self, biz, resource, clients):
        business, _ = biz
        assert (
            clients[Role.AGENT]
            .get(f"{API}/availability-rules/", {"resource": str(resource.pk)})
            .status_code
            == 200
        )
        assert_error(
            clients[Role.AGENT].post(
                f"{API}/availability-rules/", {**RULE, "resource": str(resource.pk)}
            ),
            403,
        )

    def test_bookings_are_flagged_not_dropped(self, biz, clients):
        business, users = biz
        service = ServiceFactory(organization=business)
        booking = Booking.objects.create(
            organization=business,
            resource=service.resource,
            source="booking",
            offering=service.offering_key,
            title="x",
            starts_at=datetime(2026, 3, 3, 10, tzinfo=UTC),
            ends_at=datetime(2026, 3, 3, 11, tzinfo=UTC),
            occupied_from=datetime(2026, 3, 3, 10, tzinfo=UTC),
            occupied_until=datetime(2026, 3, 3, 11, tzinfo=UTC),
            status=BookingStatus.CONFIRMED,
        )
        response = clients[Role.MANAGER].post(
            f"{API}/availability-overrides/",
            {"resource": str(service.resource_id), "date": "2026-03-03", "kind": "unavailable"},
        )
        assert response.status_code == 201
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED and booking.needs_attention is True


def test_member_role_is_not_enough_to_read(biz, resource, client_for):
    business, _ = biz
    reader = member(business, Role.MEMBER)
    response = client_for(reader).get(f"{API}/resources/{resource.pk}/")
    assert_error(response, 403)
