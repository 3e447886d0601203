"""Imports of an agency's properties and clients from a CSV or XLSX file (multipart), or
their check (``dry_run``): ``organizations/{id}/imports/properties/`` and
``…/imports/clients/``. The platform's import mechanism (``teranga.platform.imports``)
reads the file within its caps, checks every row with the product's importers
(``realestate.imports``) and keeps all of it or nothing; the columns and template files
are those of ``GET /api/v1/imports/kinds/`` (kinds ``realestate.properties`` and
``realestate.clients``), the record of past imports ``GET /api/v1/imports/``.

Managers and above (403 below); another organisation 404; not an agency 400
``agency_kind_not_supported``. Throttled per user (scope ``imports``).
"""

from __future__ import annotations

from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from teranga.core.errors import CoreError, error_body
from teranga.core.schema import error_codes
from teranga.core.serializers import Serializer
from teranga.platform.imports.errors import ImportsError
from teranga.platform.imports.models import ImportStatus
from teranga.platform.imports.services import import_file_report
from teranga.platform.organizations.errors import OrganizationError

from ..errors import RealEstateError
from ..imports import CLIENTS_KIND, PROPERTIES_KIND
from ..selectors.access import CRM_MANAGE, PROPERTIES_MANAGE
from ..selectors.properties import agency_for

TAG = ["realestate imports"]
ORG_ID = OpenApiParameter("organization_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
THROTTLE_SCOPE = "imports"


class RealEstateImportUploadSerializer(Serializer):
    file = serializers.FileField(
        help_text="A CSV (UTF-8 with or without byte-order mark, UTF-16 or Windows-1252; "
        "delimiter `,`, `;`, tab or `|`) or XLSX file (its first sheet); the first line "
        "names the columns (`GET /api/v1/imports/kinds/`)."
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text="Check everything and write nothing: the report says what "
        "would be created and updated.",
    )


class RealEstateImportLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True,
        help_text="The row's line in the file as a spreadsheet numbers it (the header is "
        "line 1); null when the whole file is concerned.",
    )
    column = serializers.CharField(
        allow_null=True, help_text="The column (field) concerned, or null (the row or file)."
    )
    code = serializers.CharField(
        help_text="Stable: `value_required`, `invalid`, `duplicate_in_file`, "
        "`column_missing`, `column_unknown`, `cell_too_long`, `too_many_rows`, "
        "`file_too_large`, `file_unreadable`, `file_empty`, `plan_limit_reached`, "
        "`agent_not_member`, `invalid_phone`, `external_ref_taken` …"
    )
    message = serializers.CharField(help_text="In the request's language.")


class RealEstateImportReportSerializer(serializers.Serializer):
    run = serializers.UUIDField(
        source="run.pk", help_text="The import's record (`GET /api/v1/imports/{run_id}/`)."
    )
    kind = serializers.CharField(source="run.kind")
    status = serializers.ChoiceField(
        source="run.status",
        choices=ImportStatus.choices,
        help_text="`applied` (written), `checked` (a dry run without errors) or `refused`.",
    )
    dry_run = serializers.BooleanField(source="run.dry_run")
    rows_read = serializers.IntegerField(source="run.rows_read")
    created = serializers.IntegerField(
        source="rows_created", help_text="Rows that created a record (a dry run: would)."
    )
    updated = serializers.IntegerField(
        source="rows_updated",
        help_text="Rows whose reference named a record they changed (a dry run: would).",
    )
    unchanged = serializers.IntegerField(
        source="rows_unchanged", help_text="Rows whose record already was as they say."
    )
    errors = RealEstateImportLineSerializer(
        many=True, help_text="Every reason the file was refused, in file order (at most 500)."
    )


class RealEstateImportRefusedErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField()
    lines = RealEstateImportLineSerializer(
        many=True, required=False, help_text="With `import_refused` only: every line's errors."
    )


class RealEstateImportRefusedSerializer(serializers.Serializer):
    """A 400: the standard error shape; ``import_refused`` adds ``error.lines`` and
    ``report`` (the other 400s, ``invalid`` and ``agency_kind_not_supported``, have
    neither)."""

    error = RealEstateImportRefusedErrorSerializer()
    report = RealEstateImportReportSerializer(
        required=False, help_text="With `import_refused` only: the whole report."
    )


