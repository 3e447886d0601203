"""A lesson a tutor sells: the example product's one model."""

from django.conf import settings
from django.db import models

from teranga.core.models import BaseModel


class Lesson(BaseModel):
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="lessons"
    )
    title = models.CharField("titre", max_length=200)
    #: Minor units of ``currency`` (XOF has none).
    price = models.PositiveIntegerField("prix")
    currency = models.CharField("devise", max_length=3, default="XOF")
    paid_at = models.DateTimeField("payée le", null=True, blank=True)
    #: Who paid it: personal data, in the user's GDPR export (``user_exporters``).
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="payée par",
    )

    class Meta(BaseModel.Meta):
        verbose_name = "cours"
        verbose_name_plural = "cours"

    def __str__(self) -> str:
        return self.title
