"""Writes of a property's images and documents, and the signed links that share a
document.

Images are re-encoded (``photos.photo_prepare`` over ``teranga.core.images``) with a
thumbnail, ordered by ``position``; exactly one is primary as soon as there is one (the
first upload, or the one chosen; the unique partial index ``re_image_one_primary``
holds it). Documents are private files (the default storage), typed, and leave the
agency only through a signed link that expires (:func:`document_link`): opening it is
recorded in the audit log (``document.accessed``), issuing it too (``data.exported``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from teranga.core.errors import Gone, NotFound, ValidationFailed
from teranga.core.links import public_link
from teranga.core.storage import public_storage
from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record
from teranga.platform.organizations.validators import validate_document_content

from ..errors import RealEstateError
from ..models import MAX_DOCUMENTS, MAX_IMAGES, Property, PropertyDocument, PropertyImage
from ..photos import photo_prepare

_LINK_SALT = "realestate.document.link"
#: A shared document's link lasts this long by default, and at most this long (minutes).
LINK_DEFAULT_MINUTES = 60
LINK_MAX_MINUTES = 7 * 24 * 60
#: The page a document's signed link opens (``page_urls``).
DOCUMENT_PAGE = "/realestate/documents/{token}/"


def files_delete_on_commit(*, public: list[str], private: list[str]) -> None:
    if not public and not private:
        return

    def delete() -> None:
        for name in public:
            public_storage.delete(name)
        for name in private:
            default_storage.delete(name)

    transaction.on_commit(delete)


def _lock(prop: Property) -> Property:
    return Property.objects.select_for_update().get(pk=prop.pk)


# --- Images ----------------------------------------------------------------------------


def _image(prop: Property, image_id) -> PropertyImage:
    from teranga.core.validators import parse_uuid

    key = parse_uuid(image_id)
    found = PropertyImage.objects.filter(property=prop, pk=key).first() if key else None
    if found is None:
        raise NotFound(code=RealEstateError.IMAGE_NOT_FOUND)
    return found


def _make_primary(prop: Property, image: PropertyImage) -> None:
    PropertyImage.objects.filter(property=prop, is_primary=True).exclude(pk=image.pk).update(
        is_primary=False
    )
    if not image.is_primary:
        image.is_primary = True
        image.save(update_fields=["is_primary", "updated_at"])


@transaction.atomic
def image_add(*, prop: Property, upload, caption: str = "", is_primary: bool = False):
    """Add a photo after the others (at most ``MAX_IMAGES``: 400 ``too_many_images``);
    the first one, or one sent with ``is_primary``, becomes the primary image."""
    prop = _lock(prop)
    existing = prop.images.aggregate(count=Count("pk"), last=Max("position"))
    if existing["count"] >= MAX_IMAGES:
        message = _("A property has at most %(count)d images.") % {"count": MAX_IMAGES}
        raise ValidationFailed(
            message, code=RealEstateError.TOO_MANY_IMAGES, fields={"image": [message]}
        )
    photo = photo_prepare(
        upload,
        field="image",
        message=_("Upload a valid image."),
        code=RealEstateError.INVALID_IMAGE,
    )
    image = PropertyImage(
        organization_id=prop.organization_id,
        property=prop,
        position=0 if existing["last"] is None else existing["last"] + 1,
        caption=caption,
        width=photo.width,
        height=photo.height,
    )
    image.image.save(photo.image.name, photo.image, save=False)
    image.thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
    image.save()
    if is_primary or existing["count"] == 0:
        _make_primary(prop, image)
    return image


@transaction.atomic
def image_update(
    *,
    prop: Property,
    image_id,
    position: int | None = None,
    is_primary: bool | None = None,
    caption: str | None = None,
) -> PropertyImage:
    """Move an image to ``position`` (0 is first; the others shift), make it the primary
    one (``is_primary: true``; the previous primary stops being one), change its caption.
    ``is_primary: false`` is refused while it is the primary: choose another one."""
    prop = _lock(prop)
    image = _image(prop, image_id)
    if caption is not None:
        image.caption = caption
        image.save(update_fields=["caption", "updated_at"])
    if is_primary is False and image.is_primary:
        message = _("Choose another image as the primary one instead.")
        raise ValidationFailed(message, fields={"is_primary": [message]})
    if is_primary:
        _make_primary(prop, image)
    if position is not None:
        images = list(prop.images.order_by("position", "created_at"))
        images = [other for other in images if other.pk != image.pk]
        images.insert(min(position, len(images)), image)
        for index, other in enumerate(images):
            other.position = index
        PropertyImage.objects.bulk_update(images, ["position"])
        image.refresh_from_db()
    return image


@transaction.atomic
def image_delete(*, prop: Property, image_id) -> None:
    """Delete an image; when it was the primary one, the first remaining becomes it."""
    prop = _lock(prop)
    image = _image(prop, image_id)
    names = [name for name in (image.image.name, image.thumbnail.name) if name]
    was_primary = image.is_primary
    image.delete()
    if was_primary:
        successor = prop.images.order_by("position", "created_at").first()
        if successor is not None:
            _make_primary(prop, successor)
    files_delete_on_commit(public=names, private=[])


# --- Documents -------------------------------------------------------------------------


def _document(prop: Property, document_id) -> PropertyDocument:
    from teranga.core.validators import parse_uuid

    key = parse_uuid(document_id)
    found = PropertyDocument.objects.filter(property=prop, pk=key).first() if key else None
    if found is None:
        raise NotFound(code=RealEstateError.DOCUMENT_NOT_FOUND)
    return found


@transaction.atomic
def document_add(*, prop: Property, actor, upload, kind: str, title: str) -> PropertyDocument:
    """A private document (a PDF or an image: 400 ``invalid_document`` otherwise), at
    most ``MAX_DOCUMENTS`` per property (400 ``too_many_documents``)."""
    prop = _lock(prop)
    if prop.documents.count() >= MAX_DOCUMENTS:
        message = _("A property has at most %(count)d documents.") % {"count": MAX_DOCUMENTS}
        raise ValidationFailed(
            message, code=RealEstateError.TOO_MANY_DOCUMENTS, fields={"file": [message]}
        )
    try:
        validate_document_content(upload)
    except DjangoValidationError as error:
        raise ValidationFailed(
            error.messages[0],
            code=RealEstateError.INVALID_DOCUMENT,
            fields={"file": error.messages},
        ) from None
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    extension = ".pdf" if head.lstrip(b"\r\n\t \x00\xef\xbb\xbf").startswith(b"%PDF-") else ""
    if not extension:
        from teranga.core.images import image_upload_clean

        upload = image_upload_clean(
            upload,
            field="file",
            stem="document",
            message=_("Upload a PDF document or an image (JPEG, PNG, WebP)."),
            code=RealEstateError.INVALID_DOCUMENT,
        )
    document = PropertyDocument(
        organization_id=prop.organization_id,
        property=prop,
        kind=kind,
        title=title,
        size=upload.size or 0,
        uploaded_by=actor,
    )
    document.file.save(f"document{extension}" if extension else upload.name, upload, save=False)
    document.save()
    return document


@transaction.atomic
def document_delete(*, prop: Property, document_id) -> None:
    document = _document(prop, document_id)
    name = document.file.name
    document.delete()
    files_delete_on_commit(public=[], private=[name] if name else [])


@dataclass(frozen=True)
class DocumentLink:
    url: str
    expires_at: datetime


@transaction.atomic
def document_link(*, prop: Property, document_id, minutes: int = LINK_DEFAULT_MINUTES):
    """A signed link to the document that expires after ``minutes`` (at most a week),
    for the agency to send to a client or a notary. Issuing it is audited."""
    document = _document(prop, document_id)
    expires_at = timezone.now() + timedelta(minutes=minutes)
    token = signing.dumps(
        {"d": document.pk.hex, "e": int(expires_at.timestamp())}, salt=_LINK_SALT, compress=True
    )
    audit_record(
        action=AuditAction.DATA_EXPORTED,
        organization=prop.organization_id,
        object_type="realestate.document",
        object_id=document.pk,
        summary=f"Document link issued ({document.kind}, {minutes} min)",
        after={"kind": document.kind, "minutes": minutes, "property": str(prop.pk)},
    )
    return DocumentLink(public_link(DOCUMENT_PAGE.format(token=token)), expires_at)


@transaction.atomic
def document_open(*, token: str) -> PropertyDocument:
    """The document a signed link names: 404 ``document_not_found`` for a link that was
    not ours (or a deleted document), 410 once it expired. Recorded in the audit log
    (whoever holds the link, from where)."""
    try:
        payload = signing.loads(token, salt=_LINK_SALT)
        document_id, expires = str(payload["d"]), int(payload["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(code=RealEstateError.DOCUMENT_NOT_FOUND) from None
    if expires < timezone.now().timestamp():
        raise Gone(_("This link has expired."))
    from teranga.core.validators import parse_uuid

    key = parse_uuid(document_id)
    document = PropertyDocument.objects.filter(pk=key).first() if key else None
    if document is None:
        raise NotFound(code=RealEstateError.DOCUMENT_NOT_FOUND)
    audit_record(
        action=AuditAction.DOCUMENT_ACCESSED,
        organization=document.organization_id,
        object_type="realestate.document",
        object_id=document.pk,
        summary=f"Shared document opened ({document.kind})",
    )
    return document
