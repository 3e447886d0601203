"""Every uploaded image is re-encoded (issue 15, defect 7: a valid PNG followed by HTML and
script was stored byte for byte as a service image and as a chat attachment, and service
images were stored without an extension).

Through HTTP, on every upload path (service image, chat attachment, organisation logo,
verification document, avatar):

* a PNG followed by ``<html><script>…`` is accepted, and what is stored decodes as a PNG,
  holds no trailing HTML and is named ``….png``;
* a JPEG carrying GPS EXIF (and an orientation) comes back upright, without any EXIF;
* a PNG whose header declares 50,000 × 50,000 pixels is refused, quickly, with each
  endpoint's documented code (the pixels are never decoded: a decoder would need 7.5 GB);
* a served attachment carries ``nosniff`` and its real content type.
"""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import authed_client, create_user
from teranga.platform.accounts.models import User
from teranga.platform.messaging.models import Attachment, ConversationKind
from teranga.platform.messaging.services import conversation_create
from teranga.platform.organizations.models import Organization, Role, VerificationDocument
from teranga.platform.organizations.tests.factories import member
from teranga.products.booking.models import ServiceImage
from teranga.products.booking.tests.factories import ServiceFactory, business_with_owner

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def png_bytes(size=(24, 16), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def polyglot() -> bytes:
    """A valid PNG with an HTML page after its IEND chunk."""
    return png_bytes() + HTML


def jpeg_with_gps() -> bytes:
    """A 30 × 20 JPEG whose EXIF holds a GPS position (Dakar) and orientation 6 (the
    camera was turned: shown upright, it is 20 wide and 30 high)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (14.0, 41.0, 33.0), 3: "W", 4: (17.0, 26.0, 48.0)})
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 120, 220)).save(buffer, "JPEG", exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as image:  # the fixture really carries them
        assert image.getexif().get_ifd(GPS_IFD)[2] == (14.0, 41.0, 33.0)
    return data


def png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG whose header declares ``width`` × ``height`` RGB pixels, with a
    small IDAT (decoding it would first allocate the whole canvas)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 200_000))
        + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


# --- The upload paths: each posts a file and answers (response, stored file's path) -----


@pytest.fixture
def service_image():
    business, _owner = business_with_owner(name="Salon Awa", city="Dakar")
    service = ServiceFactory(organization=business)
    client = authed_client(member(business, Role.MANAGER))

    def post(file):
        response = client.post(
            f"/api/v1/booking/services/{service.pk}/images/", {"image": file}, format="multipart"
        )
        stored = ServiceImage.objects.filter(service=service).first()
        return response, stored.image.path if stored else None

    return post


@pytest.fixture
def attachment():
    alice = create_user("alice@example.test")
    bob = create_user("bob@example.test")
    conversation, _ = conversation_create(
        creator=alice, kind=ConversationKind.PRIVATE, user_id=bob.pk
    )
    client = authed_client(alice)

    def post(file):
        response = client.post(
            f"/api/v1/conversations/{conversation.pk}/messages/upload/",
            {"body": "regarde", "attachments": [file]},
            format="multipart",
        )
        stored = Attachment.objects.filter(message__conversation=conversation).first()
        return response, stored.file.path if stored else None

    post.client = client
    return post


@pytest.fixture
def logo():
    business, owner = business_with_owner(name="Logo Test")
    client = authed_client(owner)

    def post(file):
        response = client.put(
            f"/api/v1/organizations/{business.pk}/logo/", {"logo": file}, format="multipart"
        )
        stored = Organization.objects.get(pk=business.pk).logo
        return response, stored.path if stored else None

    return post


@pytest.fixture
def document():
    business, owner = business_with_owner(name="Documents Test")
    client = authed_client(owner)

    def post(file):
        response = client.post(
            f"/api/v1/organizations/{business.pk}/verification/",
            {"kind": "id_card", "file": file},
            format="multipart",
        )
        stored = VerificationDocument.objects.filter(organization=business).first()
        return response, stored.file.path if stored else None

    return post


@pytest.fixture
def avatar():
    user = create_user("avatar@example.test")
    client = authed_client(user)

    def post(file):
        response = client.put("/api/v1/me/avatar/", {"avatar": file}, format="multipart")
        stored = User.objects.get(pk=user.pk).avatar
        return response, stored.path if stored else None

    return post


#: (upload path, success status, the code a refused image answers)
PATHS = [
    ("service_image", 201, "invalid_image"),
    ("attachment", 201, "invalid_attachment"),
    ("logo", 200, "invalid"),
    ("document", 201, "invalid"),
    ("avatar", 200, "invalid"),
]
PATH_IDS = [path for path, _status, _code in PATHS]


@pytest.mark.parametrize("path, ok, _code", PATHS, ids=PATH_IDS)
def test_png_followed_by_html_is_stored_as_a_clean_png(request, media, path, ok, _code):
    response, stored = request.getfixturevalue(path)(upload("photo.png", polyglot()))
    assert response.status_code == ok, response.content
    assert stored is not None and stored.endswith(".png"), stored
    content = (media / stored).read_bytes()
    assert b"<html" not in content and b"script" not in content
    assert content.endswith(b"IEND\xaeB`\x82")  # nothing after the image's last chunk
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "PNG" and image.size == (24, 16)
        assert image.convert("RGB").getpixel((0, 0)) == (200, 30, 30)


@pytest.mark.parametrize("path, ok, _code", PATHS, ids=PATH_IDS)
def test_jpeg_loses_its_gps_exif_and_stands_upright(request, media, path, ok, _code):
    response, stored = request.getfixturevalue(path)(
        upload("holiday.jpg", jpeg_with_gps(), "image/jpeg")
    )
    assert response.status_code == ok, response.content
    assert stored.endswith(".jpg"), stored
    content = (media / stored).read_bytes()
    assert b"Exif" not in content
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(GPS_IFD)
        assert image.size == (20, 30)  # the orientation was applied to the pixels


@pytest.mark.parametrize("path, _ok, code", PATHS, ids=PATH_IDS)
def test_declared_decompression_bomb_is_refused_without_decoding(request, path, _ok, code):
    bomb = png_declaring(50_000, 50_000)
    started = time.monotonic()
    response, stored = request.getfixturevalue(path)(upload("bomb.png", bomb))
    elapsed = time.monotonic() - started
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["fields"]
    assert stored is None
    assert elapsed < 2, f"took {elapsed:.1f}s: the pixels were decoded"


def test_an_image_over_our_own_pixel_cap_is_refused_below_pillows(service_image):
    """7,000 × 7,000 (49 MP) is under Pillow's own limit (89 MP) but over ours (40 MP)."""
    response, stored = service_image(upload("big.png", png_declaring(7_000, 7_000)))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"
    assert stored is None


def test_a_served_attachment_is_nosniff_with_its_real_type(attachment):
    response, _stored = attachment(upload("page.html", polyglot(), "text/html"))
    assert response.status_code == 201, response.content
    sent = response.json()["attachments"][0]
    assert sent["name"] == "page.png"  # the display name takes the real extension
    download = attachment.client.get(sent["url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="page.png"' in download["Content-Disposition"]
    body = b"".join(download.streaming_content)
    assert b"<html" not in body
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "PNG"
