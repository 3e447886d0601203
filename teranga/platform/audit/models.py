"""The audit log: one append-only row per sensitive action (who, what, when, from where,
before and after).

Rows are never changed or deleted through the model or its queryset
(:class:`AuditEntryQuerySet`); the only delete is the retention job's
(:func:`teranga.platform.audit.services.audit_entries_purge`), and the only update the
GDPR erasure's, which blanks a person's label (:func:`~.services.audit_user_forget`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import AppendOnlyModel, BaseModel

ACTOR_LABEL_MAX_LENGTH = 254
OBJECT_TYPE_MAX_LENGTH = 64
OBJECT_ID_MAX_LENGTH = 255
SUMMARY_MAX_LENGTH = 500
USER_AGENT_MAX_LENGTH = 300


class AuditAction(models.TextChoices):
    """What happened: stable codes (clients filter on them), translated labels."""

    SIGN_IN = "account.sign_in", _("Signed in")
    SIGN_IN_FAILED = "account.sign_in_failed", _("Failed sign-in")
    PASSWORD_CHANGED = "account.password_changed", _("Password changed")
    PASSWORD_RESET = "account.password_reset", _("Password reset")
    EMAIL_ADDED = "account.email_added", _("Email address added")
    EMAIL_REMOVED = "account.email_removed", _("Email address removed")
    EMAIL_CHANGED = "account.email_changed", _("Primary email address changed")
    EMAIL_VERIFIED = "account.email_verified", _("Email address verified")
    PHONE_CHANGED = "account.phone_changed", _("Phone number changed")
    SOCIAL_CONNECTED = "account.social_connected", _("Social account connected")
    SOCIAL_DISCONNECTED = "account.social_disconnected", _("Social account disconnected")
    MFA_ADDED = "account.mfa_added", _("Two-factor authentication added")
    MFA_REMOVED = "account.mfa_removed", _("Two-factor authentication removed")
    MFA_RECOVERY_CODES_RESET = "account.mfa_codes_reset", _("Recovery codes regenerated")
    MEMBER_ROLE_CHANGED = "organization.member_role_changed", _("Member role changed")
    MEMBER_ADDED = "organization.member_added", _("Member added")
    MEMBER_REMOVED = "organization.member_removed", _("Member removed")
    INVITATION_SENT = "organization.invitation_sent", _("Invitation sent")
    INVITATION_REVOKED = "organization.invitation_revoked", _("Invitation revoked")
    ORGANIZATION_UPDATED = "organization.updated", _("Organisation settings changed")
    VERIFICATION_DOCUMENT_SUBMITTED = (
        "organization.document_submitted",
        _("Verification document submitted"),
    )
    VERIFICATION_DOCUMENT_REVIEWED = (
        "organization.document_reviewed",
        _("Verification document reviewed"),
    )
    VERIFICATION_DECIDED = "organization.verification_decided", _("Verification decided")
    REFUND_REQUESTED = "payment.refund_requested", _("Refund requested")
    MANUAL_PAYMENT_APPROVED = "payment.manual_approved", _("Manual payment approved")
    MANUAL_PAYMENT_REJECTED = "payment.manual_rejected", _("Manual payment rejected")
    DATA_EXPORTED = "data.exported", _("Data exported")
    DOCUMENT_ACCESSED = "document.accessed", _("Private document opened")


class AuditLogImmutable(Exception):
    """An audit entry was about to be changed or deleted."""


class AuditEntryQuerySet(models.QuerySet):
    """Refuses bulk ``update()`` and ``delete()``: the log is append-only."""

    def update(self, **kwargs):
        raise AuditLogImmutable("audit entries are append-only")

    def delete(self):
        raise AuditLogImmutable("audit entries are append-only")

    # The two sanctioned writes after insert (services only).
    def _retention_delete(self) -> int:
        return models.QuerySet.delete(self)[0]

    def _erasure_update(self, **kwargs) -> int:
        return models.QuerySet.update(self, **kwargs)


class AuditEntry(AppendOnlyModel, BaseModel):
    append_only_error = AuditLogImmutable
    append_only_message = "audit entries are append-only"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    #: Who acted, as they were then (their email; "system" for a job): kept when the
    #: account goes, blanked by the GDPR erasure.
    actor_label = models.CharField(_("actor label"), max_length=ACTOR_LABEL_MAX_LENGTH, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    #: The person the action was about (a member whose role changed, the account that
    #: signed in): their own log shows it.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("subject"),
    )
    action = models.CharField(
        _("action"), max_length=48, choices=AuditAction.choices, db_index=False
    )
    object_type = models.CharField(_("object type"), max_length=OBJECT_TYPE_MAX_LENGTH, blank=True)
    object_id = models.CharField(_("object id"), max_length=OBJECT_ID_MAX_LENGTH, blank=True)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX_LENGTH, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=USER_AGENT_MAX_LENGTH, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta(BaseModel.Meta):
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="audit_org_created_idx"),
            models.Index(
                fields=["organization", "action", "-created_at"], name="audit_org_action_idx"
            ),
            models.Index(fields=["actor", "-created_at"], name="audit_actor_created_idx"),
            models.Index(fields=["subject", "-created_at"], name="audit_subject_created_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.actor_label}"
