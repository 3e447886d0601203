"""Writes on organisations and what they own. Keyword-only, atomic, side effects after
commit. Access is checked by the caller through ``access`` (views do it with
``OrganizationAccess``); rules that depend on the objects themselves (last owner,
role ceilings, invitation state) live here."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext as _

from teranga.core.errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    ValidationFailed,
    refuse_unknown_fields,
)
from teranga.core.i18n import normalize_language
from teranga.core.images import image_upload_clean
from teranga.core.links import public_link
from teranga.core.phones import phone_e164_or_blank
from teranga.platform.audit.models import AuditAction
from teranga.platform.audit.services import audit_record, changed_values, field_values
from teranga.platform.organizations.errors import OrganizationError

from . import access
from .extensions import announce_availability_changed, invitation_senders
from .models import (
    Branch,
    Closure,
    ClosureKind,
    DocumentStatus,
    Invitation,
    Membership,
    OpeningHours,
    Organization,
    Role,
    VerificationDecision,
    VerificationDocument,
    VerificationStatus,
    period_errors,
)
from .validators import PDF_MAGIC, validate_document_content

ORGANIZATION_FIELDS = {
    "kind",
    "name",
    "description",
    "logo",
    "contact_email",
    "contact_phone",
    "siret",
    "tva_number",
    "ninea",
    "rccm",
    "time_zone",
    "currency",
    "country",
    "city",
    "region",
    "holidays_opt_out",
}
BRANCH_FIELDS = {
    "name",
    "address",
    "region",
    "department",
    "commune",
    "latitude",
    "longitude",
    "phone",
    "is_active",
}
COUNTRY_DEFAULTS = {
    "SN": {"currency": "XOF", "time_zone": "Africa/Dakar"},
    "FR": {"currency": "EUR", "time_zone": "Europe/Paris"},
}


def _full_clean(instance, exclude: Iterable[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=list(exclude or []), validate_unique=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields=exc.message_dict)


def _unique_slug(name: str) -> str:
    base = (slugify(name) or "organisation")[:200]
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _set_fields(instance, data: dict[str, Any], allowed: set[str]) -> list[str]:
    refuse_unknown_fields(data, allowed)
    for name, value in data.items():
        setattr(instance, name, value)
    return list(data)


def _read_phone(fields: dict[str, Any], name: str, country: str) -> None:
    """``fields[name]``, a phone number as typed, as E.164 read in ``country`` (400
    ``invalid_phone``); a blank one stays blank."""
    if name in fields:
        fields[name] = phone_e164_or_blank(fields[name], region=country, field=name)


# --- Organisations ---------------------------------------------------------------------


@transaction.atomic
def organization_create(*, user, name: str, kind: str, **fields: Any) -> Organization:
    """Create an organisation (pending verification); its creator becomes the owner."""
    organization = Organization(name=name, kind=kind)
    country = fields.get("country") or "SN"
    for key, value in COUNTRY_DEFAULTS.get(country, {}).items():
        fields.setdefault(key, value)
    _read_phone(fields, "contact_phone", country)
    _set_fields(organization, fields, ORGANIZATION_FIELDS - {"kind", "name"})
    organization.slug = _unique_slug(name)
    organization.verification_status = VerificationStatus.PENDING
    _full_clean(organization, exclude=["slug"])
    organization.save()
    organization.current_membership = Membership.objects.create(
        organization=organization, user=user, role=Role.OWNER
    )
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, **fields: Any) -> Organization:
    membership = getattr(organization, "current_membership", None)  # the caller's role
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    _read_phone(fields, "contact_phone", fields.get("country") or organization.country)
    before = field_values(organization, set(fields) & ORGANIZATION_FIELDS)
    changed = _set_fields(organization, fields, ORGANIZATION_FIELDS)
    _full_clean(organization)
    organization.save(update_fields=[*changed, "updated_at"] if changed else None)
    old, new = changed_values(before, field_values(organization, changed))
    if new:
        audit_record(
            action=AuditAction.ORGANIZATION_UPDATED,
            organization=organization,
            object_type="organizations.organization",
            object_id=organization.pk,
            summary=f"Settings changed: {', '.join(sorted(new))}",
            before=old,
            after=new,
        )
    if set(changed) & {"time_zone", "country", "holidays_opt_out"}:
        announce_availability_changed(organization_id=organization.pk)
    organization.current_membership = membership
    return organization


def _clean_document(file):
    """A verification document as stored: a PDF as it came (named ``document.pdf``), an
    image re-encoded. 400 ``invalid`` (``fields.file``) when it is neither."""
    try:
        validate_document_content(file)
    except DjangoValidationError as exc:
        raise ValidationFailed(fields={"file": exc.messages}) from None
    file.seek(0)
    head = file.read(1024)
    file.seek(0)
    if head.lstrip(b"\r\n\t \x00\xef\xbb\xbf")[:5] == PDF_MAGIC:
        file.name = "document.pdf"
        return file
    return image_upload_clean(file, field="file", stem="document")


@transaction.atomic
def organization_logo_set(*, organization: Organization, logo) -> Organization:
    """Replace the logo with ``logo`` (an uploaded image, checked by content), or remove
    it (``None``). The replaced file is deleted after commit."""
    membership = getattr(organization, "current_membership", None)
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    old_name = organization.logo.name if organization.logo else ""
    storage = organization.logo.storage
    # Never the uploaded bytes: a clean copy (no trailing data, no metadata).
    organization.logo = image_upload_clean(logo, field="logo", stem="logo") if logo else ""
    _full_clean(organization)
    organization.save(update_fields=["logo", "updated_at"])
    if old_name and old_name != organization.logo.name:
        transaction.on_commit(lambda: storage.delete(old_name))
    organization.current_membership = membership
    return organization


def _delete_unless_protected(instance, code: OrganizationError) -> None:
    """Delete ``instance``; 409 ``code`` when records that must be kept (payments,
    invoices, bookings, queues…) still point at it."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError:
        raise Conflict(code=code) from None


