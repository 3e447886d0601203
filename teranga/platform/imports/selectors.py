"""Reads: the kinds one may import (and their columns), and the record of past imports
of an organisation (its managers and above, and platform staff)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from teranga.core.errors import NotFound, ValidationFailed
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import get_organization_for

from .errors import ImportsError
from .extensions import Importer, importers
from .models import ImportRun

#: Run an import (managers and above); each importer also names its product's action.
IMPORTS_RUN = "imports.run"
#: Read an organisation's import record (managers and above, platform staff).
IMPORTS_VIEW = "imports.view"


def importer_kinds() -> list[tuple[str, Importer]]:
    """``(kind, importer)`` of every installed importer, sorted by kind."""
    return sorted(importers.items())


def importer_for(kind: str, *, missing: str = "invalid") -> Importer:
    """The importer of ``kind``. Unknown: 400 ``import_kind_unknown`` on field ``kind``
    (``missing="invalid"``, a body's field) or 404 (``missing="not_found"``, a path)."""
    if isinstance(kind, str) and kind in importers:
        return importers.get(kind)
    message = _("No such kind of import.")
    if missing == "not_found":
        raise NotFound(message, code=ImportsError.IMPORT_KIND_UNKNOWN)
    raise ValidationFailed(
        message, code=ImportsError.IMPORT_KIND_UNKNOWN, fields={"kind": [message]}
    )


def runs_of(*, user, organization_id, kind: str = "", status: str = "") -> QuerySet[ImportRun]:
    """The organisation's imports, newest first, maybe of one kind or status (404/403 by
    ``imports.view``)."""
    organization = get_organization_for(user, organization_id, IMPORTS_VIEW)
    runs = ImportRun.objects.filter(organization=organization)
    if kind:
        runs = runs.filter(kind=kind)
    if status:
        runs = runs.filter(status=status)
    return runs.select_related("user").order_by("-created_at", "-id")


def run_for(*, user, run_id) -> ImportRun:
    """One import of an organisation ``user`` may read the record of; 404
    ``import_not_found`` otherwise (another organisation's included)."""
    key = parse_uuid(run_id)
    run = (
        ImportRun.objects.select_related("user", "organization").filter(pk=key).first()
        if key
        else None
    )
    if run is None:
        raise NotFound(_("No such import."), code=ImportsError.IMPORT_NOT_FOUND)
    try:
        get_organization_for(user, run.organization_id, IMPORTS_VIEW)
    except NotFound:
        raise NotFound(_("No such import."), code=ImportsError.IMPORT_NOT_FOUND) from None
    return run
