"""What DIGIT-HAB imports from CSV and XLSX files (``teranga.platform.imports``): the
agency's properties (``realestate.properties``) and clients (``realestate.clients``).

Each row names the agency's own reference of the record (``external_ref``, required): a
row whose reference the agency already has updates that record (only the columns the
row fills), a new reference creates one, and a row exactly as the record already is
changes nothing. Importing the same file again therefore duplicates nothing.

Rows are checked by the product's own rules: the API's serializers of the single
creation (``RealEstatePropertyCreateSerializer``, ``RealEstateClientWriteSerializer``:
types, ranges, choices, text lengths), then written through the same services as the
API (``property_create``/``property_update``, ``client_create``/``client_update``), one
row at a time in a savepoint: the plan's listings and agents limits, the agent's
membership, phone numbers, the history of price, status and agent, the re-matching after
commit and (a property marked sold or rented) the deal's commission are theirs. What a
service refuses is reported on the row's line; as every import, all or nothing.

Properties and clients are imported by the agency's managers and above
(``realestate.properties.manage``, ``realestate.crm.manage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from teranga.core.errors import ApplicationError, ValidationFailed
from teranga.platform.geo.models import Region
from teranga.platform.imports.errors import ImportsError
from teranga.platform.imports.extensions import (
    Column,
    ColumnType,
    Importer,
    ImportRow,
    NameIndex,
    RowsRefused,
    Written,
    serializer_data,
    split_list,
)
from teranga.platform.imports.services import row_errors
from teranga.platform.organizations.models import Membership, Organization, OrganizationKind

from .api.crm_serializers import RealEstateClientWriteSerializer
from .api.serializers import RealEstatePropertyCreateSerializer
from .errors import RealEstateError
from .models import (
    EXTERNAL_REF_MAX_LENGTH,
    Client,
    ClientKind,
    EnergyRating,
    Feature,
    Property,
    PropertyStatus,
    PropertyType,
    TransactionType,
)
from .selectors.access import CRM_MANAGE, PROPERTIES_MANAGE
from .services.crm import client_create, client_differs, client_update
from .services.properties import UNSET, property_create, property_differs, property_update

#: Rows one file may write (``REALESTATE_IMPORT_MAX_ROWS``): each row goes through the
#: services (their checks, history, matching) in the request, about 25 ms a row on a small
#: machine, so an import stays well under a minute. The platform's caps (size, 5,000 rows,
#: cell length) apply first.
DEFAULT_MAX_ROWS = 1_000

PROPERTIES_KIND = "realestate.properties"
CLIENTS_KIND = "realestate.clients"

T = ColumnType


def _ref_column() -> Column:
    return Column(
        "external_ref",
        T.TEXT,
        required=True,
        help=gettext_lazy(
            "Your own reference of the record (at most 100 characters), unique in the "
            "agency: a file imported again updates the records it names instead of "
            "adding them twice."
        ),
        example="REF-0001",
    )


def _int(name: str, help_text, example: str = "", required: bool = False) -> Column:
    return Column(name, T.INTEGER, required=required, help=help_text, example=example)


def _agency_check(organization: Organization) -> None:
    if organization.kind != OrganizationKind.AGENCY:
        raise ValidationFailed(
            _("Only real-estate agencies import properties and clients."),
            code=RealEstateError.AGENCY_KIND_NOT_SUPPORTED,
        )


def _write(rows: list[ImportRow], importer: Importer, one) -> Written:
    """``one(row) -> "created" | "updated" | "unchanged"`` for every row, each in a
    savepoint; what the services refuse is reported by line (nothing is kept then)."""
    cap = getattr(settings, "REALESTATE_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    if len(rows) > cap:
        raise ValidationFailed(
            _("A file imports at most %(count)d rows: split it.") % {"count": cap},
            code=ImportsError.TOO_MANY_ROWS,
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    refused = []
    for row in rows:
        try:
            with transaction.atomic():
                counts[one(row.data)] += 1
        except ApplicationError as error:
            refused += row_errors(error, row.line, importer)
    if refused:
        raise RowsRefused(refused)
    return Written(**counts)


# --- Properties ------------------------------------------------------------------------------

PROPERTY_COLUMNS = [
    _ref_column(),
    Column(
        "property_type",
        T.CHOICE,
        required=True,
        help=gettext_lazy("The kind of property."),
        choices=PropertyType.values,
        example="apartment",
    ),
    Column(
        "transaction",
        T.CHOICE,
        required=True,
        help=gettext_lazy("For sale or for rent."),
        choices=TransactionType.values,
        example="sale",
    ),
    Column(
        "status",
        T.CHOICE,
        help=gettext_lazy(
            "Default: draft for a new property. Sold or rented records the deal's commission."
        ),
        choices=PropertyStatus.values,
        example="available",
    ),
    Column(
        "title",
        T.TEXT,
        required=True,
        help=gettext_lazy("At most 200 characters."),
        example="Appartement F4 à Mermoz",
    ),
    Column(
        "description",
        T.TEXT,
        help=gettext_lazy("Text or simple HTML (sanitised)."),
    ),
    Column("address", T.TEXT, help=gettext_lazy("At most 300 characters.")),
    Column(
        "region",
        T.REFERENCE,
        help=gettext_lazy("A region code (DK for Dakar)."),
        example="DK",
    ),
    Column("commune", T.TEXT, help=gettext_lazy("At most 100 characters."), example="Mermoz"),
    Column(
        "latitude",
        T.TEXT,
        help=gettext_lazy("Decimal degrees, with the longitude."),
        example="14.7061",
    ),
    Column(
        "longitude",
        T.TEXT,
        help=gettext_lazy("Decimal degrees, with the latitude."),
        example="-17.4748",
    ),
    _int(
        "price",
        gettext_lazy("In minor units of the currency (XOF: francs; EUR: cents)."),
        "60000000",
        required=True,
    ),
    Column(
        "currency",
        T.CHOICE,
        help=gettext_lazy("Default XOF."),
        choices=("XOF", "EUR"),
        example="XOF",
    ),
    _int("charges", gettext_lazy("Rentals: monthly charges, in minor units.")),
    _int("deposit", gettext_lazy("Rentals: the deposit, in minor units.")),
    _int("surface", gettext_lazy("Living surface in m²."), "120"),
    _int("land_surface", gettext_lazy("Land surface in m².")),
    _int("rooms", gettext_lazy("Number of rooms."), "4"),
    _int("bedrooms", gettext_lazy("Number of bedrooms."), "3"),
    _int("bathrooms", gettext_lazy("Number of bathrooms.")),
    _int("floor", gettext_lazy("Floor (0: ground floor).")),
    _int("year_built", gettext_lazy("Year of construction.")),
    Column(
        "features",
        T.LIST,
        help=gettext_lazy("Amenities, separated by commas."),
        choices=Feature.values,
        example="parking, air_conditioning",
    ),
    Column("energy_rating", T.CHOICE, help=gettext_lazy("DPE class."), choices=EnergyRating.values),
    Column(
        "climate_rating",
        T.CHOICE,
        help=gettext_lazy("Greenhouse-gas class."),
        choices=EnergyRating.values,
    ),
    Column(
        "agent",
        T.REFERENCE,
        help=gettext_lazy(
            "The email or user id of the agent of the agency in charge; empty: you for a new "
            "property, unchanged for an existing one."
        ),
    ),
]


class _PropertyRowSerializer(RealEstatePropertyCreateSerializer):
    """The API's serializer with the reference, and the region and agent looked up in the
    context (a query per row otherwise)."""

    external_ref = serializers.CharField(max_length=EXTERNAL_REF_MAX_LENGTH)
    region = serializers.CharField(max_length=4, required=False, allow_blank=True)
    agent = serializers.UUIDField(required=False)


@dataclass
class PropertyContext:
    user: Any
    regions: dict[str, Region]
    members: NameIndex
    existing: dict[str, Property]
    serializer: _PropertyRowSerializer = field(default_factory=_PropertyRowSerializer)


@dataclass
class PropertyRow:
    external_ref: str
    fields: dict[str, Any]
    agent_id: Any = UNSET


def _properties_prepare(*, organization: Organization, user) -> PropertyContext:
    _agency_check(organization)
    members = Membership.objects.filter(organization=organization).values_list(
        "user_id", "user__email"
    )
    return PropertyContext(
        user=user,
        regions={region.code.upper(): region for region in Region.objects.all()},
        members=NameIndex(members),
        existing={
            prop.external_ref: prop
            for prop in Property.objects.filter(organization=organization).exclude(external_ref="")
        },
    )


def _properties_validate(row: dict[str, str], *, context: PropertyContext) -> PropertyRow:
    errors: dict[str, list] = {}
    data: dict[str, Any] = {name: value for name, value in row.items() if name != "agent"}
    if "features" in row:
        data["features"] = split_list(row["features"])
    if "agent" in row:
        agent_id = context.members.lookup(row["agent"], column="agent", errors=errors)
        if agent_id:
            data["agent"] = str(agent_id)
    code = (row.get("region") or "").strip().upper()
    region = context.regions.get(code) if code else None
    if code and region is None:
        errors["region"] = [_("No such region: %(code)s.") % {"code": row["region"]}]
    fields = serializer_data(context.serializer, data, errors)
    fields.pop("region", None)
    if code:
        fields["region"] = region
    agent = fields.pop("agent", UNSET)
    fields["external_ref"] = fields["external_ref"].strip()
    return PropertyRow(external_ref=fields["external_ref"], fields=fields, agent_id=agent)


def _properties_write(
    rows: list[ImportRow], *, organization: Organization, context: PropertyContext
) -> Written:
    def one(row: PropertyRow) -> str:
        prop = context.existing.get(row.external_ref)
        if prop is None:
            property_create(
                organization=organization, actor=context.user, agent_id=row.agent_id, **row.fields
            )
            return "created"
        if not property_differs(prop=prop, agent_id=row.agent_id, **row.fields):
            return "unchanged"
        property_update(prop=prop, actor=context.user, agent_id=row.agent_id, **row.fields)
        return "updated"

    return _write(rows, PROPERTIES_IMPORTER, one)


PROPERTIES_IMPORTER = Importer(
    label=gettext_lazy("Real-estate properties"),
    description=gettext_lazy(
        "The agency's properties, one per line, matched on your reference: a new "
        "reference adds a property, a known one updates it with the cells filled in."
    ),
    action=PROPERTIES_MANAGE,
    columns=PROPERTY_COLUMNS,
    prepare=_properties_prepare,
    prepare_takes_user=True,
    validate=_properties_validate,
    key=lambda row: row.external_ref,
    key_column="external_ref",
    write=_properties_write,
)


# --- Clients ---------------------------------------------------------------------------------


def _consent(name: str, help_text) -> Column:
    return Column(name, T.BOOLEAN, help=help_text)


CLIENT_COLUMNS = [
    _ref_column(),
    Column(
        "name",
        T.TEXT,
        required=True,
        help=gettext_lazy("A person's or a company's name (at most 200 characters)."),
        example="Awa Diop",
    ),
    Column(
        "kind",
        T.CHOICE,
        help=gettext_lazy("Default: person."),
        choices=ClientKind.values,
        example="person",
    ),
    Column("email", T.TEXT, help=gettext_lazy("An email address."), example="awa@example.sn"),
    Column(
        "phone",
        T.TEXT,
        help=gettext_lazy("International (+221…) or national."),
        example="+221775475688",
    ),
    Column("notes", T.TEXT, help=gettext_lazy("Private notes of the agency.")),
    _consent(
        "consent_given",
        gettext_lazy("true: the client gave their consent now; false: they withdrew it."),
    ),
    _consent("consent_email", gettext_lazy("Consents to email.")),
    _consent("consent_sms", gettext_lazy("Consents to SMS.")),
    _consent("consent_phone", gettext_lazy("Consents to calls.")),
    _consent("consent_whatsapp", gettext_lazy("Consents to WhatsApp.")),
    _consent("consent_marketing", gettext_lazy("Consents to marketing.")),
]


class _ClientRowSerializer(RealEstateClientWriteSerializer):
    external_ref = serializers.CharField(max_length=EXTERNAL_REF_MAX_LENGTH)
    link_account = None


@dataclass
class ClientContext:
    user: Any
    organization: Organization
    existing: dict[str, Client]
    serializer: _ClientRowSerializer = field(default_factory=_ClientRowSerializer)


def _clients_prepare(*, organization: Organization, user) -> ClientContext:
    _agency_check(organization)
    return ClientContext(
        user=user,
        organization=organization,
        existing={
            client.external_ref: client
            for client in Client.objects.filter(organization=organization)
            .select_related("organization")
            .exclude(external_ref="")
        },
    )


def _clients_validate(row: dict[str, str], *, context: ClientContext) -> dict[str, Any]:
    fields = serializer_data(context.serializer, dict(row), {})
    fields["external_ref"] = fields["external_ref"].strip()
    if "kind" not in row:
        fields.pop("kind", None)  # the serializer's default: a new client is a person
    return fields


def _clients_write(
    rows: list[ImportRow], *, organization: Organization, context: ClientContext
) -> Written:
    def one(fields: dict[str, Any]) -> str:
        client = context.existing.get(fields["external_ref"])
        if client is None:
            client_create(organization=organization, actor=context.user, **fields)
            return "created"
        if not client_differs(client=client, **fields):
            return "unchanged"
        client_update(client=client, actor=context.user, **fields)
        return "updated"

    return _write(rows, CLIENTS_IMPORTER, one)


CLIENTS_IMPORTER = Importer(
    label=gettext_lazy("Real-estate clients"),
    description=gettext_lazy(
        "The agency's clients, one per line, matched on your reference: a new reference "
        "adds a client, a known one updates it with the cells filled in."
    ),
    action=CRM_MANAGE,
    columns=CLIENT_COLUMNS,
    prepare=_clients_prepare,
    prepare_takes_user=True,
    validate=_clients_validate,
    key=lambda fields: fields["external_ref"],
    key_column="external_ref",
    write=_clients_write,
)

IMPORTERS = {PROPERTIES_KIND: PROPERTIES_IMPORTER, CLIENTS_KIND: CLIENTS_IMPORTER}