@transaction.atomic
def organization_delete(*, organization: Organization) -> None:
    """Delete an organisation that has no records to keep (409 ``organization_in_use``)."""
    _delete_unless_protected(organization, OrganizationError.ORGANIZATION_IN_USE)


# --- Members ---------------------------------------------------------------------------


def _owner_count(organization_id) -> int:
    return Membership.objects.filter(organization_id=organization_id, role=Role.OWNER).count()


def _lock_memberships(organization_id) -> None:
    """Serialise membership changes of one organisation (last-owner checks)."""
    Organization.objects.select_for_update().filter(pk=organization_id).first()


def _get_membership(organization: Organization, membership_id) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(organization=organization, pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound(code=OrganizationError.MEMBERSHIP_NOT_FOUND)
    return membership


@transaction.atomic
def membership_update_role(
    *, actor, organization: Organization, membership_id, role: str
) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role.")]})
    _lock_memberships(organization.pk)
    actor_membership = access.membership_of(actor, organization)
    target = _get_membership(organization, membership_id)
    access.ensure_can_manage_member(actor_membership, target)
    access.ensure_can_assign_role(actor_membership, role)
    if target.role == Role.OWNER and role != Role.OWNER and _owner_count(organization.pk) <= 1:
        raise Conflict(
            _("An organisation keeps at least one owner."), code=OrganizationError.LAST_OWNER
        )
    if target.role != role:
        before = target.role
        target.role = role
        target.save(update_fields=["role", "updated_at"])
        audit_record(
            action=AuditAction.MEMBER_ROLE_CHANGED,
            actor=actor,
            organization=organization,
            subject=target.user_id,
            object_type="organizations.membership",
            object_id=target.pk,
            summary=f"Role of {target.user.email} changed from {before} to {role}",
            before={"role": before},
            after={"role": role},
        )
    return target


@transaction.atomic
def membership_remove(*, actor, organization: Organization, membership_id) -> None:
    """Admins remove members (not above themselves); anyone may leave."""
    _lock_memberships(organization.pk)
    target = _get_membership(organization, membership_id)
    if target.user_id != actor.pk:
        access.ensure_can_manage_member(access.membership_of(actor, organization), target)
    if target.role == Role.OWNER and _owner_count(organization.pk) <= 1:
        raise Conflict(
            _("An organisation keeps at least one owner."), code=OrganizationError.LAST_OWNER
        )
    audit_record(
        action=AuditAction.MEMBER_REMOVED,
        actor=actor,
        organization=organization,
        subject=target.user_id,
        object_type="organizations.membership",
        object_id=target.pk,
        summary=(
            f"{target.user.email} left"
            if target.user_id == actor.pk
            else f"{target.user.email} removed"
        ),
        before={"role": target.role, "user": target.user_id},
    )
    target.delete()


# --- Invitations -----------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_selected(token: str) -> Invitation | None:
    """The open invitation behind ``token`` (not accepted, revoked or expired), or None."""
    return (
        Invitation.objects.select_related("organization")
        .filter(
            token_hash=hash_token(token or ""),
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def invitation_link(token: str, *, language: str | None = None) -> str:
    """The accept page of an invitation (the app takes over from there)."""
    return public_link(f"/invitations/{token}/", language=language)


#: The salt of invitation tokens (see :func:`_invitation_token`).
INVITATION_TOKEN_SALT = "teranga.organizations.invitation"


def _invitation_token(invitation_id, secret: str) -> str:
    """The secret token of an invitation: an HMAC-SHA256 of its id under ``secret`` (the
    SECRET_KEY), base64url. Derived rather than random so that the email's delivery can
    render the link again on a retry, after a crash or a failed SMTP hand-off, while the
    database keeps only the token's SHA-256 (someone who reads the database cannot
    accept an invitation). Django's ``salted_hmac`` does the HMAC; no library derives
    such a token for us."""
    digest = salted_hmac(
        INVITATION_TOKEN_SALT, str(invitation_id), secret=secret, algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invitation_token_for_delivery(invitation_id) -> str | None:
    """The token of the open invitation ``invitation_id``, derived again for its email
    (under the SECRET_KEY, or a SECRET_KEY_FALLBACKS one if the key has been rotated
    since; the stored hash says which). None when the invitation is no longer open
    (accepted, revoked, expired) or its key is gone: then no email goes out."""
    invitation = (
        Invitation.objects.filter(
            pk=invitation_id,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .only("pk", "token_hash")
        .first()
    )
    if invitation is None:
        return None
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        token = _invitation_token(invitation.pk, secret)
        if secrets.compare_digest(hash_token(token), invitation.token_hash):
            return token
    return None


@transaction.atomic
def invitation_create(
    *,
    actor,
    organization: Organization,
    email: str,
    role: str = Role.MEMBER,
    language: str | None = None,
) -> Invitation:
    """Invite ``email``. A newer invitation to the same address replaces the open one.

    The email is recorded in this transaction by the registered invitation sender (the
    notifications outbox), then sent after commit and retried until it is delivered; it
    is written in the invitee's language: the account's own language when the address
    has an account, else ``language`` (by default the language of the inviter's request,
    i.e. its Accept-Language, which the invitee most likely shares)."""
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [_("Unknown role.")]})
    access.ensure_can_assign_role(access.membership_of(actor, organization), role)
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise Conflict(_("This person is already a member."), code=OrganizationError.ALREADY_MEMBER)
    now = timezone.now()
    Invitation.objects.filter(
        organization=organization,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=now, updated_at=now)
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=actor,
        expires_at=now + settings.TERANGA["INVITATION_TTL"],
    )
    token = _invitation_token(invitation.pk, settings.SECRET_KEY)
    invitation.token_hash = hash_token(token)
    invitation.save(force_insert=True)
    senders = invitation_senders.values()
    if not senders:
        raise ImproperlyConfigured("No invitation sender is registered: the email would be lost.")
    language = normalize_language(language or translation.get_language())
    for sender in senders:
        sender(invitation=invitation, language=language)
    audit_record(
        action=AuditAction.INVITATION_SENT,
        actor=actor,
        organization=organization,
        object_type="organizations.invitation",
        object_id=invitation.pk,
        summary=f"{email} invited as {role}",
        after={"email": email, "role": role},
    )
    invitation.token = token  # for the caller only; never stored
    return invitation


@transaction.atomic
def invitation_accept(*, user, token: str) -> Membership:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )
    if invitation is None:
        raise NotFound(
            _("This invitation does not exist."), code=OrganizationError.INVITATION_NOT_FOUND
        )
    if invitation.accepted_at:
        raise Gone(
            _("This invitation has already been used."), code=OrganizationError.INVITATION_USED
        )
    if invitation.revoked_at:
        raise Gone(
            _("This invitation has been revoked."), code=OrganizationError.INVITATION_REVOKED
        )
    if invitation.expires_at <= timezone.now():
        raise Gone(_("This invitation has expired."), code=OrganizationError.INVITATION_EXPIRED)
    if invitation.email.lower() != (user.email or "").lower():
        raise Forbidden(
            _("This invitation was sent to another email address."),
            code=OrganizationError.INVITATION_EMAIL_MISMATCH,
        )
    if Membership.objects.filter(organization=invitation.organization, user=user).exists():
        raise Conflict(
            _("You are already a member of this organisation."),
            code=OrganizationError.ALREADY_MEMBER,
        )
    membership = Membership.objects.create(
        organization=invitation.organization, user=user, role=invitation.role
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        action=AuditAction.MEMBER_ADDED,
        actor=user,
        organization=invitation.organization,
        subject=user,
        object_type="organizations.membership",
        object_id=membership.pk,
        summary=f"{user.email} joined as {membership.role} (invitation)",
        after={"role": membership.role, "user": user.pk},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, organization: Organization, invitation_id) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .filter(organization=organization, pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise NotFound(code=OrganizationError.INVITATION_NOT_FOUND)
    if invitation.accepted_at:
        raise Conflict(
            _("This invitation has already been accepted."), code=OrganizationError.INVITATION_USED
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            action=AuditAction.INVITATION_REVOKED,
            organization=organization,
            object_type="organizations.invitation",
            object_id=invitation.pk,
            summary=f"Invitation of {invitation.email} revoked",
            before={"email": invitation.email, "role": invitation.role},
        )
    return invitation


# --- Branches, hours, closures ---------------------------------------------------------


def _check_geo(branch: Branch) -> None:
    if branch.department_id and branch.region_id is None:
        branch.region_id = branch.department.region_id
    if branch.department_id and branch.department.region_id != branch.region_id:
        raise ValidationFailed(fields={"department": [_("This department is not in that region.")]})


@transaction.atomic
def branch_create(*, organization: Organization, name: str, **fields: Any) -> Branch:
    branch = Branch(organization=organization, name=name)
    _read_phone(fields, "phone", organization.country)
    _set_fields(branch, fields, BRANCH_FIELDS - {"name"})
    _check_geo(branch)
    _full_clean(branch)
    branch.save()
    return branch


def _get_branch(organization: Organization, branch_id, *, lock: bool = False) -> Branch:
    queryset = Branch.objects.select_for_update() if lock else Branch.objects
    branch = queryset.filter(organization=organization, pk=branch_id).first()
    if branch is None:
        raise NotFound(code=OrganizationError.BRANCH_NOT_FOUND)
    return branch


@transaction.atomic
def branch_update(*, organization: Organization, branch_id, **fields: Any) -> Branch:
    branch = _get_branch(organization, branch_id, lock=True)
    if fields.get("department") is not None and "region" not in fields:
        fields["region"] = fields["department"].region  # moving to another department
    _read_phone(fields, "phone", organization.country)
    changed = _set_fields(branch, fields, BRANCH_FIELDS)
    _check_geo(branch)
    _full_clean(branch)
    branch.save(update_fields=list({*changed, "region", "updated_at"}) if changed else None)
    return branch


@transaction.atomic
def branch_delete(*, organization: Organization, branch_id) -> None:
    """Delete a branch that no queue uses (409 ``branch_in_use``)."""
    branch = _get_branch(organization, branch_id, lock=True)
    _delete_unless_protected(branch, OrganizationError.BRANCH_IN_USE)


def _validate_week(periods: list[dict[str, Any]]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    by_day: dict[int, list[tuple[time, time, int]]] = {}
    for index, period in enumerate(periods):
        weekday = period.get("weekday")
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            errors[str(index)] = {"weekday": [_("A weekday is 0 (Monday) to 6 (Sunday).")]}
            continue
        problems = period_errors(
            period.get("opens_at"),
            period.get("closes_at"),
            period.get("break_start"),
            period.get("break_end"),
        )
        if problems:
            errors[str(index)] = {key: [value] for key, value in problems.items()}
            continue
        by_day.setdefault(weekday, []).append((period["opens_at"], period["closes_at"], index))
    for rows in by_day.values():
        rows.sort()
        for (_o1, closes, _i1), (opens, _c2, index) in zip(rows, rows[1:], strict=False):
            if opens < closes:
                errors[str(index)] = {"opens_at": [_("This period overlaps another one that day.")]}
    return errors


@transaction.atomic
def opening_hours_set(
    *, organization: Organization, branch_id, periods: list[dict[str, Any]]
) -> list[OpeningHours]:
    """Replace the whole week of a branch in one transaction (an empty list: closed)."""
    branch = _get_branch(organization, branch_id, lock=True)
    errors = _validate_week(periods)
    if errors:
        raise ValidationFailed(fields={"periods": errors})
    OpeningHours.objects.filter(branch=branch).delete()
    rows = [
        OpeningHours(
            branch=branch,
            weekday=p["weekday"],
            opens_at=p["opens_at"],
            closes_at=p["closes_at"],
            break_start=p.get("break_start"),
            break_end=p.get("break_end"),
        )
        for p in periods
    ]
    OpeningHours.objects.bulk_create(rows)
    announce_availability_changed(organization_id=organization.pk, branch_id=branch.pk)
    return list(OpeningHours.objects.filter(branch=branch).order_by("weekday", "opens_at"))


@transaction.atomic
def closure_create(
    *,
    organization: Organization,
    starts_on: date,
    ends_on: date,
    branch_id=None,
    reason: str = "",
    kind: str = ClosureKind.EXCEPTIONAL,
) -> Closure:
    branch = _get_branch(organization, branch_id) if branch_id else None
    if ends_on < starts_on:
        raise ValidationFailed(
            fields={"ends_on": [_("The closure must end on or after its start.")]}
        )
    closure = Closure(
        organization=organization,
        branch=branch,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        kind=kind,
    )
    _full_clean(closure)
    closure.save()
    announce_availability_changed(organization_id=organization.pk, branch_id=closure.branch_id)
    return closure


@transaction.atomic
def closure_delete(*, organization: Organization, closure_id) -> None:
    closure = Closure.objects.filter(organization=organization, pk=closure_id).first()
    if closure is None:
        raise NotFound(code=OrganizationError.CLOSURE_NOT_FOUND)
    branch_id = closure.branch_id
    closure.delete()
    announce_availability_changed(organization_id=organization.pk, branch_id=branch_id)


# --- Verification ----------------------------------------------------------------------


@transaction.atomic
def verification_document_submit(
    *, actor, organization: Organization, kind: str, file
) -> VerificationDocument:
    document = VerificationDocument(
        organization=organization, kind=kind, file=_clean_document(file), uploaded_by=actor
    )
    _full_clean(document)
    document.save()
    audit_record(
        action=AuditAction.VERIFICATION_DOCUMENT_SUBMITTED,
        actor=actor,
        organization=organization,
        object_type="organizations.verification_document",
        object_id=document.pk,
        summary=f"Verification document {document.kind} submitted",
        after={"kind": document.kind, "status": document.status},
    )
    return document


@transaction.atomic
def verification_document_review(
    *, actor, document: VerificationDocument, status: str, note: str = ""
) -> VerificationDocument:
    """Staff accept or reject one document."""
    if not getattr(actor, "is_staff", False):
        raise Forbidden()
    if status not in (DocumentStatus.ACCEPTED, DocumentStatus.REJECTED):
        raise ValidationFailed(fields={"status": [_("Choose accepted or rejected.")]})
    document = VerificationDocument.objects.select_for_update().get(pk=document.pk)
    before = document.status
    document.status = status
    document.reviewed_by = actor
    document.reviewed_at = timezone.now()
    if note:
        document.note = note
    document.save(update_fields=["status", "reviewed_by", "reviewed_at", "note", "updated_at"])
    audit_record(
        action=AuditAction.VERIFICATION_DOCUMENT_REVIEWED,
        actor=actor,
        organization=document.organization_id,
        object_type="organizations.verification_document",
        object_id=document.pk,
        summary=f"Verification document {document.kind} {status}",
        before={"status": before},
        after={"status": status, "note": document.note},
    )
    return document


DECIDABLE_STATUSES = (
    VerificationStatus.VERIFIED,
    VerificationStatus.REJECTED,
    VerificationStatus.SUSPENDED,
)


@transaction.atomic
def organization_verification_decide(
    *, actor, organization: Organization, status: str, note: str = ""
) -> Organization:
    """Staff verify, reject or suspend an organisation. The decision is logged (append-only)
    and owners and admins hear about it in real time once it commits."""
    if not getattr(actor, "is_staff", False):
        raise Forbidden()
    if status not in DECIDABLE_STATUSES:
        raise ValidationFailed(fields={"status": [_("Choose verified, rejected or suspended.")]})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = {
        "verification_status": organization.verification_status,
        "verified_at": organization.verified_at,
    }
    organization.verification_status = status
    organization.verified_at = timezone.now() if status == VerificationStatus.VERIFIED else None
    organization.save(update_fields=["verification_status", "verified_at", "updated_at"])
    decision = VerificationDecision.objects.create(
        organization=organization, status=status, decided_by=actor, note=note
    )
    audit_record(
        action=AuditAction.VERIFICATION_DECIDED,
        actor=actor,
        organization=organization,
        object_type="organizations.verification_decision",
        object_id=decision.pk,
        summary=f"Verification: {before['verification_status']} -> {status}",
        before=before,
        after={
            "verification_status": status,
            "verified_at": organization.verified_at,
            "note": note,
        },
    )

    from .tasks import announce_verification_decision

    organization_id = str(organization.pk)
    transaction.on_commit(lambda: announce_verification_decision.enqueue(organization_id))
    return organization
