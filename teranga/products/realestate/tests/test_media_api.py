"""Images (re-encoded with thumbnails, ordered, one primary) and private documents shared
through signed links that expire, over HTTP."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from teranga.platform.audit.models import AuditEntry
from teranga.products.realestate.models import PropertyDocument, PropertyImage
from teranga.products.realestate.tests.conftest import pdf_upload, png_upload
from teranga.products.realestate.tests.factories import PropertyFactory

API = "/api/v1/realestate/properties"

pytestmark = pytest.mark.django_db


@pytest.fixture
def prop(agency, media_root):
    return PropertyFactory(organization=agency.org, agent=agency.users["agent"])


def upload(client, prop, **fields):
    data = {"image": png_upload(), **fields}
    return client.post(f"{API}/{prop.pk}/images/", data, format="multipart")


def test_images_are_reencoded_with_thumbnails_and_one_primary(agency, prop):
    client = agency.api["agent"]
    # A PNG carrying trailing bytes: stored re-encoded, without them.
    raw = png_upload()
    raw_bytes = raw.read() + b"<script>alert(1)</script>"
    from django.core.files.uploadedfile import SimpleUploadedFile

    dirty = SimpleUploadedFile("x.png", raw_bytes, content_type="image/png")
    first = client.post(f"{API}/{prop.pk}/images/", {"image": dirty}, format="multipart")
    assert first.status_code == 201, first.content
    assert first.json()["is_primary"] is True and first.json()["position"] == 0
    image = PropertyImage.objects.get(pk=first.json()["id"])
    stored = image.image.read()
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(image.thumbnail.read())) as thumb:
        assert thumb.size[0] <= 480 and thumb.size[1] <= 360
    assert (image.width, image.height) == (800, 600)
    second = upload(client, prop, caption="Salon")
    assert second.json()["is_primary"] is False and second.json()["position"] == 1
    third = upload(client, prop, is_primary="true")
    assert third.json()["is_primary"] is True
    assert PropertyImage.objects.filter(property=prop, is_primary=True).count() == 1
    # Move the third image first; make the second primary.
    response = client.patch(
        f"{API}/{prop.pk}/images/{third.json()['id']}/", {"position": 0}, format="json"
    )
    assert response.status_code == 200 and response.json()["position"] == 0
    client.patch(
        f"{API}/{prop.pk}/images/{second.json()['id']}/", {"is_primary": True}, format="json"
    )
    order = list(PropertyImage.objects.filter(property=prop).values_list("pk", "is_primary"))
    assert [str(pk) for pk, _ in order] == [
        third.json()["id"],
        first.json()["id"],
        second.json()["id"],
    ]
    assert [primary for _, primary in order] == [False, False, True]
    # Deleting the primary: the first remaining becomes it.
    response = client.delete(f"{API}/{prop.pk}/images/{second.json()['id']}/")
    assert response.status_code == 204
    primary = PropertyImage.objects.get(property=prop, is_primary=True)
    assert str(primary.pk) == third.json()["id"]
    detail = APIClient().get(f"{API}/{prop.pk}/").json()
    assert detail["primary_image"]["id"] == third.json()["id"]
    assert [row["id"] for row in detail["images"]] == [third.json()["id"], first.json()["id"]]


def test_image_bad_input_and_permissions(agency, prop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = agency.api["agent"]
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    response = client.post(f"{API}/{prop.pk}/images/", {"image": fake}, format="multipart")
    assert response.status_code == 400
    # JSON is refused on an upload endpoint.
    assert client.post(f"{API}/{prop.pk}/images/", {}, format="json").status_code == 415
    assert upload(agency.api["agent2"], prop).status_code == 403
    assert upload(agency.api["other_manager"], prop).status_code == 404
    assert not PropertyImage.objects.exists()
    image = upload(client, prop).json()
    response = client.patch(
        f"{API}/{prop.pk}/images/{image['id']}/", {"is_primary": False}, format="json"
    )
    assert response.status_code == 400
    response = agency.api["other_manager"].delete(f"{API}/{prop.pk}/images/{image['id']}/")
    assert response.status_code == 404
    other = PropertyFactory(organization=agency.org, agent=agency.users["agent"])
    response = client.delete(f"{API}/{other.pk}/images/{image['id']}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "image_not_found"
    assert PropertyImage.objects.count() == 1


def test_documents_are_private_and_shared_by_expiring_links(agency, prop):
    client = agency.api["agent"]
    response = client.post(
        f"{API}/{prop.pk}/documents/",
        {"file": pdf_upload(), "kind": "title_deed", "title": "Titre foncier"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    document_id = response.json()["id"]
    document = PropertyDocument.objects.get(pk=document_id)
    assert document.file.name.startswith(f"realestate/{agency.org.pk}/documents/")
    assert document.file.name.endswith(".pdf")
    # Never on the public storage: the plain media address answers 404.
    assert APIClient().get(f"/media/{document.file.name}").status_code == 404
    listed = client.get(f"{API}/{prop.pk}/documents/")
    assert [row["id"] for row in listed.json()] == [document_id]
    assert "url" not in listed.json()[0]
    # Only the agency's staff list them or make links.
    assert agency.api["client"].get(f"{API}/{prop.pk}/documents/").status_code == 404
    assert agency.api["plain"].get(f"{API}/{prop.pk}/documents/").status_code == 403
    link_url = f"{API}/{prop.pk}/documents/{document_id}/link/"
    assert agency.api["other_manager"].post(link_url, {}, format="json").status_code == 404
    assert agency.api["plain"].post(link_url, {}, format="json").status_code == 403
    bad = client.post(link_url, {"expires_in_minutes": 999_999}, format="json")
    assert bad.status_code == 400
    assert not AuditEntry.objects.filter(object_type="realestate.document").exists()

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        response = client.post(link_url, {"expires_in_minutes": 30}, format="json")
    assert response.status_code == 201
    link = response.json()
    path = link["url"].split("://", 1)[1].split("/", 1)[1]
    anonymous = APIClient()
    with time_machine.travel(now + timedelta(minutes=29), tick=False):
        opened = anonymous.get(f"/{path}")
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content).startswith(b"%PDF-")
    assert opened["Cache-Control"] == "private, no-store"
    with time_machine.travel(now + timedelta(minutes=31), tick=False):
        assert anonymous.get(f"/{path}").status_code == 410
    assert anonymous.get(f"/{path[:-3]}xyz/").status_code == 404
    actions = list(
        AuditEntry.objects.filter(object_type="realestate.document")
        .order_by("created_at")
        .values_list("action", "organization_id")
    )
    assert actions == [("data.exported", agency.org.pk), ("document.accessed", agency.org.pk)]


def test_document_bad_input(agency, prop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = agency.api["agent"]
    url = f"{API}/{prop.pk}/documents/"
    html = SimpleUploadedFile("x.pdf", b"<html>hello</html>", content_type="application/pdf")
    response = client.post(url, {"file": html, "kind": "plan", "title": "Plan"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_document"
    response = client.post(
        url, {"file": pdf_upload(), "kind": "poem", "title": "Plan"}, format="multipart"
    )
    assert response.status_code == 400
    assert (
        agency.api["agent2"]
        .post(url, {"file": pdf_upload(), "kind": "plan", "title": "Plan"}, format="multipart")
        .status_code
        == 403
    )
    assert not PropertyDocument.objects.exists()
    # An image is stored re-encoded.
    response = client.post(
        url, {"file": png_upload(), "kind": "plan", "title": "Plan"}, format="multipart"
    )
    assert response.status_code == 201
    document = PropertyDocument.objects.get()
    assert document.file.name.endswith(".png")
    response = agency.api["other_manager"].delete(f"{url}{document.pk}/")
    assert response.status_code == 404
    assert client.delete(f"{url}{document.pk}/").status_code == 204
    assert not PropertyDocument.objects.exists()
