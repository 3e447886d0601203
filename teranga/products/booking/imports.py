"""What Booking imports from CSV and XLSX files (``teranga.platform.imports``): services
(``booking.services``) and the weekly availability rules of resources
(``booking.availability_rules``).

Rows are checked by the product's own rules: the API's serializers (types, ranges,
choices), then for services the same checks as ``services.catalog.service_create``
(duration steps, price limits, payment mode and deposit, the model's validation). The
database's constraints are left to the insert (the checks above cover them), so a row
costs no query. Rules are written through the scheduling engine's ``rules_create``, per
resource, which refuses overlaps with the resource's rules and between the file's rows.

Services are written in bulk: their resources (one of kind "service" named after each
service that names none, as ``service_create`` does), the services, their tags — a
fixed number of queries for the file, plus one ``get_or_create`` per distinct tag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from teranga.core.errors import ApplicationError, ValidationFailed
from teranga.core.public_cache import scopes_bump
from teranga.platform.imports.extensions import (
    Column,
    ColumnType,
    Importer,
    ImportRow,
    LineError,
    NameIndex,
    RowsRefused,
    name_key,
    serializer_data,
    split_list,
)
from teranga.platform.organizations.models import Organization
from teranga.platform.scheduling import services as scheduling
from teranga.platform.scheduling.models import AvailabilityRule, Resource, ResourceKind
from teranga.products.booking.errors import BookingError

from .api.catalog_serializers import RuleFieldsSerializer, ServiceCreateSerializer
from .models import PaymentMode, Service, ServiceCategory
from .public_cache import SERVICES as SERVICES_SCOPE
from .services.catalog import (
    MAX_TAGS,
    SERVICE_ORGANIZATION_KINDS,
    _check_duration,
    _check_price,
    _resolve_tags,
    _settle_payment,
)

CATALOG_MANAGE = "booking.catalog.manage"
BATCH = 500

T = ColumnType


def _tags_help() -> str:
    return _("At most %(count)d tags, separated by commas.") % {"count": MAX_TAGS}


def _int(name: str, help_text, example: str = "", required: bool = False) -> Column:
    return Column(name, T.INTEGER, required=required, help=help_text, example=example)


SERVICE_COLUMNS = [
    Column(
        "name",
        T.TEXT,
        required=True,
        help=gettext_lazy("The service's name."),
        example="Coupe homme",
    ),
    Column("description", T.TEXT, help=gettext_lazy("What the client gets."), example=""),
    Column(
        "category",
        T.REFERENCE,
        help=gettext_lazy("A category's slug (the list of categories of the catalogue)."),
        example="",
    ),
    Column(
        "tags",
        T.LIST,
        help=lazy(_tags_help, str)(),
        example="coiffure, homme",
    ),
    _int(
        "price_amount",
        gettext_lazy(
            "Price in minor units of the organisation's currency (XOF: francs; EUR: cents); "
            "0 or empty: free."
        ),
        "5000",
    ),
    Column(
        "payment_mode",
        T.CHOICE,
        help=gettext_lazy("How it is paid (a free service is paid on site)."),
        choices=PaymentMode.values,
        example="on_site",
    ),
    _int("deposit_amount", gettext_lazy("With the deposit mode: the deposit, in minor units.")),
    _int("deposit_percent", gettext_lazy("With the deposit mode: the deposit, 1 to 99 %.")),
    _int(
        "duration_minutes",
        gettext_lazy("5 to 480 minutes, a multiple of 5."),
        "30",
        required=True,
    ),
    _int("buffer_before_minutes", gettext_lazy("Free time before each booking (minutes).")),
    _int("buffer_after_minutes", gettext_lazy("Free time after each booking (minutes).")),
    _int("min_notice_minutes", gettext_lazy("How long before it starts it may be booked.")),
    _int("max_advance_days", gettext_lazy("How many days ahead it may be booked.")),
    _int("capacity", gettext_lazy("Clients per slot (1 to 500).")),
    Column(
        "requires_confirmation",
        T.BOOLEAN,
        help=gettext_lazy("Reservations wait for the business to confirm them."),
    ),
    _int("cancellation_notice_hours", gettext_lazy("Clients cannot cancel later than this.")),
    _int("reschedule_notice_hours", gettext_lazy("Clients cannot reschedule later than this.")),
    Column("is_active", T.BOOLEAN, help=gettext_lazy("Offered now (default: yes).")),
    Column(
        "resource",
        T.REFERENCE,
        help=gettext_lazy(
            "The name or id of the resource whose availability gives the slots; empty: "
            "one named after the service is created."
        ),
    ),
]


# --- Services ----------------------------------------------------------------------------


class _ServiceRowSerializer(ServiceCreateSerializer):
    """The API's serializer, with the category as a slug looked up in the context (a
    query per row otherwise)."""

    category = serializers.CharField(required=False, allow_blank=True, max_length=60)


@dataclass
class ServiceContext:
    organization: Organization
    categories: dict[str, ServiceCategory]
    resources: NameIndex
    existing_names: set[str]
    serializer: _ServiceRowSerializer = field(default_factory=_ServiceRowSerializer)


@dataclass
class ServiceRow:
    service: Service
    tags: list[str] = field(default_factory=list)


def _services_prepare(*, organization: Organization) -> ServiceContext:
    if organization.kind not in SERVICE_ORGANIZATION_KINDS:
        message = _("Only businesses can publish bookable services.")
        raise ValidationFailed(message, code=BookingError.ORGANIZATION_KIND_NOT_SUPPORTED)
    return ServiceContext(
        organization=organization,
        categories={category.slug: category for category in ServiceCategory.objects.all()},
        resources=NameIndex(
            Resource.objects.filter(organization=organization).values_list("pk", "name")
        ),
        existing_names={
            name_key(name)
            for name in Service.objects.filter(organization=organization).values_list(
                "name", flat=True
            )
        },
    )


def _services_validate(row: dict[str, str], *, context: ServiceContext) -> ServiceRow:
    errors: dict[str, list] = {}
    data: dict[str, Any] = {**row, "organization": str(context.organization.pk)}
    data["tags"] = split_list(row.get("tags"))
    data.pop("resource", None)
    if "resource" in row:
        resource_id = context.resources.lookup(row["resource"], column="resource", errors=errors)
        data["resource"] = str(resource_id) if resource_id else None
    slug = (row.get("category") or "").strip().lower()
    category = context.categories.get(slug) if slug else None
    if slug and category is None:
        errors["category"] = [_("No such category: %(slug)s.") % {"slug": row["category"]}]
    fields = serializer_data(context.serializer, data, errors)
    fields.pop("organization")
    fields.pop("category", None)
    tags = fields.pop("tags", [])
    resource_id = fields.pop("resource", None)
    name, duration = fields.pop("name"), fields.pop("duration_minutes")
    # What service_create does, without its writes.
    service = Service(
        organization=context.organization,
        name=name,
        duration_minutes=duration,
        category=category,
        currency=context.organization.currency,
        resource_id=resource_id,
        **fields,
    )
    _check_duration(service.duration_minutes)
    _check_price(service.price_amount, service.currency)
    _settle_payment(service, set(fields))
    # Foreign keys are checked above (their validation queries), constraints at insert.
    service.full_clean(
        exclude=["organization", "resource", "category"],
        validate_unique=False,
        validate_constraints=False,
    )
    return ServiceRow(service=service, tags=tags)


def _service_key(row: ServiceRow) -> str:
    return name_key(row.service.name)


def _services_write(
    rows: list[ImportRow], *, organization: Organization, context: ServiceContext
) -> int:
    # Tags: one get_or_create per distinct name (the product's rule for their slugs).
    tags_by_name: dict[str, Any] = {}
    refused: list[LineError] = []
    for name in sorted({name for row in rows for name in row.data.tags}):
        try:
            tags_by_name[name] = _resolve_tags([name])[0]
        except ApplicationError as error:
            refused += [
                LineError(row.line, "tags", str(error.code), message)
                for row in rows
                if name in row.data.tags
                for message in error.fields.get("tags", [error.message])
            ]
    if refused:
        raise RowsRefused(refused)
    services = [row.data.service for row in rows]
    own = [service for service in services if service.resource_id is None]
    resources = Resource.objects.bulk_create(
        [
            Resource(organization=organization, name=service.name[:200], kind=ResourceKind.SERVICE)
            for service in own
        ],
        batch_size=BATCH,
    )
    for service, resource in zip(own, resources, strict=True):
        service.resource = resource
    Service.objects.bulk_create(services, batch_size=BATCH)
    through = Service.tags.through
    links = {(row.data.service.pk, tags_by_name[name].pk) for row in rows for name in row.data.tags}
    through.objects.bulk_create(
        [through(service_id=service_id, tag_id=tag_id) for service_id, tag_id in links],
        batch_size=BATCH,
    )
    # bulk_create sends no signal: the public catalogue's cache is bumped here.
    scopes_bump(SERVICES_SCOPE)
    return len(services)


SERVICES_IMPORTER = Importer(
    label=gettext_lazy("Booking services"),
    description=gettext_lazy(
        "The services a business offers, one per line; names are unique in the business."
    ),
    action=CATALOG_MANAGE,
    columns=SERVICE_COLUMNS,
    prepare=_services_prepare,
    validate=_services_validate,
    key=_service_key,
    existing_keys=lambda context: context.existing_names,
    key_column="name",
    write=_services_write,
)


# --- Availability rules ------------------------------------------------------------------

RULE_COLUMNS = [
    Column(
        "resource",
        T.REFERENCE,
        required=True,
        help=gettext_lazy(
            "The name or id of the resource (a service's own resource has the service's name)."
        ),
        example="Coupe homme",
    ),
    Column(
        "weekday",
        T.INTEGER,
        required=True,
        help=gettext_lazy("0 (Monday) to 6 (Sunday)."),
        example="0",
    ),
    Column(
        "starts_at", T.TIME, required=True, help=gettext_lazy("HH:MM, local time."), example="09:00"
    ),
    Column(
        "ends_at", T.TIME, required=True, help=gettext_lazy("HH:MM, local time."), example="17:00"
    ),
    Column("break_start", T.TIME, help=gettext_lazy("Optional break: its start."), example="13:00"),
    Column("break_end", T.TIME, help=gettext_lazy("Optional break: its end."), example="14:00"),
    Column(
        "valid_from",
        T.DATE,
        help=gettext_lazy("YYYY-MM-DD: the first day it applies (empty: always)."),
    ),
    Column(
        "valid_until",
        T.DATE,
        help=gettext_lazy("YYYY-MM-DD: the last day it applies (empty: always)."),
    ),
]
RULE_FIELDS = [column.name for column in RULE_COLUMNS if column.name != "resource"]


@dataclass
class RuleContext:
    resources: NameIndex
    existing: set[tuple]
    serializer: RuleFieldsSerializer = field(default_factory=RuleFieldsSerializer)


def _rule_key_of(resource_id, rule: dict[str, Any]) -> tuple:
    return (str(resource_id), *(rule.get(name) for name in RULE_FIELDS))


def _rules_prepare(*, organization: Organization) -> RuleContext:
    resources = NameIndex(
        Resource.objects.filter(organization=organization).values_list("pk", "name")
    )
    existing = {
        _rule_key_of(values["resource_id"], values)
        for values in AvailabilityRule.objects.filter(organization=organization).values(
            "resource_id", *RULE_FIELDS
        )
    }
    return RuleContext(resources=resources, existing=existing)


def _rules_validate(row: dict[str, str], *, context: RuleContext) -> dict[str, Any]:
    errors: dict[str, list] = {}
    resource_id = context.resources.lookup(
        row.get("resource", ""), column="resource", errors=errors
    )
    data = {name: value for name, value in row.items() if name != "resource"}
    validated = serializer_data(context.serializer, data, errors)
    rule = {name: validated.get(name) for name in RULE_FIELDS}
    return {"resource_id": resource_id, "rule": rule}


def _rule_key(cleaned: dict[str, Any]) -> tuple:
    return _rule_key_of(cleaned["resource_id"], cleaned["rule"])


def _failed_indexes(error: ValidationFailed, count: int) -> dict[int, dict[str, list[str]]]:
    """``index -> {field: messages}`` of what ``rules_create`` refused (its fields are
    ``rules.<index>.<field>`` for several rules, the fields themselves for one)."""
    if count == 1:
        return {0: error.fields or {"starts_at": [error.message]}}
    found = {}
    for index, fields in (error.fields.get("rules") or {}).items():
        if str(index).isdigit() and isinstance(fields, dict):
            found[int(index)] = fields
    return found


def _rules_write(rows: list[ImportRow], *, organization: Organization, context: RuleContext) -> int:
    """Per resource, ``rules_create`` with all its rows; a refused row is reported and
    taken out, and the rest tried again (each try in a savepoint): every error is found
    in at most one try per refused row."""
    by_resource: dict[Any, list[ImportRow]] = {}
    for row in rows:
        by_resource.setdefault(row.data["resource_id"], []).append(row)
    refused: list[LineError] = []
    written = 0
    for resource_id, pending in by_resource.items():
        while pending:
            try:
                with transaction.atomic():
                    scheduling.rules_create(
                        organization=organization,
                        resource_id=resource_id,
                        rules=[dict(row.data["rule"]) for row in pending],
                    )
            except ValidationFailed as error:
                failed = _failed_indexes(error, len(pending))
                if not failed:  # not a row's fault: every pending row is refused with it
                    failed = dict.fromkeys(range(len(pending)), {"resource": [error.message]})
                for index, fields in failed.items():
                    for column, messages in fields.items():
                        for message in messages if isinstance(messages, list) else [messages]:
                            refused.append(
                                LineError(
                                    pending[index].line, column, str(error.code), str(message)
                                )
                            )
                pending = [row for index, row in enumerate(pending) if index not in failed]
            else:
                written += len(pending)
                break
    if refused:
        raise RowsRefused(refused)
    return written


RULES_IMPORTER = Importer(
    label=gettext_lazy("Booking availability rules"),
    description=gettext_lazy(
        "Weekly opening hours of resources, one rule per line; rules of a resource never overlap."
    ),
    action=CATALOG_MANAGE,
    columns=RULE_COLUMNS,
    prepare=_rules_prepare,
    validate=_rules_validate,
    key=_rule_key,
    existing_keys=lambda context: context.existing,
    key_column="starts_at",
    write=_rules_write,
)

IMPORTERS = {
    "booking.services": SERVICES_IMPORTER,
    "booking.availability_rules": RULES_IMPORTER,
}
