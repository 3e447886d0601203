"""Writes of contracts: generated as PDF from their kind's template, then draft → sent →
signed.

* :func:`contract_create` — the agency writes a contract (reservation agreement, lease,
  mandate) for a property and a client (a CRM client, or the client of a reservation):
  its PDF is rendered at once, in the contract's language, and stored privately. It is a
  draft.
* :func:`contract_send` — draft → sent: the client is told (their account, else their
  email address) with the contract's link (``teranga.core.links``).
* :func:`contract_sign` — sent → signed: staff upload the signed scan (a PDF, or an image
  re-encoded without metadata), at most 10 MB, stored privately.

Any other transition is 409 ``contract_invalid_transition``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from teranga.core.errors import Conflict, NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.models import Organization
from teranga.platform.organizations.validators import validate_document_content

from ..errors import RealEstateError
from ..models import (
    Client,
    Contract,
    ContractStatus,
    Property,
    Reservation,
)
from ..models_transactions import SCAN_MAX_BYTES
from ..transaction_notices import contract_notify_sent
from .media import files_delete_on_commit


def _invalid_transition() -> Conflict:
    return Conflict(
        _("This contract cannot make that change in its current status."),
        code=RealEstateError.CONTRACT_INVALID_TRANSITION,
    )


def _client_of(organization: Organization, client_id) -> Client:
    key = parse_uuid(str(client_id))
    found = Client.objects.filter(organization=organization, pk=key).first() if key else None
    if found is None:
        raise NotFound(code=RealEstateError.CLIENT_NOT_FOUND)
    return found


def _reservation_of(prop: Property, reservation_id) -> Reservation:
    key = parse_uuid(str(reservation_id))
    found = (
        Reservation.objects.select_related("client", "user").filter(property=prop, pk=key).first()
        if key
        else None
    )
    if found is None:
        raise NotFound(code=RealEstateError.RESERVATION_NOT_FOUND)
    return found


def _render(contract: Contract) -> None:
    from ..contracts import contract_pdf

    with translation.override(contract.language or "fr"):
        data = contract_pdf(contract)
    contract.file.save("contract.pdf", ContentFile(data), save=False)


@transaction.atomic
def contract_create(
    *,
    organization: Organization,
    actor,
    kind: str,
    prop: Property,
    client_id=None,
    reservation_id=None,
    amount: int | None = None,
    terms: str = "",
    language: str = "fr",
) -> Contract:
    """A draft contract of ``kind`` on ``prop`` (of ``organization``, access-checked by
    the caller), its PDF rendered. The client is ``client_id`` (404 ``client_not_found``
    outside the agency) or the reservation's (404 ``reservation_not_found`` unless it is
    one of the property's); one of them is required (400 ``contract_client_required``).
    ``amount`` defaults to the reservation's price, else the property's."""
    reservation = _reservation_of(prop, reservation_id) if reservation_id else None
    client = _client_of(organization, client_id) if client_id else None
    if client is None and reservation is not None:
        client = reservation.client
    if client is None:
        message = _("Choose the client of the contract.")
        raise ValidationFailed(
            message, code=RealEstateError.CONTRACT_CLIENT_REQUIRED, fields={"client": [message]}
        )
    if amount is None:
        amount = int(reservation.price if reservation is not None else prop.price)
    contract = Contract(
        organization=organization,
        kind=kind,
        property=prop,
        reservation=reservation,
        client=client,
        client_name=client.name[:200],
        amount=amount,
        currency=prop.currency,
        terms=terms,
        language=language or "fr",
        created_by=actor,
    )
    contract.organization = organization
    contract.property = prop
    _render(contract)
    contract.save()
    return contract


def _lock(contract: Contract) -> Contract:
    return (
        Contract.objects.select_for_update(of=("self",))
        .select_related("organization", "property", "client", "reservation")
        .get(pk=contract.pk)
    )


@transaction.atomic
def contract_send(*, contract: Contract, actor) -> Contract:
    """Draft → sent; the client is told with the contract's link. 409
    ``contract_client_unreachable`` when the client has neither an account nor an email
    address."""
    contract = _lock(contract)
    if contract.status != ContractStatus.DRAFT:
        raise _invalid_transition()
    client = contract.client
    recipient = client.user if client is not None and client.user_id else None
    email = client.email if client is not None else ""
    if recipient is None and not email:
        raise Conflict(
            _("The client has neither an account nor an email address to send it to."),
            code=RealEstateError.CONTRACT_CLIENT_UNREACHABLE,
        )
    contract.status = ContractStatus.SENT
    contract.sent_at = timezone.now()
    contract.save(update_fields=["status", "sent_at", "updated_at"])
    contract_notify_sent(contract, recipient=recipient, email=email)
    return contract


def _scan_clean(upload):
    """The signed scan: a PDF as it is, an image re-encoded; 400 ``invalid_scan``."""
    size = getattr(upload, "size", 0) or 0
    if size > SCAN_MAX_BYTES:
        message = _("The scan is too large (at most %(size)d MB).") % {
            "size": SCAN_MAX_BYTES // (1024 * 1024)
        }
        raise ValidationFailed(
            message, code=RealEstateError.INVALID_SCAN, fields={"file": [message]}
        )
    try:
        validate_document_content(upload)
    except DjangoValidationError as error:
        raise ValidationFailed(
            error.messages[0], code=RealEstateError.INVALID_SCAN, fields={"file": error.messages}
        ) from None
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.lstrip(b"\r\n\t \x00\xef\xbb\xbf").startswith(b"%PDF-"):
        return upload, "signed.pdf"
    from teranga.core.images import image_upload_clean

    cleaned = image_upload_clean(
        upload,
        field="file",
        stem="signed",
        message=_("Upload a PDF document or an image (JPEG, PNG, WebP)."),
        code=RealEstateError.INVALID_SCAN,
    )
    return cleaned, cleaned.name


@transaction.atomic
def contract_sign(*, contract: Contract, actor, upload) -> Contract:
    """Sent → signed, with the signed scan. A scan uploaded again (already signed) is
    409: the signed record stays as it was."""
    contract = _lock(contract)
    if contract.status != ContractStatus.SENT:
        raise _invalid_transition()
    cleaned, name = _scan_clean(upload)
    old = contract.signed_file.name
    contract.signed_file.save(name, cleaned, save=False)
    contract.signed_size = cleaned.size or 0
    contract.status = ContractStatus.SIGNED
    contract.signed_at = timezone.now()
    contract.save(update_fields=["signed_file", "signed_size", "status", "signed_at", "updated_at"])
    files_delete_on_commit(public=[], private=[old] if old else [])
    return contract
