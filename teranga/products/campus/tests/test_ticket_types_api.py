"""Ticket types and shared quotas over HTTP: the organiser's managers add, change and
remove them (free, paid, tiered; price limits; quotas never below what is taken); the
event's ``price_from`` follows; students see the active types; other organisations 404,
low roles 403."""

from __future__ import annotations

import uuid

from teranga.products.campus.models import Event, SharedQuota, TicketType

from .ticket_support import assert_error, event_of, order, paid_type

TYPES = "/api/v1/campus/events/{}/ticket-types/"


def create(client, event, **fields):
    body = {"name": "Standard", "kind": "paid", "price": 2000, "quota": 50, **fields}
    return client.post(TYPES.format(event.pk), body, format="json")


def price_from(event):
    return Event.objects.get(pk=event.pk).price_from


def test_managers_add_free_paid_and_tiered_types(campus):
    event = event_of(campus)
    client = campus.clients["manager"]
    assert price_from(event) is None
    paid = create(client, event, price=3000)
    assert paid.status_code == 201, paid.content
    body = paid.json()
    assert body["kind"] == "paid" and body["currency"] == "XOF" and body["next_price"] == 3000
    assert body["taken"] == 0 and body["sold"] == 0 and body["available"] == 50
    assert price_from(event) == 3000
    tiered = create(
        client,
        event,
        name="Early bird",
        kind="tiered",
        price=5000,
        tiers=[{"up_to": 10, "price": 1500}, {"up_to": 30, "price": 2500}],
    )
    assert tiered.status_code == 201, tiered.content
    assert tiered.json()["next_price"] == 1500
    assert price_from(event) == 1500
    free = create(client, event, name="Invité", kind="free", price=0, quota=5)
    assert free.status_code == 201, free.content
    assert price_from(event) == 0
    # The club admin of another organisation cannot touch the university's event.
    assert_error(create(campus.clients["club_admin"], event), 404, "event_not_found")


def test_students_see_active_types_without_counters(campus, django_assert_max_num_queries):
    event = event_of(campus, capacity=30)
    shown = paid_type(event, quota=100)
    paid_type(event, is_active=False)
    order(campus.clients["student"], event, (shown, 2))
    listed = campus.clients["student2"].get(TYPES.format(event.pk))
    assert listed.status_code == 200
    results = listed.json()["results"]
    assert [r["id"] for r in results] == [str(shown.pk)]
    assert results[0]["taken"] is None and results[0]["available"] == 28
    staff = campus.clients["agent"].get(TYPES.format(event.pk)).json()["results"]
    assert len(staff) == 2 and {r["taken"] for r in staff} == {0, 2}
    manager = campus.clients["manager"]
    manager.get(TYPES.format(event.pk))
    with django_assert_max_num_queries(10):
        assert len(manager.get(TYPES.format(event.pk)).json()["results"]) == 2
    for _ in range(5):
        paid_type(event)
    with django_assert_max_num_queries(10):
        assert len(campus.clients["manager"].get(TYPES.format(event.pk)).json()["results"]) == 7


def test_bad_prices_and_tiers_are_refused(campus):
    event = event_of(campus)
    client = campus.clients["manager"]
    assert_error(create(client, event, price=50), 400, "price_out_of_range")
    assert_error(create(client, event, price=6_000_000), 400, "price_out_of_range")
    assert_error(create(client, event, kind="free", price=1000), 400, "invalid")
    assert_error(
        create(client, event, kind="paid", tiers=[{"up_to": 5, "price": 1000}]),
        400,
        "invalid_tiers",
    )
    assert_error(create(client, event, kind="tiered", tiers=[]), 400, "invalid_tiers")
    decreasing = [{"up_to": 10, "price": 1000}, {"up_to": 10, "price": 2000}]
    assert_error(create(client, event, kind="tiered", tiers=decreasing), 400, "invalid_tiers")
    beyond = [{"up_to": 60, "price": 1000}]
    assert_error(create(client, event, kind="tiered", quota=50, tiers=beyond), 400, "invalid_tiers")
    assert_error(
        create(client, event, kind="tiered", tiers=[{"up_to": 5, "price": 10}]),
        400,
        "price_out_of_range",
    )
    assert_error(create(client, event, currency="EUR"), 400, "invalid")  # unknown field
    assert_error(create(client, event, quota=0), 400, "invalid")
    assert_error(client.post(TYPES.format(event.pk), "x", content_type="application/json"), 400)
    assert not TicketType.objects.exists()
    assert price_from(event) is None


