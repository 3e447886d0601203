"""Sites, goals, funnels and the report over HTTP: success, bad input (4xx, nothing
changed), another organisation's objects (404) and roles (403)."""

from __future__ import annotations

import pytest

from teranga.platform.analytics.models import Funnel, Goal, Site
from teranga.platform.organizations.models import Role

SITES = "/api/v1/analytics/sites/"


@pytest.mark.django_db
def test_sites_list_create_update(shop, rival, client_for):
    organization, users, site = shop
    other, other_owner, other_site = rival
    manager, admin = client_for(users[Role.MANAGER]), client_for(users[Role.ADMIN])
    listed = manager.get(SITES, {"organization": organization.pk})
    assert listed.status_code == 200 and [row["id"] for row in listed.json()["results"]] == [
        str(site.pk)
    ]
    assert (
        client_for(users[Role.AGENT]).get(SITES, {"organization": organization.pk}).status_code
        == 403
    )
    assert client_for(other_owner).get(SITES, {"organization": organization.pk}).status_code == 404
    assert manager.get(SITES).status_code == 400
    body = {
        "organization": str(organization.pk),
        "name": "Boutique",
        "domains": ["WWW.Awa.example", "awa.sn"],
    }
    assert manager.post(SITES, body, format="json").status_code == 403
    created = admin.post(SITES, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["domains"] == ["awa.example", "awa.sn"]
    assert len(created.json()["public_id"]) == 16
    for bad in (
        {**body, "domains": ["not a domain"]},
        {**body, "name": "x" * 101},
        {**body, "domains": ["a.sn"] * 11},
    ):
        response = admin.post(SITES, bad, format="json")
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    assert Site.objects.filter(organization=organization).count() == 2
    assert (
        admin.post(SITES, {**body, "organization": str(other.pk)}, format="json").status_code == 404
    )
    url = f"{SITES}{site.pk}/"
    assert manager.get(url).json()["name"] == site.name
    assert manager.patch(url, {"name": "Nouveau"}, format="json").status_code == 403
    changed = admin.patch(url, {"name": "Nouveau", "is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert admin.patch(url, {"domains": "awa.sn"}, format="json").status_code == 400
    missing = admin.get(f"{SITES}{other_site.pk}/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "site_not_found"
    assert admin.patch(f"{SITES}{other_site.pk}/", {"name": "x"}, format="json").status_code == 404
    assert Site.objects.get(pk=other_site.pk).name == other_site.name


@pytest.mark.django_db
def test_goals_and_funnels(shop, rival, client_for):
    _organization, users, site = shop
    _other, other_owner, other_site = rival
    admin, manager = client_for(users[Role.ADMIN]), client_for(users[Role.MANAGER])
    goals = f"{SITES}{site.pk}/goals/"
    first = admin.post(
        goals, {"name": "Tarifs", "kind": "pageview", "path": "/tarifs/"}, format="json"
    )
    second = admin.post(
        goals, {"name": "Inscription", "kind": "event", "event_name": "signup"}, format="json"
    )
    assert (first.status_code, second.status_code) == (201, 201)
    for body, status, code in (
        ({"name": "A", "kind": "pageview"}, 400, "invalid_goal"),
        ({"name": "B", "kind": "event", "path": "/x/"}, 400, "invalid_goal"),
        ({"name": "C", "kind": "click", "path": "/x/"}, 400, "invalid"),
        ({"name": "Tarifs", "kind": "pageview", "path": "/autre/"}, 409, "name_taken"),
    ):
        response = admin.post(goals, body, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    assert (
        manager.post(
            goals, {"name": "M", "kind": "event", "event_name": "m"}, format="json"
        ).status_code
        == 403
    )
    assert Goal.objects.filter(site=site).count() == 2
    assert [g["name"] for g in manager.get(goals).json()["results"]] == ["Inscription", "Tarifs"]
    assert client_for(other_owner).get(goals).status_code == 404
    other_goal = Goal.objects.create(
        site=other_site,
        organization=other_site.organization,
        name="X",
        kind="event",
        event_name="x",
    )
    funnels = f"{SITES}{site.pk}/funnels/"
    steps = [first.json()["id"], second.json()["id"]]
    made = admin.post(funnels, {"name": "Achat", "steps": steps}, format="json")
    assert made.status_code == 201, made.content
    assert [(s["position"], s["name"]) for s in made.json()["steps"]] == [
        (1, "Tarifs"),
        (2, "Inscription"),
    ]
    for body, status, code in (
        ({"name": "Un", "steps": steps[:1]}, 400, "invalid"),
        ({"name": "Double", "steps": [steps[0], steps[0]]}, 400, "invalid"),
        ({"name": "Autre", "steps": [steps[0], str(other_goal.pk)]}, 400, "goal_not_found"),
        ({"name": "Achat", "steps": steps}, 409, "name_taken"),
    ):
        response = admin.post(funnels, body, format="json")
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    assert Funnel.objects.count() == 1
    assert manager.get(funnels).json()["results"][0]["name"] == "Achat"
    # A goal in a funnel stays; the funnel goes first.
    in_use = admin.delete(f"{goals}{steps[0]}/")
    assert (in_use.status_code, in_use.json()["error"]["code"]) == (409, "goal_in_use")
    funnel_id = made.json()["id"]
    assert manager.delete(f"{funnels}{funnel_id}/").status_code == 403
    assert client_for(other_owner).delete(f"{funnels}{funnel_id}/").status_code == 404
    assert admin.delete(f"{SITES}{other_site.pk}/goals/{other_goal.pk}/").status_code == 404
    assert admin.delete(f"{goals}{other_goal.pk}/").json()["error"]["code"] == "goal_not_found"
    assert admin.delete(f"{funnels}{funnel_id}/").status_code == 204
    assert admin.delete(f"{goals}{steps[0]}/").status_code == 204
    assert (
        Goal.objects.filter(site=site).count() == 1
        and Goal.objects.filter(pk=other_goal.pk).exists()
    )


@pytest.mark.django_db
def test_the_report_is_for_managers_of_the_organisation(shop, rival, client_for, api):
    _organization, users, site = shop
    _other, other_owner, _other_site = rival
    url = f"{SITES}{site.pk}/report/"
    assert client_for(users[Role.MANAGER]).get(url).json()["period"] == "30d"
    assert client_for(users[Role.AGENT]).get(url).status_code == 403
    response = client_for(other_owner).get(url)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "site_not_found")
    assert client_for(users[Role.MANAGER]).get(url, {"period": "1y"}).status_code == 400
    assert api.get(url).status_code == 401
