"""Messages over HTTP: send (idempotent per client_id), list (cursor by seq, ``since``
catch-up), edit (sender, window), delete (soft), read marks, attachments checked by
content, moderation, notifications, throttling."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from teranga.core.errors import ValidationFailed
from teranga.platform.messaging.attachments import attachment_check
from teranga.platform.messaging.models import Attachment, Message, ModerationStatus, Participant
from teranga.platform.messaging.notices import CHAT_MESSAGE
from teranga.platform.messaging.presence import presence_join
from teranga.platform.notifications.models import Notification

from .conftest import send

pytestmark = pytest.mark.django_db


def messages_url(conversation) -> str:
    return f"/api/v1/conversations/{conversation.pk}/messages/"


def upload_url(conversation) -> str:
    return f"{messages_url(conversation)}upload/"


def message_url(conversation, message) -> str:
    return f"{messages_url(conversation)}{message.pk}/"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "gold").save(buffer, "PNG")
    return buffer.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


# --- send ---------------------------------------------------------------------------------


def test_send_numbers_messages_and_is_idempotent(people, private):
    url = messages_url(private)
    first = people.alice.api.post(url, {"body": "  Salut Bob  ", "client_id": "c-1"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["seq"] == 1
    assert body["body"] == "Salut Bob"
    assert body["sender"]["id"] == str(people.alice.pk)
    assert body["client_id"] == "c-1"
    retry = people.alice.api.post(url, {"body": "  Salut Bob  ", "client_id": "c-1"})
    assert retry.status_code == 200
    assert retry.json()["id"] == body["id"]
    second = people.bob.api.post(url, {"body": "Salut", "client_id": "c-1"})  # bob's own id
    assert second.status_code == 201
    assert second.json()["seq"] == 2
    reused = people.alice.api.post(url, {"body": "Something else", "client_id": "c-1"})
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "client_id_reused"
    private.refresh_from_db()
    assert private.last_seq == 2
    assert private.last_message_at is not None
    assert Message.objects.filter(conversation=private).count() == 2


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"body": ""}, "empty_message"),
        ({"body": "   "}, "empty_message"),
        ({}, "empty_message"),
        ({"body": "x" * 4001}, "message_too_long"),
        ({"body": "ok", "client_id": "x" * 65}, "invalid"),
        ({"body": "ok", "sender": "someone"}, "invalid"),
        ({"body": ["a", "b"]}, "invalid"),
    ],
)
def test_bad_sends_are_400_and_store_nothing(people, private, payload, code):
    response = people.alice.api.post(messages_url(private), payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert Message.objects.count() == 0
    private.refresh_from_db()
    assert private.last_seq == 0


def test_non_participants_get_404_for_every_message_endpoint(people, private):
    message = send(people.alice, private, "secret")
    dave = people.dave.api
    assert dave.get(messages_url(private)).status_code == 404
    assert dave.post(messages_url(private), {"body": "hi"}).status_code == 404
    assert dave.get(message_url(private, message)).status_code == 404
    assert dave.patch(message_url(private, message), {"body": "x"}).status_code == 404
    assert dave.delete(message_url(private, message)).status_code == 404
    assert dave.post(f"/api/v1/conversations/{private.pk}/read/", {}).status_code == 404
    assert Message.objects.get(pk=message.pk).body == "secret"
    assert Message.objects.count() == 1
    # A message of another conversation is not found through this one.
    other = people.alice.api.get(f"{messages_url(private)}{uuid.uuid4()}/")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "message_not_found"


# --- list ---------------------------------------------------------------------------------


def test_list_is_newest_first_with_a_cursor_and_since_is_oldest_first(people, group):
    for n in range(1, 8):
        send(people.bob, group, f"m{n}")
    page = people.alice.api.get(messages_url(group), {"page_size": 3})
    assert page.status_code == 200
    body = page.json()
    assert [m["seq"] for m in body["results"]] == [7, 6, 5]
    older = people.alice.api.get(body["next"])
    assert [m["seq"] for m in older.json()["results"]] == [4, 3, 2]
    since = people.alice.api.get(messages_url(group), {"since": 4, "page_size": 2}).json()
    assert [m["seq"] for m in since["results"]] == [5, 6]
    rest = people.alice.api.get(since["next"]).json()
    assert [m["seq"] for m in rest["results"]] == [7]
    assert rest["next"] is None
    assert people.alice.api.get(messages_url(group), {"since": -1}).status_code == 400
    assert people.alice.api.get(messages_url(group), {"since": "x"}).status_code == 400


def test_list_queries_do_not_grow_with_the_page(people, group, django_assert_max_num_queries):
    send(people.bob, group, "one")
    upload = SimpleUploadedFile("a.png", png_bytes(), content_type="image/png")
    people.bob.api.post(
        upload_url(group), {"body": "img", "attachments": [upload]}, format="multipart"
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        people.alice.api.get(messages_url(group))
    for n in range(20):
        send(people.carol, group, f"more {n}")
    with CaptureQueriesContext(connection) as many:
        response = people.alice.api.get(messages_url(group))
    assert len(response.json()["results"]) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


# --- edit, delete -------------------------------------------------------------------------


def test_sender_edits_within_the_window(people, private):
    message = send(people.alice, private, "helo")
    url = message_url(private, message)
    assert people.bob.api.patch(url, {"body": "hacked"}).status_code == 403
    edited = people.alice.api.patch(url, {"body": "hello"})
    assert edited.status_code == 200
    assert edited.json()["body"] == "hello"
    assert edited.json()["edited_at"] is not None
    assert people.alice.api.patch(url, {"body": ""}).status_code == 400
    assert people.alice.api.patch(url, {"body": "x", "seq": 3}).status_code == 400
    # 16 minutes later (the message is made older: the access token would expire).
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    late = people.alice.api.patch(url, {"body": "too late"})
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "edit_window_closed"
    assert Message.objects.get(pk=message.pk).body == "hello"


def test_soft_delete_blanks_the_body_for_others(people, group):
    message = send(people.bob, group, "oops")
    url = message_url(group, message)
    assert people.carol.api.delete(url).status_code == 403  # another member
    assert people.bob.api.delete(url).status_code == 204
    assert people.bob.api.delete(url).status_code == 204  # idempotent
    for_carol = people.carol.api.get(url).json()
    assert for_carol["body"] == ""
    assert for_carol["deleted_at"] is not None
    assert people.bob.api.get(url).json()["body"] == "oops"  # its sender still sees it
    edit = people.bob.api.patch(url, {"body": "again"})
    assert edit.status_code == 409
    assert edit.json()["error"]["code"] == "message_deleted"
    # The group's owner deletes anyone's message.
    other = send(people.carol, group, "rude")
    assert people.alice.api.delete(message_url(group, other)).status_code == 204
    stored = Message.objects.get(pk=message.pk)
    assert stored.deleted_at is not None and stored.seq == 1


# --- read ---------------------------------------------------------------------------------


def test_read_marks_move_forward_only(people, private):
    for n in range(3):
        send(people.bob, private, f"m{n}")
    url = f"/api/v1/conversations/{private.pk}/read/"
    partial = people.alice.api.post(url, {"seq": 2})
    assert partial.status_code == 200
    assert partial.json() == {"conversation": str(private.pk), "last_read_seq": 2, "unread": 1}
    back = people.alice.api.post(url, {"seq": 1})
    assert back.json()["last_read_seq"] == 2
    everything = people.alice.api.post(url, {})
    assert everything.json() == {
        "conversation": str(private.pk),
        "last_read_seq": 3,
        "unread": 0,
    }
    future = people.alice.api.post(url, {"seq": 9})
    assert future.status_code == 400
    assert future.json()["error"]["code"] == "invalid_seq"
    assert people.alice.api.post(url, {"seq": -1}).status_code == 400
    assert people.alice.api.post(url, {"seq": "x"}).status_code == 400
    assert Participant.objects.get(conversation=private, user=people.alice).last_read_seq == 3


# --- attachments --------------------------------------------------------------------------


def test_image_and_pdf_attachments_are_accepted_and_downloadable(people, private):
    files = [
        SimpleUploadedFile("photo.png", png_bytes(), content_type="application/octet-stream"),
        SimpleUploadedFile("../../cours.pdf", PDF, content_type="text/plain"),
    ]
    response = people.alice.api.post(
        upload_url(private), {"body": "", "attachments": files}, format="multipart"
    )
    assert response.status_code == 201, response.content
    attachments = response.json()["attachments"]
    assert [(a["name"], a["content_type"]) for a in attachments] == [
        ("photo.png", "image/png"),
        ("cours.pdf", "application/pdf"),
    ]
    download = people.bob.api.get(attachments[1]["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF
    assert people.dave.api.get(attachments[1]["url"]).status_code == 404


@pytest.mark.parametrize(
    "name, content",
    [
        ("fake.png", b"GIF89a? no: plain text pretending to be an image"),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
        ("script.pdf", b"%PDF-1.4\n<script>alert(1)</script>"),  # no %%EOF
        ("page.html", b"<html><body>hi</body></html>"),
        ("empty.png", b""),
    ],
)
def test_attachments_are_checked_by_content(people, private, name, content):
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = people.alice.api.post(
        upload_url(private), {"body": "look", "attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"invalid_attachment", "invalid"}
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0


@override_settings(MAX_UPLOAD_BYTES=100)
def test_attachment_size_limit(people, private):
    upload = SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 200)
    response = people.alice.api.post(
        upload_url(private), {"attachments": [upload]}, format="multipart"
    )
    assert response.status_code == 413  # the whole body is bounded first
    assert Message.objects.count() == 0
    # Each file is checked again (a body within the limit may come from elsewhere).
    with pytest.raises(ValidationFailed) as error:
        attachment_check(SimpleUploadedFile("big.png", png_bytes() + b"\x00" * 200))
    assert error.value.code == "attachment_too_large"


def test_deleted_attachments_are_hidden_from_others(people, private):
    upload = SimpleUploadedFile("p.png", png_bytes())
    sent = people.alice.api.post(
        upload_url(private), {"attachments": [upload]}, format="multipart"
    ).json()
    url = sent["attachments"][0]["url"]
    people.alice.api.delete(f"{messages_url(private)}{sent['id']}/")
    assert people.bob.api.get(url).status_code == 404
    assert people.alice.api.get(url).status_code == 200


def test_upload_is_idempotent_and_checks_access(people, private, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def files(n=1):
        return [SimpleUploadedFile(f"p{i}.png", png_bytes()) for i in range(n)]

    url = upload_url(private)
    first = people.alice.api.post(
        url, {"body": "photo", "client_id": "u-1", "attachments": files()}, format="multipart"
    )
    assert first.status_code == 201, first.content
    assert first.json()["body"] == "photo" and len(first.json()["attachments"]) == 1
    again = people.alice.api.post(
        url, {"body": "photo", "client_id": "u-1", "attachments": files()}, format="multipart"
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Attachment.objects.count() == 1
    outsider = people.dave.api.post(url, {"attachments": files()}, format="multipart")
    assert outsider.status_code == 404
    assert outsider.json()["error"]["code"] == "conversation_not_found"
    missing = people.alice.api.post(
        f"/api/v1/conversations/{uuid.uuid4()}/messages/upload/",
        {"attachments": files()},
        format="multipart",
    )
    assert missing.json()["error"]["code"] == "conversation_not_found"
    assert Message.objects.count() == 1


def test_upload_needs_files_within_the_count(people, private):
    url = upload_url(private)
    none = people.alice.api.post(url, {"body": "no file"}, format="multipart")
    assert none.status_code == 400
    assert none.json()["error"]["code"] == "invalid"
    assert "attachments" in none.json()["error"]["fields"]
    files = [SimpleUploadedFile(f"p{i}.png", png_bytes()) for i in range(6)]
    many = people.alice.api.post(url, {"attachments": files}, format="multipart")
    assert many.status_code == 400
    assert many.json()["error"]["code"] == "too_many_attachments"
    assert Message.objects.count() == 0


def test_sends_take_json_and_uploads_multipart_only(people, private):
    upload = SimpleUploadedFile("p.png", png_bytes())
    as_form = people.alice.api.post(
        messages_url(private), {"body": "hi", "attachments": [upload]}, format="multipart"
    )
    assert as_form.status_code == 415
    assert as_form.json()["error"]["code"] == "unsupported_media_type"
    as_json = people.alice.api.post(upload_url(private), {"body": "hi"})
    assert as_json.status_code == 415
    assert set(as_json.json()["error"]) == {"code", "message", "fields"}
    unknown = people.alice.api.post(messages_url(private), {"body": "hi", "attachments": []})
    assert unknown.status_code == 400 and "attachments" in unknown.json()["error"]["fields"]
    assert Message.objects.count() == 0


# --- moderation ---------------------------------------------------------------------------


def test_blocked_words_refuse_the_message(people, private):
    response = people.alice.api.post(messages_url(private), {"body": "Espèce de CONNARD !"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "message_blocked"
    assert Message.objects.count() == 0
    private.refresh_from_db()
    assert private.last_seq == 0


def test_flagged_words_are_stored_for_review(people, private):
    response = people.alice.api.post(messages_url(private), {"body": "Envoie ton Mot  de passe"})
    assert response.status_code == 201
    stored = Message.objects.get()
    assert stored.moderation == ModerationStatus.FLAGGED
    assert "mot de passe" in stored.moderation_reason
    assert "moderation" not in response.json()


def test_edits_are_moderated_too(people, private):
    message = send(people.alice, private, "fine")
    response = people.alice.api.patch(message_url(private, message), {"body": "salope"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "message_blocked"
    assert Message.objects.get(pk=message.pk).body == "fine"


# --- notifications ------------------------------------------------------------------------


def test_participants_are_notified_unless_muted_or_online(people, group):
    Participant.objects.filter(conversation=group, user=people.carol).update(muted=True)
    message = send(people.alice, group, "réunion demain")
    notified = Notification.objects.filter(kind=CHAT_MESSAGE)
    assert {n.recipient_id for n in notified} == {people.bob.pk}
    note = notified.get()
    assert note.idempotency_key == f"chat:{message.pk}:{people.bob.pk}"
    assert "réunion demain" in note.body
    assert set(note.deliveries.values_list("channel", flat=True)) <= {
        "email",
        "sms",
        "push",
        "websocket",
    }
    # Bob connected to the conversation's socket sees messages live: not notified.
    presence_join(group.pk, people.bob.pk)
    send(people.alice, group, "encore")
    assert Notification.objects.filter(kind=CHAT_MESSAGE).count() == 1


def test_notification_is_in_the_recipients_language(people, private):
    people.bob.language = "en"
    people.bob.save()
    send(people.alice, private, "hello")
    note = Notification.objects.get(recipient=people.bob)
    assert note.title == f"New message from {people.alice.full_name}"


# --- throttling ---------------------------------------------------------------------------


def test_sends_are_throttled(people, private, settings):
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], chat_messages="2/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    url = messages_url(private)
    assert people.alice.api.post(url, {"body": "1"}).status_code == 201
    assert people.alice.api.post(url, {"body": "2"}).status_code == 201
    third = people.alice.api.post(url, {"body": "3"})
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "throttled"
    assert people.alice.api.get(url).status_code == 200  # reads are not counted
    upload = SimpleUploadedFile("p.png", png_bytes())
    shared = people.alice.api.post(
        upload_url(private), {"attachments": [upload]}, format="multipart"
    )
    assert shared.status_code == 429  # uploads spend the same budget
