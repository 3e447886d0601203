"""Filters of the audit log: ``action``, ``actor``, ``subject``, ``from`` and ``to``
(``from`` is a Python keyword, hence the classes are built with ``type``)."""

from __future__ import annotations

import django_filters

from ..models import AuditAction, AuditEntry


def _common() -> dict:
    return {
        "action": django_filters.ChoiceFilter(choices=AuditAction.choices, label="Action"),
        "from": django_filters.IsoDateTimeFilter(
            field_name="created_at", lookup_expr="gte", label="From (ISO 8601, inclusive)"
        ),
        "to": django_filters.IsoDateTimeFilter(
            field_name="created_at", lookup_expr="lt", label="To (ISO 8601, exclusive)"
        ),
    }


class _Meta:
    model = AuditEntry
    fields: list[str] = []


OrganizationAuditFilter = type(
    "OrganizationAuditFilter",
    (django_filters.FilterSet,),
    {
        **_common(),
        "actor": django_filters.UUIDFilter(field_name="actor_id", label="The actor (user id)"),
        "subject": django_filters.UUIDFilter(
            field_name="subject_id", label="The user the action was about"
        ),
        "Meta": _Meta,
    },
)

MyAuditFilter = type("MyAuditFilter", (django_filters.FilterSet,), {**_common(), "Meta": _Meta})
