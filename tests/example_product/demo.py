"""The example product's demo data: one lesson for the first demo organisation."""

from __future__ import annotations

from teranga.platform.organizations.models import Organization

from .models import Lesson


def load(*, password: str) -> list[tuple[str, str, str]]:
    organization = Organization.objects.order_by("created_at").first()
    if organization is not None and not Lesson.objects.filter(organization=organization).exists():
        Lesson.objects.create(organization=organization, title="Cours de wolof", price=5000)
    return []
