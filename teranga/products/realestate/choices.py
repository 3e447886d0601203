"""Choices shared by the product's model modules (``models`` star-imports the others at its
end, so they cannot import from it: each takes what they share from here)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransactionType(models.TextChoices):
    SALE = "sale", _("Sale")
    RENT = "rent", _("Rent")
    SHORT_STAY = "short_stay", _("Short stay")
