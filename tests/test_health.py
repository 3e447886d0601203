"""Health endpoints: liveness touches nothing; readiness reports every dependency."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_live_answers_200(api):
    response = api.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_reports_every_check(api):
    response = api.get("/health/ready/")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "Database(alias='default')": "OK",
        "Cache(alias='default')": "OK",
        "ChannelLayer()": "OK",
        "TaskEngine()": "OK",
    }


def test_ready_fails_when_the_embedded_consumer_is_not_running(api, settings):
    settings.EMBEDDED_WORKER = True
    from huey.contrib.djhuey import HUEY

    immediate = HUEY.immediate
    HUEY.immediate = False
    try:
        response = api.get("/health/ready/")
    finally:
        HUEY.immediate = immediate
    assert response.status_code == 500
    body = response.json()
    assert body["TaskEngine()"] != "OK"
    assert body["ChannelLayer()"] == "OK"
