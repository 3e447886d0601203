"""Media storage (issue 20): local files served by the app, or any S3-compatible store.

* On the disk (the embedded default): a public file (an organisation's logo, uploaded
  through its API endpoint) opens at its plain URL over HTTP; a private file (a
  verification document) answers 404 at any plain address and opens only through its
  signed link, which expires and cannot be altered.
* On S3, against moto's server on 127.0.0.1 (tests/s3.py), with the storages the settings
  build from S3_*: uploads land in the bucket (public media under ``public/``), the public
  URL and a presigned link fetched with httpx give the bytes back, and replacing or
  removing the logo removes its object.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import time_machine
from django.apps import apps as django_apps
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from teranga.core.storage import (
    PUBLIC_LOCATION,
    media_storages,
    public_files_moved,
    signed_media_url,
)
from teranga.platform.organizations.models import Organization, VerificationDocument
from teranga.platform.organizations.tests.factories import organization_with_owner
from tests.s3 import (  # noqa: F401 — s3_server is the fixture
    ACCESS_KEY,
    SECRET_KEY,
    s3_bucket,
    s3_keys,
    s3_public_read,
    s3_server,
)

API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes(colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def put_logo(client, organization, colour: str = "red") -> str:
    """Uploads a logo through the API; returns the URL the API gives for it."""
    response = client.put(
        f"{API}/organizations/{organization.pk}/logo/",
        {"logo": upload("logo.png", png_bytes(colour), "image/png")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    return response.json()["logo"]


def post_document(client, organization) -> dict:
    response = client.post(
        f"{API}/organizations/{organization.pk}/verification/",
        {"kind": "ninea", "file": upload("ninea.pdf", PDF, "application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def owner_org(db, client_for):
    organization, owner = organization_with_owner(name="Médias")
    return organization, client_for(owner)


# --- On the disk (the embedded default) ---------------------------------------------------


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, **media_storages()}
    return tmp_path


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_logo_opens_at_its_url_over_http(local_media, live_server, client_for):
    organization, owner = organization_with_owner(name="Logo")
    url = put_logo(client_for(owner), organization)
    organization.refresh_from_db()
    name = organization.logo.name
    assert urlsplit(url).path == f"/media/{name}"  # a plain, stable address
    stored = local_media / PUBLIC_LOCATION / name
    assert stored.is_file()  # public media live under MEDIA_ROOT/public

    response = httpx.get(f"{live_server.url}/media/{name}", timeout=10, trust_env=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "max-age" in response.headers["cache-control"]
    assert response.content == stored.read_bytes()
    Image.open(io.BytesIO(response.content)).verify()  # an image a browser can show

    head = httpx.head(f"{live_server.url}/media/{name}", timeout=10, trust_env=False)
    assert head.status_code == 200 and head.content == b""


def test_a_private_file_opens_only_through_its_signed_link(local_media, owner_org, client):
    organization, owner = owner_org
    url = post_document(owner, organization)["file"]
    document = VerificationDocument.objects.get(organization=organization)
    name = document.file.name
    assert (local_media / name).read_bytes() == PDF  # outside MEDIA_ROOT/public
    assert not (local_media / PUBLIC_LOCATION / name).exists()

    signed = path_and_query(url)
    assert signed.startswith(f"/media/private/{name}?sig=")
    response = client.get(signed)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert body(response) == PDF
    # The API hands a fresh signed link to whoever may see the document.
    state = owner.get(f"{API}/organizations/{organization.pk}/verification/").json()
    assert path_and_query(state["documents"][0]["file"]).startswith(f"/media/private/{name}?")

    # Never at a plain address, guessable or not.
    for plain in (f"/media/{name}", f"/media/private/{name}", f"/media/public/{name}"):
        assert client.get(plain).status_code == 404, plain
    token = parse_qs(urlsplit(url).query)["sig"][0]
    timestamp, signature = token.split(":")
    tampered = [
        f"/media/private/{name}?sig={timestamp}:{signature[:-2]}xx",
        f"/media/private/{name}?sig=0:{signature}",  # another time, same signature
        f"/media/private/{name}?sig={signature}",
        f"/media/private/{name}x?sig={token}",  # another file, the same signature
        f"/media/{name}?sig={token}",
    ]
    for link in tampered:
        assert client.get(link).status_code == 404, link


def test_a_signed_link_expires(local_media, owner_org, client, settings):
    settings.MEDIA_SIGNED_URL_SECONDS = 60
    organization, owner = owner_org
    post_document(owner, organization)
    document = VerificationDocument.objects.get(organization=organization)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        link = path_and_query(document.file.url)
        traveller.shift(59)
        assert client.get(link).status_code == 200
        traveller.shift(2)
        assert client.get(link).status_code == 404
        assert client.get(path_and_query(document.file.url)).status_code == 200  # a new one


def test_media_addresses_never_leave_the_public_folder(local_media, client):
    (local_media / "secret.txt").write_text("private")
    public = local_media / PUBLIC_LOCATION
    (public / "logos").mkdir(parents=True)
    (public / "logos" / "a.png").write_bytes(png_bytes())
    (public / ".hidden").write_text("hidden")
    assert client.get("/media/logos/a.png").status_code == 200
    for path in (
        "/media/secret.txt",
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/logos/../../secret.txt",
        "/media/logos%2f..%2f..%2fsecret.txt",
        "/media/.hidden",
        "/media/logos/",
        "/media/logos",
        "/media/missing.png",
        f"/media/private/secret.txt?sig={signed_media_url('../secret.txt').split('sig=')[1]}",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post("/media/logos/a.png").status_code == 405


def test_files_stored_before_move_to_the_public_folder(local_media, owner_org):
    """The migrations that made logos, avatars, service images and covers public move the
    files stored before (at MEDIA_ROOT/<name>) to MEDIA_ROOT/public/<name>, and back."""
    organization, _ = owner_org
    name = f"organizations/{organization.pk}/logo/old.png"
    legacy = local_media / name
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(png_bytes())
    Organization.objects.filter(pk=organization.pk).update(logo=name)
    step = public_files_moved("organizations", "organization", "logo")

    step.code(django_apps, None)
    assert not legacy.exists() and (local_media / PUBLIC_LOCATION / name).is_file()
    step.code(django_apps, None)  # run again: nothing to do
    assert (local_media / PUBLIC_LOCATION / name).is_file()
    step.reverse_code(django_apps, None)
    assert legacy.is_file() and not (local_media / PUBLIC_LOCATION / name).exists()


# --- On S3 (moto's server on 127.0.0.1) -----------------------------------------------


@pytest.fixture
def s3_media(settings, s3_server, tmp_path):  # noqa: F811 — the fixture of tests/s3.py
    """The storages the settings build from S3_* (a fresh bucket of the moto server)."""
    bucket = s3_bucket(s3_server)
    s3_public_read(s3_server, bucket)  # public/* readable by anyone, as the README says
    settings.MEDIA_ROOT = tmp_path  # nothing may land here
    settings.STORAGES = {
        **settings.STORAGES,
        **media_storages(
            bucket=bucket,
            endpoint_url=s3_server,
            region="us-east-1",
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            signed_seconds=600,
        ),
    }
    return s3_server, bucket


def test_s3_public_media_upload_url_and_deletion(
    s3_media, owner_org, client, tmp_path, django_capture_on_commit_callbacks
):
    endpoint, bucket = s3_media
    organization, owner = owner_org
    url = put_logo(owner, organization)
    organization.refresh_from_db()
    first = organization.logo.name
    assert s3_keys(endpoint, bucket) == [f"public/{first}"]
    assert url == f"{endpoint}/{bucket}/public/{first}"  # plain: no signature
    response = httpx.get(url, timeout=10, trust_env=False)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "max-age" in response.headers["cache-control"]
    Image.open(io.BytesIO(response.content)).verify()
    assert client.get(f"/media/{first}").status_code == 404  # not served by the app
    assert not any(tmp_path.iterdir())  # nothing on the disk

    with django_capture_on_commit_callbacks(execute=True):
        second_url = put_logo(owner, organization, colour="blue")
    organization.refresh_from_db()
    second = organization.logo.name
    assert second != first
    assert s3_keys(endpoint, bucket) == [f"public/{second}"]  # the replaced one is gone
    assert httpx.get(second_url, timeout=10, trust_env=False).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = owner.delete(f"{API}/organizations/{organization.pk}/logo/")
    assert response.status_code == 204
    assert s3_keys(endpoint, bucket) == []


def test_s3_private_media_through_a_presigned_link(s3_media, owner_org, client):
    endpoint, bucket = s3_media
    organization, owner = owner_org
    url = post_document(owner, organization)["file"]
    document = VerificationDocument.objects.get(organization=organization)
    name = document.file.name
    assert s3_keys(endpoint, bucket) == [name]  # outside public/
    assert url.startswith(f"{endpoint}/{bucket}/{name}?")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["600"] and query["X-Amz-Signature"]
    response = httpx.get(url, timeout=10, trust_env=False)
    assert response.status_code == 200 and response.content == PDF
    assert (
        client.get(urlsplit(url).path.replace(f"/{bucket}/", "/media/private/")).status_code == 404
    )

    document.file.delete(save=False)  # the storage removes the object
    assert s3_keys(endpoint, bucket) == []


def test_s3_public_url_is_the_cdn_address(s3_media, settings):
    endpoint, bucket = s3_media
    storages = media_storages(
        bucket=bucket,
        endpoint_url=endpoint,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        public_url="https://cdn.example.org/assets/",
    )
    settings.STORAGES = {**settings.STORAGES, **storages}
    from teranga.core.storage import public_storage

    name = public_storage.save("logos/a.png", ContentFile(png_bytes()))
    assert public_storage.url(name) == f"https://cdn.example.org/assets/public/{name}"
    assert s3_keys(endpoint, bucket) == [f"public/{name}"]
    public_storage.delete(name)
    assert s3_keys(endpoint, bucket) == []


def test_public_media_through_the_asgi_application(local_media):
    """``make run`` serves HTTP with uvicorn: the same view through Django's ASGI handler."""
    import asyncio

    from django.core.asgi import get_asgi_application

    (local_media / PUBLIC_LOCATION / "covers").mkdir(parents=True)
    (local_media / PUBLIC_LOCATION / "covers" / "a.png").write_bytes(png_bytes())

    async def fetch(path: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=get_asgi_application())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.get(path)

    response = asyncio.run(fetch("/media/covers/a.png"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.content == png_bytes()
    assert asyncio.run(fetch("/media/covers/b.png")).status_code == 404


def test_s3_private_links_are_signed_for_the_address_browsers_reach(s3_media, settings):
    # Behind compose the app reaches the store at an inside address; S3_PRESIGN_ENDPOINT_URL
    # names the one browsers reach (here the same moto server under another host name).
    endpoint, bucket = s3_media
    outside = endpoint.replace("127.0.0.1", "localhost")
    settings.STORAGES = {
        **settings.STORAGES,
        **media_storages(
            bucket=bucket,
            endpoint_url=endpoint,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            presign_endpoint_url=outside,
        ),
    }
    from django.core.files.storage import default_storage

    name = default_storage.save("documents/a.pdf", ContentFile(PDF))
    url = default_storage.url(name)
    assert url.startswith(f"{outside}/{bucket}/{name}?") and "X-Amz-Signature" in url
    response = httpx.get(url, timeout=10, trust_env=False)
    assert response.status_code == 200 and response.content == PDF
    default_storage.delete(name)
    assert s3_keys(endpoint, bucket) == []
