"""Administrative geography of Senegal: 14 regions and their 46 departments."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from teranga.core.models import BaseModel


class Region(BaseModel):
    code = models.CharField(
        _("code"), max_length=4, unique=True, help_text="ISO 3166-2:SN, e.g. DK"
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Department(BaseModel):
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="departments", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="geo_department_region_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name
