"""The member space of an academy (seed 004, "Dashboard utilisateur avec widgets
personnalisables"): which widgets a member shows on their dashboard.

* :class:`MemberSpaceSettings` — one member's choice of widgets at one academy, unique per
  member and academy. No row means every widget is shown (each toggle defaults to on); the
  first change writes the row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel

__all__ = ["MEMBER_SPACE_WIDGETS", "MemberSpaceSettings"]

#: The widgets of the member space, in the order the answer lists them.
MEMBER_SPACE_WIDGETS = (
    "formations",
    "next_sessions",
    "signals",
    "payments",
    "notifications",
    "trading",
)


class MemberSpaceSettings(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("academy"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="academy_space_settings",
        verbose_name=_("member"),
    )
    formations = models.BooleanField(_("my formations"), default=True)
    next_sessions = models.BooleanField(_("next sessions"), default=True)
    signals = models.BooleanField(_("recent signals"), default=True)
    payments = models.BooleanField(_("payments"), default=True)
    notifications = models.BooleanField(_("notifications"), default=True)
    trading = models.BooleanField(_("trading statistics"), default=True)

    class Meta(BaseModel.Meta):
        verbose_name = _("member space settings")
        verbose_name_plural = _("member space settings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="acad_space_settings_user_org_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization}"

    def widgets(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in MEMBER_SPACE_WIDGETS}
