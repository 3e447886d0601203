"""An agency's colours (its logo, name and contacts are the organisation's own): shown on
its public listing pages and changed on its settings page."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel

#: ``#RRGGBB``: nothing else reaches the pages' style sheets.
COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
#: The listing page's colour before an agency chose its own.
DEFAULT_PRIMARY_COLOR = "#0f766e"
DEFAULT_ACCENT_COLOR = "#0f766e"

validate_color = RegexValidator(COLOR_PATTERN, _("Write a colour as #RRGGBB."))


class AgencyBranding(BaseModel):
    """One agency's colours. Without a row, the defaults."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.CASCADE,
        related_name="realestate_branding",
        verbose_name=_("agency"),
    )
    primary_color = models.CharField(
        _("main colour"), max_length=7, default=DEFAULT_PRIMARY_COLOR, validators=[validate_color]
    )
    accent_color = models.CharField(
        _("accent colour"), max_length=7, default=DEFAULT_ACCENT_COLOR, validators=[validate_color]
    )

    class Meta(BaseModel.Meta):
        verbose_name = _("agency branding")
        verbose_name_plural = _("agency brandings")

    def __str__(self) -> str:
        return str(self.organization_id)


__all__ = [
    "COLOR_PATTERN",
    "DEFAULT_ACCENT_COLOR",
    "DEFAULT_PRIMARY_COLOR",
    "AgencyBranding",
    "validate_color",
]
