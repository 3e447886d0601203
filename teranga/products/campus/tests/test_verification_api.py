"""Student-ID (matricule) verification through HTTP: the university's pattern, the
student's submission with a card image, the managers' queue, approve/reject, the card
(theirs only), and ``is_verified_student``."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from teranga.core.encryption import keyed_hash
from teranga.platform.notifications.models import Notification
from teranga.products.campus.models import (
    CampusOrganizer,
    StudentProfile,
    StudentVerification,
    VerificationStatus,
)
from teranga.products.campus.models.community import MATRICULE_HASH
from teranga.products.campus.selectors.verification import is_verified_student

API = "/api/v1/campus"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def card(name: str = "card.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.new("RGB", (60, 40), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010E] = "secret description"
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def settings_url(organization) -> str:
    return f"{API}/organizations/{organization.pk}/campus-settings/"


def set_pattern(campus, pattern: str):
    return campus.clients["manager"].patch(
        settings_url(campus.university), {"matricule_pattern": pattern}, format="json"
    )


def submit(client, university, matricule, image=None):
    return client.post(
        f"{API}/me/student-verification/",
        {"university": str(university.pk), "matricule": matricule, "student_card": image or card()},
        format="multipart",
    )


class TestSettings:
    def test_a_manager_sets_the_pattern(self, campus):
        response = set_pattern(campus, r"[0-9]{9}")
        assert response.status_code == 200, response.content
        assert response.json() == {
            "organization": str(campus.university.pk),
            "matricule_pattern": "[0-9]{9}",
        }
        read = campus.clients["manager"].get(settings_url(campus.university))
        assert read.json()["matricule_pattern"] == "[0-9]{9}"

    @pytest.mark.parametrize("pattern", ["[0-9", "(a+)+", "(a|ab)*c", "x" * 201, r"(\d{2})*"])
    def test_a_bad_pattern_is_400_and_changes_nothing(self, campus, pattern):
        set_pattern(campus, "[0-9]{9}")
        response = set_pattern(campus, pattern)
        assert response.status_code == 400
        assert response.json()["error"]["code"] in ("invalid_matricule_pattern", "invalid")
        row = CampusOrganizer.objects.get(organization=campus.university)
        assert row.matricule_pattern == "[0-9]{9}"

    def test_permissions(self, campus):
        body = {"matricule_pattern": "[0-9]+"}
        url = settings_url(campus.university)
        assert campus.clients["agent"].patch(url, body, format="json").status_code == 403
        assert campus.clients["other_manager"].patch(url, body, format="json").status_code == 404
        assert campus.clients["student"].get(url).status_code == 404
        assert APIClient().patch(url, body, format="json").status_code == 401
        club = campus.clients["club_admin"].patch(settings_url(campus.club), body, format="json")
        assert club.status_code == 404
        assert club.json()["error"]["code"] == "university_not_found"
        assert not CampusOrganizer.objects.filter(organization=campus.university).exists()


class TestSubmit:
    def test_a_student_submits_and_reads_it(self, campus):
        set_pattern(campus, r"[0-9]{9}")
        client = campus.clients["student"]
        assert client.get(f"{API}/me/student-verification/").status_code == 404
        response = submit(client, campus.university, " 201912345 ")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "pending" and body["matricule"] == "201912345"
        assert body["university"] == {
            "id": str(campus.university.pk),
            "name": campus.university.name,
        }
        stored = StudentVerification.objects.get()
        with stored.student_card.open("rb") as handle:
            data = handle.read()
        assert b"secret description" not in data  # re-encoded without metadata
        assert client.get(f"{API}/me/student-verification/").json()["id"] == body["id"]

    def test_a_matricule_of_the_wrong_format_is_400(self, campus):
        set_pattern(campus, r"[0-9]{9}")
        response = submit(campus.clients["student"], campus.university, "ABC")
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid_matricule"
        assert "matricule" in error["fields"]
        assert campus.university.name in error["message"]
        assert not StudentVerification.objects.exists()

    def test_bad_input_is_400(self, campus):
        client = campus.clients["student"]
        not_image = SimpleUploadedFile("card.png", b"<html>hi</html>", content_type="image/png")
        response = submit(client, campus.university, "123", not_image)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_image"
        missing = client.post(
            f"{API}/me/student-verification/",
            {"university": str(campus.university.pk), "matricule": "123"},
            format="multipart",
        )
        assert missing.status_code == 400
        as_json = client.post(
            f"{API}/me/student-verification/",
            {"university": str(campus.university.pk), "matricule": "123"},
            format="json",
        )
        assert as_json.status_code == 415
        assert not StudentVerification.objects.exists()

    def test_unknown_university_is_404_and_anonymous_401(self, campus):
        response = submit(campus.clients["student"], campus.club, "123")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "university_not_found"
        assert submit(APIClient(), campus.university, "123").status_code == 401
        assert APIClient().get(f"{API}/me/student-verification/").status_code == 401

    def test_a_matricule_is_unique_per_university(self, campus):
        assert submit(campus.clients["student"], campus.university, "a-1").status_code == 201
        taken = submit(campus.clients["student2"], campus.university, "A-1")
        assert taken.status_code == 409
        assert taken.json()["error"]["code"] == "matricule_taken"
        # The same matricule at another university is someone else's.
        assert submit(campus.clients["outsider"], campus.other, "A-1").status_code == 201
        again = submit(campus.clients["student"], campus.university, "B-2")
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "verification_open"
        assert StudentVerification.objects.count() == 2


class TestDecide:
    @pytest.fixture
    def pending(self, campus):
        response = submit(campus.clients["student"], campus.university, "201912345")
        return StudentVerification.objects.get(pk=response.json()["id"])

    def test_the_queue(self, campus, pending):
        url = f"{API}/organizations/{campus.university.pk}/student-verifications/"
        response = campus.clients["manager"].get(url, {"status": "pending"})
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [row["id"] for row in rows] == [str(pending.pk)]
        assert rows[0]["user"]["email"] == campus.student.email
        assert campus.clients["manager"].get(url, {"status": "approved"}).json()["count"] == 0
        assert campus.clients["manager"].get(url, {"status": "nope"}).status_code == 400
        assert campus.clients["agent"].get(url).status_code == 403
        assert campus.clients["other_manager"].get(url).status_code == 404
        assert APIClient().get(url).status_code == 401

    def test_approve(self, campus, pending, django_capture_on_commit_callbacks):
        assert not is_verified_student(campus.student, campus.university.pk)
        url = f"{API}/student-verifications/{pending.pk}/approve/"
        assert campus.clients["agent"].post(url).status_code == 403
        other = campus.clients["other_manager"].post(url)
        assert other.status_code == 404
        assert other.json()["error"]["code"] == "verification_not_found"
        assert campus.clients["student"].post(url).status_code == 404
        assert APIClient().post(url).status_code == 401
        pending.refresh_from_db()
        assert pending.status == VerificationStatus.PENDING

        response = campus.clients["manager"].post(url)
        assert response.status_code == 200
        assert response.json()["status"] == "approved"
        assert is_verified_student(campus.student, campus.university.pk)
        assert not is_verified_student(campus.student, campus.other.pk)
        assert not is_verified_student(campus.student2, campus.university.pk)
        told = Notification.objects.get(
            recipient=campus.student, kind="campus.student_verification"
        )
        assert told.title
        again = campus.clients["manager"].post(url)
        assert again.status_code == 409
        assert again.json()["error"]["code"] == "verification_not_pending"

    def test_approving_sets_the_students_university(self, campus):
        submit(campus.clients["outsider"], campus.university, "X1")
        verification = StudentVerification.objects.get(user=campus.outsider)
        campus.clients["manager"].post(f"{API}/student-verifications/{verification.pk}/approve/")
        assert StudentProfile.objects.get(user=campus.outsider).university == campus.university

    def test_reject_then_submit_again(self, campus, pending):
        url = f"{API}/student-verifications/{pending.pk}/reject/"
        assert campus.clients["manager"].post(url, {}, format="json").status_code == 400
        pending.refresh_from_db()
        assert pending.status == VerificationStatus.PENDING
        response = campus.clients["manager"].post(url, {"reason": "Illisible"}, format="json")
        assert response.status_code == 200
        assert response.json()["status"] == "rejected"
        assert response.json()["reason"] == "Illisible"
        assert not is_verified_student(campus.student, campus.university.pk)
        mine = campus.clients["student"].get(f"{API}/me/student-verification/").json()
        assert mine["status"] == "rejected" and mine["reason"] == "Illisible"
        assert Notification.objects.filter(
            recipient=campus.student, kind="campus.student_verification"
        ).exists()
        # The matricule is free again; the student submits once more.
        assert submit(campus.clients["student"], campus.university, "201912345").status_code == 201

    def test_the_card_is_for_the_universitys_managers_only(self, campus, pending):
        url = f"{API}/student-verifications/{pending.pk}/card/"
        response = campus.clients["manager"].get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, no-store"
        Image.open(io.BytesIO(response.content)).verify()
        assert campus.clients["agent"].get(url).status_code == 403
        assert campus.clients["other_manager"].get(url).status_code == 404
        assert campus.clients["student2"].get(url).status_code == 404
        assert APIClient().get(url).status_code == 401
        assert (
            campus.clients["manager"].get(f"{API}/student-verifications/x/card/").status_code == 404
        )


def test_anonymous_is_never_verified(campus):
    from django.contrib.auth.models import AnonymousUser

    assert not is_verified_student(AnonymousUser(), campus.university.pk)
    assert not is_verified_student(None, campus.university.pk)
    assert not is_verified_student(campus.student, None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_matricule_give_it_to_one_student(settings, tmp_path):
    import threading

    from django.db import connection

    from conftest import create_user
    from teranga.core.errors import Conflict
    from teranga.products.campus.services.verification import student_verification_submit

    from .factories import UniversityFactory

    settings.MEDIA_ROOT = str(tmp_path)
    university = UniversityFactory()
    students = [create_user(f"claim{i}@ucad.test") for i in range(6)]
    barrier = threading.Barrier(len(students), timeout=30)
    won: list = []
    refused: list[str] = []
    errors: list[BaseException] = []

    def claim(user) -> None:
        try:
            barrier.wait()
            won.append(
                student_verification_submit(
                    user=user, university_id=university.pk, matricule="2019-1", student_card=card()
                )
            )
        except Conflict as conflict:
            refused.append(str(conflict.code))
        except BaseException as error:  # noqa: BLE001 — reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in students]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert len(won) == 1
    assert refused == ["matricule_taken"] * 5
    assert StudentVerification.objects.filter(
        matricule_hash=keyed_hash("2019-1", purpose=MATRICULE_HASH)
    ).count() == 1
