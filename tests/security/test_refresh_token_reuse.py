"""Issue 15, defect 5: presenting a rotated refresh token again ends its session (OAuth
2.0 Security BCP, refresh-token reuse detection): the session's access token and its
newest refresh token stop working, and other sessions of the user are untouched."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import AUTH, authed_client, login

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
REFRESH = f"{AUTH}/tokens/refresh"


def refresh(token: str):
    return APIClient().post(REFRESH, {"refresh_token": token}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_reusing_a_rotated_refresh_token_ends_the_session(make_user):
    make_user("reuse@example.com")
    meta = login(APIClient(), "reuse@example.com")
    rotated = refresh(meta["refresh_token"])
    assert rotated.status_code == 200, rotated.content
    newest = rotated.json()["data"]
    assert bearer(newest["access_token"]).get(ME).status_code == 200

    # Someone replays the first refresh token: refused, and the session is over.
    replay = refresh(meta["refresh_token"])
    assert replay.status_code == 400
    assert bearer(newest["access_token"]).get(ME).status_code == 401
    assert bearer(meta["access_token"]).get(ME).status_code == 401
    assert refresh(newest["refresh_token"]).status_code == 400


def test_reuse_ends_only_that_session(make_user):
    user = make_user("two-phones@example.com")
    phone = authed_client(user)
    tablet = authed_client(user)
    assert refresh(phone.tokens["refresh_token"]).status_code == 200
    assert refresh(phone.tokens["refresh_token"]).status_code == 400  # reuse

    assert phone.get(ME).status_code == 401
    assert tablet.get(ME).status_code == 200
    assert refresh(tablet.tokens["refresh_token"]).status_code == 200


def test_a_normal_rotation_chain_keeps_working(make_user):
    make_user("chain@example.com")
    token = login(APIClient(), "chain@example.com")["refresh_token"]
    for _ in range(3):
        answer = refresh(token)
        assert answer.status_code == 200, answer.content
        token = answer.json()["data"]["refresh_token"]
        assert bearer(answer.json()["data"]["access_token"]).get(ME).status_code == 200


def test_a_forged_refresh_token_is_refused_without_harm(make_user):
    user = make_user("forged@example.com")
    client = authed_client(user)
    assert refresh(client.tokens["refresh_token"][:-4] + "AAAA").status_code == 400
    assert client.get(ME).status_code == 200
    assert refresh(client.tokens["refresh_token"]).status_code == 200
