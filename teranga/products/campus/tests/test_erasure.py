"""The GDPR erasure (``DELETE /api/v1/me/``) reaches Campus through the product contract
(``user_erasers``): the student's profile, verification and card file, favourites,
follows and waiting-list places go; tickets stay, held by the anonymised account."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DEFAULT_PASSWORD
from teranga.products.campus.models import (
    Event,
    EventFavourite,
    OrganizerFollow,
    StudentProfile,
    StudentVerification,
    Tag,
    TagFollow,
    Ticket,
    WaitingListEntry,
)

from .factories import EventFactory, TicketTypeFactory, issued_ticket
from .test_verification_api import card, set_pattern, submit


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_erasure_removes_the_students_campus_data(
    campus, settings, django_capture_on_commit_callbacks
):
    student = campus.student
    client = campus.clients["student"]
    set_pattern(campus, r"[0-9]{4}-[0-9]{3}")
    assert submit(client, campus.university, "2024-001", card()).status_code == 201
    stored = StudentVerification.objects.get(user=student)
    card_path = Path(settings.MEDIA_ROOT) / stored.student_card.name
    assert card_path.exists()
    event = EventFactory(organization=campus.university)
    assert client.post(f"/api/v1/campus/events/{event.pk}/favourite/").status_code in (200, 201)
    OrganizerFollow.objects.create(user=student, organization=campus.club)
    TagFollow.objects.create(user=student, tag=Tag.objects.create(slug="tech"))
    sold_out = TicketTypeFactory(event=event, quota=1)
    ticket = issued_ticket(sold_out, campus.student2)
    joined = client.post(
        f"/api/v1/campus/events/{event.pk}/waiting-list/",
        {"ticket_type": str(sold_out.pk)},
        format="json",
    )
    assert joined.status_code == 201, joined.content
    mine = issued_ticket(TicketTypeFactory(event=event), student)
    assert Event.objects.get(pk=event.pk).favourites_count == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete("/api/v1/me/", {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204, response.content

    assert not StudentProfile.objects.filter(user=student).exists()
    assert not StudentVerification.objects.filter(user=student).exists()
    assert not card_path.exists()
    assert not EventFavourite.objects.filter(user=student).exists()
    assert Event.objects.get(pk=event.pk).favourites_count == 0
    assert not OrganizerFollow.objects.filter(user=student).exists()
    assert not TagFollow.objects.filter(user=student).exists()
    assert WaitingListEntry.objects.get(user=student).status == "left"
    # What was sold stays, held by the anonymised account; others are untouched.
    assert Ticket.objects.get(pk=mine.pk).holder_id == student.pk
    assert Ticket.objects.get(pk=ticket.pk).holder_id == campus.student2.pk
    assert StudentProfile.objects.filter(user=campus.student2).exists()