def test_permissions_and_other_organisations(campus):
    event = event_of(campus)
    assert_error(create(campus.clients["agent"], event), 403)
    assert_error(create(campus.clients["student"], event), 404, "event_not_found")
    assert_error(create(campus.clients["other_manager"], event), 404, "event_not_found")
    assert_error(create(campus.clients["manager"], type("E", (), {"pk": uuid.uuid4()})()), 404)
    standard = paid_type(event)
    url = f"/api/v1/campus/ticket-types/{standard.pk}/"
    assert_error(
        campus.clients["other_manager"].patch(url, {"price": 3000}, format="json"),
        404,
        "ticket_type_not_found",
    )
    assert_error(campus.clients["other_manager"].delete(url), 404, "ticket_type_not_found")
    assert_error(campus.clients["agent"].patch(url, {"price": 3000}, format="json"), 403)
    assert_error(
        campus.clients["manager"].patch(
            f"/api/v1/campus/ticket-types/{uuid.uuid4()}/", {}, format="json"
        ),
        404,
        "ticket_type_not_found",
    )
    # A draft's types are the organiser's only.
    draft = event_of(campus, status="draft")
    assert_error(campus.clients["student"].get(TYPES.format(draft.pk)), 404, "event_not_found")
    assert campus.clients["manager"].get(TYPES.format(draft.pk)).status_code == 200
    assert not TicketType.objects.exclude(pk=standard.pk).exists()


def test_change_never_below_taken_and_delete_only_unused(campus):
    event = event_of(campus)
    client = campus.clients["manager"]
    sold = paid_type(event, price=2000, quota=10)
    spare = paid_type(event, price=1000, quota=10)
    order(campus.clients["student"], event, (sold, 4))
    url = f"/api/v1/campus/ticket-types/{sold.pk}/"
    assert_error(client.patch(url, {"quota": 3}, format="json"), 409, "quota_below_taken")
    assert_error(client.patch(url, {"kind": "free"}, format="json"), 409, "ticket_type_in_use")
    changed = client.patch(url, {"quota": 4, "price": 2500, "name": "Étudiant"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["quota"] == 4 and changed.json()["available"] == 0
    assert_error(client.delete(url), 409, "ticket_type_in_use")
    assert price_from(event) == 1000
    assert client.delete(f"/api/v1/campus/ticket-types/{spare.pk}/").status_code == 204
    assert price_from(event) == 2500
    deactivated = client.patch(url, {"is_active": False}, format="json")
    assert deactivated.status_code == 200
    assert price_from(event) is None
    assert_error(
        client.patch(
            url,
            {"sales_start": "2030-01-02T10:00:00Z", "sales_end": "2030-01-01T10:00:00Z"},
            format="json",
        ),
        400,
        "invalid",
    )


def test_shared_quotas(campus):
    event = event_of(campus)
    client = campus.clients["manager"]
    students = paid_type(event, quota=50)
    staff = paid_type(event, quota=50)
    elsewhere = paid_type(event_of(campus))
    order(campus.clients["student"], event, (students, 3))
    url = f"/api/v1/campus/events/{event.pk}/quotas/"
    assert_error(
        client.post(
            url, {"name": "Salle", "size": 2, "ticket_types": [str(students.pk)]}, format="json"
        ),
        409,
        "quota_below_taken",
    )
    assert_error(
        client.post(
            url, {"name": "Salle", "size": 20, "ticket_types": [str(elsewhere.pk)]}, format="json"
        ),
        400,
        "invalid",
    )
    created = client.post(
        url,
        {"name": "Salle", "size": 20, "ticket_types": [str(students.pk), str(staff.pk)]},
        format="json",
    )
    assert created.status_code == 201, created.content
    quota = created.json()
    assert quota["taken"] == 3 and set(quota["ticket_types"]) == {str(students.pk), str(staff.pk)}
    listed = client.get(url).json()["results"]
    assert [q["id"] for q in listed] == [quota["id"]]
    detail = f"/api/v1/campus/quotas/{quota['id']}/"
    assert_error(client.patch(detail, {"size": 2}, format="json"), 409, "quota_below_taken")
    assert_error(
        client.patch(detail, {"ticket_types": [str(staff.pk)]}, format="json"), 409, "quota_in_use"
    )
    assert client.patch(detail, {"size": 4, "name": "Amphi"}, format="json").json()["size"] == 4
    assert_error(order(campus.clients["student2"], event, (staff, 2)), 409, "sold_out")
    assert_error(client.delete(detail), 409, "quota_in_use")
    assert_error(campus.clients["other_manager"].delete(detail), 404, "quota_not_found")
    assert_error(campus.clients["agent"].get(url), 403)
    assert_error(campus.clients["other_manager"].get(url), 404, "event_not_found")
    empty = SharedQuota.objects.create(event=event, name="Vide", size=5)
    assert client.delete(f"/api/v1/campus/quotas/{empty.pk}/").status_code == 204
    assert SharedQuota.objects.count() == 1


def test_visitors_read_a_public_events_types_only(campus, api):
    public = event_of(campus)
    shown = paid_type(public)
    listed = api.get(TYPES.format(public.pk))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["results"]] == [str(shown.pk)]
    assert listed.json()["results"][0]["taken"] is None
    members_only = event_of(campus, visibility="university")
    paid_type(members_only)
    assert_error(api.get(TYPES.format(members_only.pk)), 404, "event_not_found")
    assert_error(create(api, public), 401)
