"""A lesson a tutor sells: the example product's one model."""

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

    class Meta(BaseModel.Meta):
        verbose_name = "cours"
        verbose_name_plural = "cours"

    def __str__(self) -> str:
        return self.title
