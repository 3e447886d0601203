"""Event invitations and share links.

An :class:`EventInvitation` invites one registered user (``user``) or one email address
(``email``, no account yet) to an event, with an unguessable ``code``. An invitation that
is pending or accepted makes an invite-only event visible to its user. An email
invitation is matched to the account whose verified email address it names when that
user opens ``me/invitations`` or accepts/declines it (``user`` is then filled in).

A :class:`ShareLink` is a code with an expiry that anyone who may see an event creates;
its page counts ``visits``. A :class:`ShareConversion` records one paid order bought
through a link (once per order), and the link's ``conversions`` counter follows it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel

#: Length of invitation and share codes (32-character alphabet: 80 bits for 16).
INVITATION_CODE_LENGTH = 16
SHARE_CODE_LENGTH = 12


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class EventInvitation(BaseModel):
    event = models.ForeignKey("campus.Event", on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campus_invitations",
    )
    email = models.EmailField(_("email"), blank=True, default="")
    code = models.CharField(_("code"), max_length=INVITATION_CODE_LENGTH, unique=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("event invitation")
        verbose_name_plural = _("event invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                condition=Q(user__isnull=False),
                name="campus_invitation_event_user_uniq",
            ),
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(email=""),
                name="campus_invitation_event_email_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="campus_invitation_user_idx"),
            models.Index(fields=["email", "status"], name="campus_invitation_email_idx"),
            models.Index(fields=["event", "created_at"], name="campus_invitation_event_idx"),
        ]


class ShareLink(BaseModel):
    event = models.ForeignKey("campus.Event", on_delete=models.CASCADE, related_name="share_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campus_share_links"
    )
    code = models.CharField(_("code"), max_length=SHARE_CODE_LENGTH, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    visits = models.PositiveIntegerField(_("visits"), default=0)
    conversions = models.PositiveIntegerField(_("conversions"), default=0)

    class Meta(BaseModel.Meta):
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        indexes = [
            models.Index(fields=["event", "created_at"], name="campus_sharelink_event_idx"),
        ]


class ShareConversion(BaseModel):
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="conversion_rows")
    order = models.OneToOneField(
        "campus.Order", on_delete=models.CASCADE, related_name="share_conversion"
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("share conversion")
        verbose_name_plural = _("share conversions")
