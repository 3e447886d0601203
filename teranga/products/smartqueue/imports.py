"""What SmartQueue imports from CSV and XLSX files (``teranga.platform.imports``):
services (``smartqueue.services``) and counters (``smartqueue.counters``).

Rows are checked by the product's own rules: the API's serializers, then the model's
validation (services). Services are written in bulk, after one query that checks the
SMS keywords against every service of Teranga (they are unique across it). Counters go
through ``services.catalog.counter_create`` one by one, each in a savepoint: it checks
the branch, the queues and the plan's limit on counters as the API does (a counter file
is a few dozen lines; the plan caps how many there can be).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from teranga.core.errors import ApplicationError
from teranga.core.money import CURRENCY_CHOICES
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
from teranga.platform.organizations.models import Branch, Organization
from teranga.products.smartqueue.errors import SmartQueueError

from .access import QUEUE_MANAGE
from .api.catalog_serializers import SqCounterCreateSerializer, SqServiceCreateSerializer
from .models import Counter, Queue, QueueService, ServiceCategory, Strategy, TicketClass
from .public_cache import services_scope
from .services import catalog as services

T = ColumnType
BATCH = 500


def _int(name: str, help_text, example: str = "") -> Column:
    return Column(name, T.INTEGER, help=help_text, example=example)


SERVICE_COLUMNS = [
    Column(
        "name",
        T.TEXT,
        required=True,
        help=gettext_lazy("The service's name."),
        example="Ouverture de compte",
    ),
    Column("description", T.TEXT, help=gettext_lazy("What the client comes for.")),
    Column(
        "category",
        T.CHOICE,
        help=gettext_lazy("Its category (default: other)."),
        choices=ServiceCategory.values,
        example="banking",
    ),
    _int("price_amount", gettext_lazy("Price in minor units; 0 or empty: free."), "0"),
    Column(
        "currency",
        T.CHOICE,
        help=gettext_lazy("The price's currency (default: XOF)."),
        choices=[code for code, _label in CURRENCY_CHOICES],
        example="XOF",
    ),
    _int(
        "average_service_minutes",
        gettext_lazy("Average time at the counter, for wait estimates (1 to 240)."),
        "10",
    ),
    Column(
        "sms_keyword",
        T.TEXT,
        help=gettext_lazy("2 to 12 capital letters or digits, unique across Teranga."),
    ),
    _int("appointment_minutes", gettext_lazy("Length of an appointment (5 to 240).")),
    _int("appointment_capacity", gettext_lazy("Appointments per slot (1 to 50).")),
    _int(
        "appointment_min_notice_minutes",
        gettext_lazy("How long before it starts an appointment may be taken."),
    ),
    _int("appointment_max_advance_days", gettext_lazy("How many days ahead (1 to 365).")),
    _int("checkin_opens_minutes", gettext_lazy("Check-in opens this long before (minutes).")),
    _int("checkin_closes_minutes", gettext_lazy("Check-in closes this long after (minutes).")),
    Column("is_active", T.BOOLEAN, help=gettext_lazy("Offered now (default: yes).")),
]


# --- Services ----------------------------------------------------------------------------


@dataclass
class ServiceContext:
    organization: Organization
    existing_names: set[str]
    serializer: SqServiceCreateSerializer = field(default_factory=SqServiceCreateSerializer)


def _services_prepare(*, organization: Organization) -> ServiceContext:
    names = QueueService.objects.filter(organization=organization).values_list("name", flat=True)
    return ServiceContext(organization=organization, existing_names={name_key(n) for n in names})


def _services_validate(row: dict[str, str], *, context: ServiceContext) -> QueueService:
    data = {**row, "organization": str(context.organization.pk)}
    fields = serializer_data(context.serializer, data, {})
    fields.pop("organization")
    service = QueueService(organization=context.organization, **fields)
    # The model's validators; the keyword's uniqueness is checked for the whole file.
    service.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    return service


def _keyword_taken(line: int) -> LineError:
    message = _("This SMS keyword is already used.")
    return LineError(line, "sms_keyword", SmartQueueError.SMS_KEYWORD_TAKEN, message)


def _services_write(
    rows: list[ImportRow], *, organization: Organization, context: ServiceContext
) -> int:
    by_keyword: dict[str, list[int]] = {}
    for row in rows:
        if row.data.sms_keyword:
            by_keyword.setdefault(row.data.sms_keyword, []).append(row.line)
    taken = set(
        QueueService.objects.filter(sms_keyword__in=list(by_keyword)).values_list(
            "sms_keyword", flat=True
        )
    )
    refused = [
        _keyword_taken(line)
        for keyword, lines in by_keyword.items()
        for position, line in enumerate(lines)
        if keyword in taken or position > 0
    ]
    if refused:
        raise RowsRefused(refused)
    try:
        with transaction.atomic():
            QueueService.objects.bulk_create([row.data for row in rows], batch_size=BATCH)
    except IntegrityError:  # another service took a keyword at the same moment
        raise RowsRefused([_keyword_taken(line) for lines in by_keyword.values() for line in lines])
    # bulk_create sends no signal: the public catalogue's cache is bumped here.
    scopes_bump(services_scope(organization.pk))
    return len(rows)


SERVICES_IMPORTER = Importer(
    label=gettext_lazy("SmartQueue services"),
    description=gettext_lazy(
        "The services an organisation offers at its queues, one per line; names are unique "
        "in the organisation."
    ),
    action=QUEUE_MANAGE,
    columns=SERVICE_COLUMNS,
    prepare=_services_prepare,
    validate=_services_validate,
    key=lambda service: name_key(service.name),
    existing_keys=lambda context: context.existing_names,
    key_column="name",
    write=_services_write,
)


# --- Counters ----------------------------------------------------------------------------

COUNTER_COLUMNS = [
    Column(
        "branch",
        T.REFERENCE,
        required=True,
        help=gettext_lazy("The name or id of an active branch of the organisation."),
        example="Agence Plateau",
    ),
    Column(
        "name",
        T.TEXT,
        required=True,
        help=gettext_lazy("What the board shows, unique in the branch."),
        example="Guichet 3",
    ),
    Column(
        "queues",
        T.LIST,
        help=gettext_lazy("The letters (or ids) of the branch's queues it serves, e.g. A, P."),
        example="A, P",
    ),
    Column(
        "strategy",
        T.CHOICE,
        help=gettext_lazy("How it calls across its queues (default: strict priority)."),
        choices=Strategy.values,
        example="priority",
    ),
    Column(
        "weights",
        T.TEXT,
        help=gettext_lazy(
            "Mixed strategy: tickets of each class per round, e.g. priority=2, normal=1."
        ),
    ),
]


@dataclass
class CounterContext:
    organization: Organization
    branches: NameIndex
    #: (branch id, letter or id) -> queue id, for the active queues.
    queues: dict[tuple[str, str], Any]
    existing: set[tuple[str, str]]
    serializer: SqCounterCreateSerializer = field(default_factory=SqCounterCreateSerializer)


def _counters_prepare(*, organization: Organization) -> CounterContext:
    queues: dict[tuple[str, str], Any] = {}
    for pk, branch_id, prefix in Queue.objects.filter(
        organization=organization, is_active=True
    ).values_list("pk", "branch_id", "prefix"):
        queues[(str(branch_id), prefix.upper())] = pk
        queues[(str(branch_id), str(pk))] = pk
    existing = {
        (str(branch_id), name_key(name))
        for branch_id, name in Counter.objects.filter(
            organization=organization, is_active=True
        ).values_list("branch_id", "name")
    }
    branches = Branch.objects.filter(organization=organization, is_active=True)
    return CounterContext(
        organization=organization,
        branches=NameIndex(branches.values_list("pk", "name")),
        queues=queues,
        existing=existing,
    )


def _weights(text: str) -> dict[str, Any]:
    """``priority=2, normal=1`` (or ``priority:2``) -> ``{"priority": "2", …}``; the
    serializer checks the classes and numbers."""
    weights: dict[str, Any] = {}
    for part in split_list(text):
        name, separator, value = part.replace(":", "=").partition("=")
        if not separator or not name.strip():
            message = _("Write class=weight pairs, e.g. %(example)s.") % {
                "example": f"{TicketClass.PRIORITY}=2, {TicketClass.NORMAL}=1"
            }
            raise ValidationError({"weights": [message]})
        weights[name.strip().lower()] = value.strip()
    return weights


def _counters_validate(row: dict[str, str], *, context: CounterContext) -> dict[str, Any]:
    errors: dict[str, list] = {}
    branch_id = context.branches.lookup(row.get("branch", ""), column="branch", errors=errors)
    queue_ids = []
    for token in split_list(row.get("queues")) if branch_id else []:
        queue_id = context.queues.get((str(branch_id), token.upper())) or context.queues.get(
            (str(branch_id), token.lower())
        )
        if queue_id is None:
            message = _("The branch has no active queue “%(name)s”.") % {"name": token}
            errors.setdefault("queues", []).append(message)
        else:
            queue_ids.append(str(queue_id))
    data: dict[str, Any] = {
        "organization": str(context.organization.pk),
        "branch": str(branch_id or context.organization.pk),
        "name": row.get("name", ""),
        "queues": queue_ids,
    }
    if "strategy" in row:
        data["strategy"] = row["strategy"]
    if "weights" in row:
        try:
            data["weights"] = _weights(row["weights"])
        except ValidationError as error:
            errors.setdefault("weights", []).extend(error.detail["weights"])
    fields = serializer_data(context.serializer, data, errors)
    fields.pop("organization")
    return fields


def _counter_key(fields: dict[str, Any]) -> tuple[str, str]:
    return (str(fields["branch"]), name_key(fields["name"]))


def _counters_write(
    rows: list[ImportRow], *, organization: Organization, context: CounterContext
) -> int:
    refused: list[LineError] = []
    for row in rows:
        fields = dict(row.data)
        try:
            with transaction.atomic():
                services.counter_create(
                    organization=organization, branch_id=fields.pop("branch"), **fields
                )
        except ApplicationError as error:
            columns = [name for name in error.fields if name in {c.name for c in COUNTER_COLUMNS}]
            for column in columns or [None]:
                messages = error.fields.get(column) if column else [error.message]
                for message in messages or [error.message]:
                    refused.append(LineError(row.line, column, str(error.code), str(message)))
    if refused:
        raise RowsRefused(refused)
    return len(rows)


COUNTERS_IMPORTER = Importer(
    label=gettext_lazy("SmartQueue counters"),
    description=gettext_lazy(
        "The counters of branches and the queues each serves, one per line; within the "
        "plan's limit on counters."
    ),
    action=QUEUE_MANAGE,
    columns=COUNTER_COLUMNS,
    prepare=_counters_prepare,
    validate=_counters_validate,
    key=_counter_key,
    existing_keys=lambda context: context.existing,
    key_column="name",
    write=_counters_write,
)

IMPORTERS = {
    "smartqueue.services": SERVICES_IMPORTER,
    "smartqueue.counters": COUNTERS_IMPORTER,
}