def _refused(report) -> dict:
    count = report.run.error_count
    message = ngettext(
        "The file was refused (%(count)d error): nothing was imported.",
        "The file was refused (%(count)d errors): nothing was imported.",
        count,
    ) % {"count": count}
    body = error_body(ImportsError.IMPORT_REFUSED, message)
    data = RealEstateImportReportSerializer(report).data
    body["error"]["lines"] = data["errors"]
    body["report"] = data
    return body


class _AgencyImportView(GenericAPIView):
    parser_classes = [MultiPartParser]  # an upload endpoint: multipart/form-data only
    serializer_class = RealEstateImportReportSerializer
    filter_backends: list = []
    pagination_class = None
    throttle_scope = THROTTLE_SCOPE
    kind = ""
    action = ""

    def run_import(self, request, organization_id) -> Response:
        organization = agency_for(
            user=request.user, organization_id=organization_id, action=self.action
        )
        body = RealEstateImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = import_file_report(
            user=request.user,
            organization=organization,
            kind=self.kind,
            upload=body.validated_data["file"],
            dry_run=body.validated_data["dry_run"],
        )
        if report.run.status == ImportStatus.REFUSED:
            return Response(_refused(report), status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_200_OK if report.run.dry_run else status.HTTP_201_CREATED
        return Response(RealEstateImportReportSerializer(report).data, status=code)


def _schema(summary: str, description: str):
    return extend_schema(
        tags=TAG,
        summary=summary,
        description=description
        + "\n\nMultipart: `file`, `dry_run`. Every row is checked with the rules of the "
        "single creation (the same serializers and services), then everything is written "
        "in one transaction, or nothing.\n\n201: written (`status` `applied`); 200: a dry "
        "run without errors (`checked`; `created`/`updated` say what it would do).\n\n"
        "400 `import_refused`: nothing written; the standard error shape whose `error` has "
        "`lines` (`{line, column, code, message}`: the header is line 1) and whose body "
        "has `report`. Other 400s: `invalid` (no file), `agency_kind_not_supported`. 403 "
        "below manager; 404 another organisation; 429 `throttled`.\n\nCaps: the file's "
        "size (2 MiB by default), 5,000 rows, 50 columns, 5,000 characters a cell "
        "(settings `IMPORT_MAX_*`), at most 1,000 rows written by one file (setting "
        "`REALESTATE_IMPORT_MAX_ROWS`: rows go through the same services as the API, "
        "synchronously), and each field's own length.",
        parameters=[ORG_ID],
        request={"multipart/form-data": RealEstateImportUploadSerializer},
        responses={
            200: RealEstateImportReportSerializer,
            201: RealEstateImportReportSerializer,
            400: OpenApiResponse(
                RealEstateImportRefusedSerializer,
                description="Refused (`import_refused`, with `lines` and `report`), or invalid.",
            ),
        },
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    ImportsError.IMPORT_REFUSED,
                    RealEstateError.AGENCY_KIND_NOT_SUPPORTED,
                ],
                403: [CoreError.PERMISSION_DENIED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )


class AgencyPropertyImportView(_AgencyImportView):
    kind = PROPERTIES_KIND
    action = PROPERTIES_MANAGE

    @_schema(
        "Import properties from a CSV or XLSX file (managers and above)",
        "One property per line (columns: `GET /api/v1/imports/kinds/`, kind "
        "`realestate.properties`), matched on `external_ref`: a new reference creates a "
        "property, a known one updates it with the cells filled in (empty cells keep the "
        "current values), a row as the property already is changes nothing — importing a "
        "file again duplicates nothing. `region` is a region code, `agent` an agent's email "
        "or user id, `features` a comma-separated list. The plan's listings and agents "
        "limits apply row by row (`plan_limit_reached` on the lines past them).",
    )
    def post(self, request, organization_id):
        return self.run_import(request, organization_id)


class AgencyClientImportView(_AgencyImportView):
    kind = CLIENTS_KIND
    action = CRM_MANAGE

    @_schema(
        "Import clients from a CSV or XLSX file (managers and above)",
        "One client per line (columns: `GET /api/v1/imports/kinds/`, kind "
        "`realestate.clients`), matched on `external_ref`: a new reference creates a "
        "client, a known one updates it with the cells filled in, a row as the client "
        "already is changes nothing. Phones are read in the agency's country; "
        "`consent_given` true records the GDPR consent now.",
    )
    def post(self, request, organization_id):
        return self.run_import(request, organization_id)
