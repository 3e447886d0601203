"""allauth's emails leave the request through the task engine (issue 15, defect 10).

They used to be rendered and sent over SMTP inside the request. Now the request only
queues a task (after commit), and the task renders the email with allauth's templates in
the recipient's language and sends it."""

from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db

AUTH = "/_allauth/app/v1"


def request_reset(api, email, *, language, capture):
    with capture(execute=False) as callbacks:
        response = api.post(
            f"{AUTH}/auth/password/request",
            {"email": email},
            format="json",
            HTTP_ACCEPT_LANGUAGE=language,
        )
    return response, callbacks


def test_the_reset_code_is_queued_then_sent_by_the_task_in_the_user_language(
    api, make_user, django_capture_on_commit_callbacks
):
    make_user("awa@example.test", language="en")
    response, callbacks = request_reset(
        api, "awa@example.test", language="fr", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code in (200, 401), response.content
    # Nothing was sent while the request ran: only queued, for after the commit.
    assert mail.outbox == []
    assert callbacks

    for callback in callbacks:  # the commit: the task engine takes the email over
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["awa@example.test"]
    # The account's language (English), not the request's (French).
    assert "Password Reset" in message.subject, message.subject
    assert re.search(r"^\d{6}$", message.body, re.MULTILINE), message.body


def test_an_unknown_address_gets_its_email_in_the_request_language(
    api, django_capture_on_commit_callbacks
):
    response, callbacks = request_reset(
        api, "nobody@example.test", language="en", capture=django_capture_on_commit_callbacks
    )
    assert response.status_code in (200, 401), response.content
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["nobody@example.test"]]
    assert "Unknown Account" in mail.outbox[0].subject, mail.outbox[0].subject
