"""The error codes organizations answers: the stable ``code`` of its errors
(``{"error": {"code": …}}``), registered in the catalogue
(``teranga.core.errors.error_catalogues``); generic codes are ``CoreError``."""

from __future__ import annotations

from enum import StrEnum

from teranga.core.errors import error_catalogues


class OrganizationError(StrEnum):
    ALREADY_MEMBER = "already_member"
    BRANCH_IN_USE = "branch_in_use"
    BRANCH_NOT_FOUND = "branch_not_found"
    CLOSURE_NOT_FOUND = "closure_not_found"
    INVITATION_EMAIL_MISMATCH = "invitation_email_mismatch"
    INVITATION_EXPIRED = "invitation_expired"
    INVITATION_NOT_FOUND = "invitation_not_found"
    INVITATION_REVOKED = "invitation_revoked"
    INVITATION_USED = "invitation_used"
    LAST_OWNER = "last_owner"
    MEMBERSHIP_NOT_FOUND = "membership_not_found"
    ORGANIZATION_IN_USE = "organization_in_use"
    ORGANIZATION_NOT_FOUND = "organization_not_found"
    OWNER_REQUIRED = "owner_required"
    ROLE_TOO_HIGH = "role_too_high"


error_catalogues.register("organizations", OrganizationError, origin="organizations")
