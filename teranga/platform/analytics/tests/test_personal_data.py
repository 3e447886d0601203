"""A user's demographics in their GDPR export and erasure, through HTTP: what they told
``/api/v1/analytics/me/demographics/`` is in ``/api/v1/me/export/`` under
``products["analytics.demographics"]`` (theirs only, empty when they told nothing), and
an erased account's answers are gone."""

from __future__ import annotations

import json

import pytest

from conftest import DEFAULT_PASSWORD
from teranga.platform.analytics.models import Demographics

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
EXPORT = "/api/v1/me/export/"
DEMOGRAPHICS = "/api/v1/analytics/me/demographics/"
EXPORTER = "analytics.demographics"


def exported(client) -> dict:
    response = client.get(EXPORT)
    assert response.status_code == 200, response.content
    return json.loads(response.content)["products"][EXPORTER]


def test_my_demographics_are_in_my_export(make_user, client_for):
    awa = client_for(make_user("awa@example.com"))
    moussa = client_for(make_user("moussa@example.com"))
    told = awa.put(DEMOGRAPHICS, {"gender": "female", "age_range": "25-34"}, format="json")
    assert told.status_code == 200, told.content
    moussa.put(DEMOGRAPHICS, {"gender": "male", "age_range": "65+"}, format="json")

    mine = exported(awa)
    assert (mine["gender"], mine["age_range"]) == ("female", "25-34")
    assert mine["updated_at"] == told.json()["updated_at"]
    assert mine["created_at"]
    # Changed answers are exported as they are now.
    awa.put(DEMOGRAPHICS, {"gender": "", "age_range": "35-44"}, format="json")
    assert (exported(awa)["gender"], exported(awa)["age_range"]) == ("", "35-44")
    # The other user's export holds only their own.
    theirs = exported(moussa)
    assert (theirs["gender"], theirs["age_range"]) == ("male", "65+")


def test_nothing_told_exports_empty_values(make_user, client_for):
    assert exported(client_for(make_user("silent@example.com"))) == {
        "gender": "",
        "age_range": "",
        "created_at": None,
        "updated_at": None,
    }


def test_an_erased_account_keeps_no_demographics(
    make_user, client_for, django_capture_on_commit_callbacks
):
    user = make_user("gone@example.com")
    client = client_for(user)
    client.put(DEMOGRAPHICS, {"gender": "other", "age_range": "18-24"}, format="json")
    assert Demographics.objects.filter(user=user).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204
    assert not Demographics.objects.filter(user=user).exists()
