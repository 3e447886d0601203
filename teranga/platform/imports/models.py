"""The record of every import: :class:`ImportRun`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from teranga.core.models import AppendOnlyModel, BaseModel

KIND_MAX_LENGTH = 60
FILE_NAME_MAX_LENGTH = 255
#: A run keeps at most this many line errors (the answer to the upload has them all).
ERRORS_KEPT = 500


class ImportStatus(models.TextChoices):
    #: Every row written.
    APPLIED = "applied", pgettext_lazy("import", "Applied")
    #: A dry run without errors: nothing written.
    CHECKED = "checked", pgettext_lazy("import", "Checked")
    #: Errors: nothing written.
    REFUSED = "refused", pgettext_lazy("import", "Refused")


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ImportRun(AppendOnlyModel, BaseModel):
    """One upload: who, when, what kind, which file, its counts, its outcome and (the
    first ``ERRORS_KEPT``) errors. Written once, never changed."""

    append_only_message = "import runs are append-only"

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=KIND_MAX_LENGTH)
    file_name = models.CharField(_("file name"), max_length=FILE_NAME_MAX_LENGTH, blank=True)
    file_format = models.CharField(
        _("format"), max_length=4, choices=ImportFormat.choices, blank=True
    )
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=ImportStatus.choices)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    #: ``[{"line": 3, "column": "price_amount", "code": "…", "message": "…"}, …]`` (the
    #: messages in the uploader's language).
    errors = models.JSONField(_("errors"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta(BaseModel.Meta):
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="imports_run_org_idx"),
            models.Index(
                fields=["organization", "kind", "-created_at"], name="imports_run_org_kind_idx"
            ),
            models.Index(fields=["status", "-created_at"], name="imports_run_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name} ({self.status})"
