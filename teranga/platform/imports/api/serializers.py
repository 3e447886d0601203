from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, Serializer

from ..extensions import ColumnType
from ..models import KIND_MAX_LENGTH, ImportRun, ImportStatus
from ..selectors import importer_kinds
from ..template_files import DELIMITERS


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The header to write in the file's first line.")
    type = serializers.ChoiceField(
        choices=[(value, value) for value in ColumnType.ALL],
        help_text="What the cells hold (always written as text): `text`, `integer`, "
        "`boolean` (true/false, yes/no, 1/0), `date` (YYYY-MM-DD), `time` (HH:MM), `choice` "
        "(one of `choices`), `list` (values separated by commas), `reference` (the name or "
        "id of an existing object).",
    )
    required = serializers.BooleanField()
    help = serializers.CharField(help_text="What to put there, in my language.")
    choices = serializers.ListField(child=serializers.CharField())
    example = serializers.CharField()


class KindSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="`<product>.<what>`, e.g. the product's services.")
    label = serializers.CharField(help_text="In my language.")
    description = serializers.CharField()
    columns = ColumnSerializer(many=True)


class LineErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        allow_null=True,
        help_text="The line in the file, as a spreadsheet numbers it (the header is line "
        "1); null when the whole file is concerned.",
    )
    column = serializers.CharField(
        allow_null=True, help_text="The column concerned, or null (the row or the file)."
    )
    code = serializers.CharField(
        help_text="Stable: `value_required`, `invalid`, `duplicate_in_file`, "
        "`already_exists`, `column_missing`, `column_unknown`, `column_repeated`, "
        "`cell_too_long`, `too_many_rows`, `too_many_columns`, `file_too_large`, "
        "`file_unreadable`, `file_empty`, or a code of the product's rules "
        "(`price_out_of_range`, `rule_overlap`, `plan_limit_reached` …)."
    )
    message = serializers.CharField(help_text="In the request's language.")


class ImportRunSerializer(BaseModelSerializer):
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    user = serializers.UUIDField(source="user_id", read_only=True, allow_null=True)
    user_name = serializers.SerializerMethodField()
    kind_label = serializers.SerializerMethodField(help_text="In my language.")

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "organization",
            "kind",
            "kind_label",
            "file_name",
            "file_format",
            "dry_run",
            "status",
            "rows_read",
            "rows_valid",
            "rows_written",
            "error_count",
            "duration_ms",
            "user",
            "user_name",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "nullable": True})
    def get_user_name(self, run: ImportRun) -> str | None:
        if run.user is None:
            return None
        return run.user.get_full_name() or run.user.email

    def get_kind_label(self, run: ImportRun) -> str:
        kinds = dict(importer_kinds())
        importer = kinds.get(run.kind)
        return str(importer.label) if importer is not None else run.kind


class ImportRunDetailSerializer(ImportRunSerializer):
    errors = LineErrorSerializer(
        many=True,
        read_only=True,
        help_text="The errors in file order (at most 1,000; `error_count` counts them all).",
    )

    class Meta(ImportRunSerializer.Meta):
        fields = [*ImportRunSerializer.Meta.fields, "errors"]
        read_only_fields = fields


class ImportUploadSerializer(Serializer):
    organization = serializers.UUIDField(help_text="The organisation to import into.")
    kind = serializers.CharField(
        max_length=KIND_MAX_LENGTH, help_text="One of `GET /api/v1/imports/kinds/`."
    )
    file = serializers.FileField(
        help_text="A CSV (UTF-8 with or without byte-order mark, UTF-16 or Windows-1252; "
        "delimiter `,`, `;`, tab or `|`) or XLSX file (its first sheet); the first line "
        "names the columns."
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check everything and write nothing (status `checked`)."
    )


class RunListQuerySerializer(Serializer):
    organization = serializers.UUIDField()
    kind = serializers.CharField(required=False, max_length=KIND_MAX_LENGTH)
    status = serializers.ChoiceField(choices=ImportStatus.choices, required=False)
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)


class TemplateQuerySerializer(Serializer):
    delimiter = serializers.ChoiceField(
        choices=list(DELIMITERS),
        default="comma",
        help_text="CSV only: `comma` (default) or `semicolon` (what Excel in French reads).",
    )


class ImportRefusedErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable: `import_refused`, or a generic code.")
    message = serializers.CharField(help_text="In the request's language.")
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="Per-field messages for invalid input."
    )
    lines = LineErrorSerializer(
        many=True,
        required=False,
        help_text="With `import_refused`: every reason, by line, in file order (at most 1,000).",
    )


class ImportRefusedSerializer(serializers.Serializer):
    error = ImportRefusedErrorSerializer()
    run = ImportRunSerializer(
        required=False, help_text="With `import_refused`: the record of the refused import."
    )
