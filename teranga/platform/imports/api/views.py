"""Bulk import: the kinds (and their columns and template files), the upload (multipart;
a dry run or the real thing, all or nothing) and an organisation's record of imports.

Who: the organisation's managers and above (``imports.run``, and the product's own
action of the kind, e.g. managing its catalogue); the record also to platform staff
(``imports.view``). Another organisation answers 404, a lower role 403. Uploads are
throttled per user (scope ``imports``, ``THROTTLE_IMPORTS``)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from teranga.core.errors import CoreError, error_body
from teranga.core.pagination import PageNumberPagination
from teranga.core.schema import error_codes
from teranga.core.serializers import ErrorSerializer
from teranga.core.throttling import UserRateThrottle
from teranga.core.validators import parse_uuid
from teranga.platform.organizations.access import get_organization_for
from teranga.platform.organizations.errors import OrganizationError

from .. import selectors, services
from ..apps import DEFAULT_RATE, THROTTLE_SCOPE
from ..errors import ImportsError as E
from ..models import ImportRun, ImportStatus
from ..template_files import (
    CSV_CONTENT_TYPE,
    DELIMITERS,
    XLSX_CONTENT_TYPE,
    template_csv,
    template_xlsx,
)
from . import serializers as s

TAG = ["imports"]
KIND = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, description="A kind of import."
)
RUN_ID = OpenApiParameter("run_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
ERROR_403 = OpenApiResponse(ErrorSerializer, description="Role too low (managers and above)")
ERROR_404 = OpenApiResponse(ErrorSerializer, description="No such organisation, or not a member")


class ImportThrottle(UserRateThrottle):
    """Per user, scope ``imports``; only uploads count."""

    scope = THROTTLE_SCOPE

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_RATE

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


def _kind_rows() -> list[dict]:
    return [
        {
            "kind": kind,
            "label": str(importer.label),
            "description": str(importer.description),
            "columns": [
                {
                    "name": column.name,
                    "type": column.type,
                    "required": column.required,
                    "help": str(column.help),
                    "choices": list(column.choices),
                    "example": column.example,
                }
                for column in importer.columns
            ],
        }
        for kind, importer in selectors.importer_kinds()
    ]


class KindListView(GenericAPIView):
    serializer_class = s.KindSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(
        tags=TAG,
        summary="What can be imported, and the columns of each kind",
        description="Every kind the installed products offer (`<product>.<what>`), with "
        "its columns: header name, type, whether a value is required, help and an example, "
        "in my language. Files are CSV or XLSX; their first line names the columns (in any "
        "order; optional ones may be left out).",
        responses={200: s.KindSerializer(many=True)},
    )
    def get(self, request):
        return Response(s.KindSerializer(_kind_rows(), many=True).data)


class _TemplateView(GenericAPIView):
    filter_backends: list = []
    pagination_class = None

    def perform_content_negotiation(self, request, force=False):
        # Errors are JSON; the file is a plain HTTP response.
        return JSONRenderer(), JSONRenderer.media_type

    def file(self, content: bytes, content_type: str, kind: str, extension: str):
        response = HttpResponse(content, content_type=content_type)
        name = f"{kind.replace('.', '-')}-template.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class TemplateCsvView(_TemplateView):
    @extend_schema(
        tags=TAG,
        summary="A CSV template of a kind of import",
        description="UTF-8 with a byte-order mark: the header and an example row. "
        "`delimiter=semicolon` for Excel in French. 404 `import_kind_unknown`.",
        parameters=[KIND, s.TemplateQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV file"),
            404: OpenApiResponse(ErrorSerializer, description="No such kind"),
        },
        extensions=error_codes({400: [CoreError.INVALID], 404: [E.IMPORT_KIND_UNKNOWN]}),
    )
    def get(self, request, kind):
        importer = selectors.importer_for(kind, missing="not_found")
        query = s.TemplateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        delimiter = DELIMITERS[query.validated_data["delimiter"]]
        content = template_csv(importer, delimiter=delimiter)
        return self.file(content, CSV_CONTENT_TYPE, kind, "csv")


class TemplateXlsxView(_TemplateView):
    @extend_schema(
        tags=TAG,
        summary="An XLSX template of a kind of import",
        description="The import sheet (header and an example row) and a help sheet that "
        "explains each column in my language. 404 `import_kind_unknown`.",
        parameters=[KIND],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY, description="XLSX workbook"
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such kind"),
        },
        extensions=error_codes({404: [E.IMPORT_KIND_UNKNOWN]}),
    )
    def get(self, request, kind):
        importer = selectors.importer_for(kind, missing="not_found")
        return self.file(template_xlsx(importer), XLSX_CONTENT_TYPE, kind, "xlsx")


def refused_body(run: ImportRun, errors) -> dict:
    message = ngettext(
        "The file was refused (%(count)d error): nothing was imported.",
        "The file was refused (%(count)d errors): nothing was imported.",
        run.error_count,
    ) % {"count": run.error_count}
    body = error_body(E.IMPORT_REFUSED, message)
    body["error"]["lines"] = [error.as_dict() for error in errors]
    body["run"] = s.ImportRunSerializer(run).data
    return body


class ImportListCreateView(GenericAPIView):
    serializer_class = s.ImportRunSerializer
    filter_backends: list = []
    pagination_class = PageNumberPagination

    def get_parsers(self):
        # Only the upload is multipart; the list is a plain GET.
        if getattr(self, "request", None) is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def get_throttles(self):
        return [*super().get_throttles(), ImportThrottle()]

    @extend_schema(
        tags=TAG,
        summary="An organisation's imports (managers and above, staff)",
        description="Newest first, page-number paginated, without their errors "
        "(`GET /api/v1/imports/{run_id}/` has them); `kind` and `status` keep those of one "
        "kind or status. 400 `invalid` without a valid "
        "`organization`; 404 for another organisation; 403 below manager.",
        parameters=[s.RunListQuerySerializer],
        responses={200: s.ImportRunSerializer(many=True), 403: ERROR_403, 404: ERROR_404},
        extensions=error_codes(
            {
                400: [CoreError.INVALID],
                403: [CoreError.PERMISSION_DENIED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND, CoreError.NOT_FOUND],
            }
        ),
    )
    def get(self, request):
        query = s.RunListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        runs = selectors.runs_of(
            user=request.user,
            organization_id=data["organization"],
            kind=data.get("kind", ""),
            status=data.get("status", ""),
        )
        page = self.paginate_queryset(runs)
        return self.get_paginated_response(s.ImportRunSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG,
        summary="Import a CSV or XLSX file, or check it (dry run)",
        description="Multipart: `organization`, `kind`, `file`, `dry_run`. Every row is "
        "checked with the product's own rules, duplicates inside the file and against "
        "what exists included; then everything is written in one transaction, or nothing. "
        "A dry run checks everything (the writing too) and keeps nothing.\n\n"
        "201: the record of the import: `status` `applied` (every row written) or `checked` "
        "(a dry run without errors).\n\n"
        "400 `import_refused`: nothing was written; the standard error shape whose `error` "
        "also has `lines` (every reason, by line: `{line, column, code, message}`, the "
        "header being line 1, in file order) and whose body has `run` (the record, status "
        "`refused`). Other 400s (`invalid`, `import_kind_unknown` on `kind`) have the "
        "standard shape only. 404 for another organisation; 403 below manager (or without "
        "the product's own right); 429 `throttled` (per user).\n\n"
        "Caps: the file's size (2 MiB by default), 5,000 rows, 50 columns and 5,000 "
        "characters a cell (settings `IMPORT_MAX_*`).",
        request={"multipart/form-data": s.ImportUploadSerializer},
        responses={
            201: s.ImportRunDetailSerializer,
            400: OpenApiResponse(
                s.ImportRefusedSerializer,
                description="Refused (`import_refused`, with `lines` and `run`), or invalid.",
            ),
            403: ERROR_403,
            404: ERROR_404,
        },
        extensions=error_codes(
            {
                400: [CoreError.INVALID, E.IMPORT_REFUSED, E.IMPORT_KIND_UNKNOWN],
                403: [CoreError.PERMISSION_DENIED],
                404: [OrganizationError.ORGANIZATION_NOT_FOUND],
            }
        ),
    )
    def post(self, request):
        # Who may import into the organisation is checked before the body is: a stranger
        # learns nothing from it.
        organization_id = parse_uuid(request.data.get("organization"))
        organization = None
        if organization_id is not None:
            organization = get_organization_for(
                request.user, organization_id, selectors.IMPORTS_RUN
            )
        body = s.ImportUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if organization is None or organization.pk != data["organization"]:
            organization = get_organization_for(
                request.user, data["organization"], selectors.IMPORTS_RUN
            )
        run, errors = services.import_file(
            user=request.user,
            organization=organization,
            kind=data["kind"],
            upload=data["file"],
            dry_run=data["dry_run"],
        )
        if run.status == ImportStatus.REFUSED:
            return Response(refused_body(run, errors), status=status.HTTP_400_BAD_REQUEST)
        return Response(s.ImportRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


class ImportDetailView(GenericAPIView):
    serializer_class = s.ImportRunDetailSerializer
    filter_backends: list = []

    @extend_schema(
        tags=TAG,
        summary="One import, with its errors (managers and above, staff)",
        description="404 `import_not_found` for an import of another organisation.",
        parameters=[RUN_ID],
        responses={200: s.ImportRunDetailSerializer},
        extensions=error_codes({404: [E.IMPORT_NOT_FOUND], 403: [CoreError.PERMISSION_DENIED]}),
    )
    def get(self, request, run_id):
        run = selectors.run_for(user=request.user, run_id=run_id)
        return Response(s.ImportRunDetailSerializer(run).data)
