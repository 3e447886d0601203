"""Signing up with an address that has an account answers exactly as with a new one (no
account enumeration), and the owner of the address gets the "account already exists"
email, whose link opens our page (it used to answer 500: allauth wanted a frontend URL
for the password reset that was not configured)."""

from __future__ import annotations

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

SIGNUP = "/_allauth/app/v1/auth/signup"


def test_known_and_new_email_get_the_same_answer(
    api, make_user, django_capture_on_commit_callbacks
):
    make_user("known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = api.post(
            SIGNUP, {"email": "known@example.com", "password": "Pass-Word-2026!"}, format="json"
        )
    with django_capture_on_commit_callbacks(execute=True):
        new = api.post(
            SIGNUP, {"email": "fresh@example.com", "password": "Pass-Word-2026!"}, format="json"
        )
    assert known.status_code == new.status_code == 401, (known.content, new.content)
    assert known.json().keys() == new.json().keys()
    assert known.json()["data"]["flows"] == new.json()["data"]["flows"]
    to_known = [m for m in mail.outbox if m.to == ["known@example.com"]]
    assert len(to_known) == 1
    assert "/account/password/reset/" in to_known[0].body
