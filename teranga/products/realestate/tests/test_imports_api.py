"""Imports of an agency's properties and clients over HTTP (multipart CSV and XLSX):
created, then the same file again updates nothing and duplicates nothing, a changed row
updates its record; a dry run writes nothing; bad rows are reported by line and column
and nothing is written; the plan's listings limit applies row by row; the file's caps;
managers only, another agency 404."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from teranga.platform.imports.models import ImportRun
from teranga.products.realestate.models import (
    FEATURE_BITS,
    Client,
    Property,
    PropertyChange,
)
from teranga.products.realestate.tests.factories import PropertyFactory
from tests.writes import unchanged

pytestmark = pytest.mark.django_db

API = "/api/v1/realestate"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

PROPERTY_HEADER = [
    "external_ref",
    "property_type",
    "transaction",
    "status",
    "title",
    "region",
    "commune",
    "latitude",
    "longitude",
    "price",
    "currency",
    "surface",
    "rooms",
    "features",
    "agent",
]


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, org, what, content: bytes, *, name="import.csv", dry_run=False, **headers):
    return client.post(
        f"{API}/organizations/{org.pk}/imports/{what}/",
        {"file": SimpleUploadedFile(name, content), "dry_run": "true" if dry_run else "false"},
        format="multipart",
        **headers,
    )


def lines_of(response) -> set[tuple]:
    return {(e["line"], e["column"], e["code"]) for e in response.json()["error"]["lines"]}


def property_rows(agency) -> list[list]:
    agent = agency.users["agent"].email
    return [
        PROPERTY_HEADER,
        [
            "REF-1",
            "apartment",
            "sale",
            "available",
            "Appartement F4 à Mermoz",
            "DK",
            "Mermoz",
            "14.7061",
            "-17.4748",
            "60000000",
            "XOF",
            "120",
            "4",
            "parking, pool",
            agent,
        ],
        [
            "REF-2",
            "villa",
            "rent",
            "",
            "Villa à Ngor",
            "",
            "",
            "",
            "",
            "90000000",
            "",
            "",
            "",
            "",
            "",
        ],
    ]


def test_property_import_creates_and_a_second_upload_duplicates_nothing(agency, dakar):
    manager = agency.api["manager"]
    content = csv_bytes(property_rows(agency))
    response = upload(manager, agency.org, "properties", content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["created"], body["updated"], body["unchanged"]) == (
        "applied",
        2,
        0,
        0,
    )
    assert body["errors"] == [] and body["rows_read"] == 2
    first = Property.objects.get(organization=agency.org, external_ref="REF-1")
    assert first.agent == agency.users["agent"] and first.region == dakar
    assert first.features == FEATURE_BITS["parking"] | FEATURE_BITS["pool"]
    assert (first.status, first.price, first.surface) == ("available", 60_000_000, 120)
    second = Property.objects.get(organization=agency.org, external_ref="REF-2")
    # No agent column value: the uploader (as the single creation); a draft by default.
    assert second.agent == agency.users["manager"] and second.status == "draft"
    # The same file again: nothing created, nothing changed.
    with unchanged(Property.objects.filter(organization=agency.org)):
        again = upload(manager, agency.org, "properties", content)
    assert again.status_code == 201, again.content
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        2,
    )
    # A changed price updates its property, with its history.
    rows = property_rows(agency)
    rows[1][9] = "58000000"
    changed = upload(manager, agency.org, "properties", csv_bytes(rows))
    assert changed.status_code == 201, changed.content
    assert (changed.json()["created"], changed.json()["updated"]) == (0, 1)
    assert Property.objects.filter(organization=agency.org).count() == 2
    first.refresh_from_db()
    assert first.price == 58_000_000
    assert PropertyChange.objects.filter(
        property=first, field="price", old_value="60000000", new_value="58000000"
    ).exists()
    # Another agency's reference space is its own (its own agent: the uploader).
    rows = property_rows(agency)
    rows[1][-1] = ""
    other = upload(agency.api["other_manager"], agency.other, "properties", csv_bytes(rows))
    assert other.status_code == 201 and other.json()["created"] == 2


def test_dry_run_writes_nothing(agency, dakar):
    with unchanged(Property):
        response = upload(
            agency.api["manager"],
            agency.org,
            "properties",
            csv_bytes(property_rows(agency)),
            dry_run=True,
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["dry_run"], body["created"]) == ("checked", True, 2)
    assert ImportRun.objects.get(pk=body["run"]).kind == "realestate.properties"


def test_xlsx_upload(agency, dakar):
    response = upload(
        agency.api["manager"],
        agency.org,
        "properties",
        xlsx_bytes(property_rows(agency)),
        name="biens.xlsx",
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 2
    assert Property.objects.get(external_ref="REF-1").longitude == -17.4748


def test_bad_rows_are_reported_by_line_and_nothing_is_written(agency, dakar):
    header = ["external_ref", "property_type", "transaction", "title", "price", "latitude", "agent"]
    rows = [
        header,
        ["A", "castle", "sale", "Château", "100", "", ""],  # line 2: unknown type
        ["B", "house", "sale", "", "100", "", ""],  # line 3: no title
        ["C", "house", "sale", "x" * 201, "100", "", ""],  # line 4: title too long
        ["D", "house", "sale", "Maison", "-5", "", ""],  # line 5: negative price
        ["E", "house", "sale", "Maison", "100", "14.7", ""],  # line 6: latitude alone
        ["F", "house", "sale", "Maison", "100", "", "nobody@example.test"],  # line 7
        ["G", "house", "sale", "Maison", "100", "", ""],  # line 8: fine
        ["G", "house", "sale", "Maison bis", "100", "", ""],  # line 9: same reference
        ["r" * 101, "house", "sale", "Maison", "100", "", ""],  # line 10: reference too long
    ]
    with unchanged(Property):
        response = upload(agency.api["manager"], agency.org, "properties", csv_bytes(rows), **EN)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] == "import_refused"
    assert body["report"]["status"] == "refused" and body["report"]["created"] == 0
    assert lines_of(response) == {
        (2, "property_type", "invalid"),
        (3, "title", "value_required"),
        (4, "title", "invalid"),
        (5, "price", "invalid"),
        (6, "latitude", "invalid"),
        (7, "agent", "invalid"),
        (9, "external_ref", "duplicate_in_file"),
        (10, "external_ref", "invalid"),
    }
    messages = {e["line"]: e["message"] for e in body["error"]["lines"]}
    assert "nobody@example.test" in messages[7]


def test_the_plan_listings_limit_applies_row_by_row(agency):
    PropertyFactory.create_batch(19, organization=agency.org)  # the free tier allows 20
    rows = [["external_ref", "property_type", "transaction", "title", "price", "status"]]
    rows += [[f"L{i}", "house", "sale", f"Maison {i}", "100", "available"] for i in range(3)]
    with unchanged(Property):
        response = upload(agency.api["manager"], agency.org, "properties", csv_bytes(rows))
    assert response.status_code == 400, response.content
    assert lines_of(response) == {(3, None, "plan_limit_reached"), (4, None, "plan_limit_reached")}
    # A sold property does not count: importing it passes.
    rows = [rows[0], ["S1", "house", "sale", "Vendue", "100", "sold"]]
    response = upload(agency.api["manager"], agency.org, "properties", csv_bytes(rows))
    assert response.status_code == 201, response.content


@override_settings(IMPORT_MAX_ROWS=2)
def test_row_cap(agency):
    rows = [["external_ref", "property_type", "transaction", "title", "price"]]
    rows += [[f"R{i}", "house", "sale", "Maison", "100"] for i in range(3)]
    response = upload(agency.api["manager"], agency.org, "properties", csv_bytes(rows))
    assert response.status_code == 400
    assert {line[2] for line in lines_of(response)} == {"too_many_rows"}


@override_settings(IMPORT_MAX_BYTES=100)
def test_file_size_cap(agency, dakar):
    response = upload(
        agency.api["manager"], agency.org, "properties", csv_bytes(property_rows(agency))
    )
    assert response.status_code == 400
    assert lines_of(response) == {(None, None, "file_too_large")}


def test_who_may_import(agency, dakar):
    content = csv_bytes(property_rows(agency))
    with unchanged(Property, Client):
        assert upload(agency.api["agent"], agency.org, "properties", content).status_code == 403
        assert upload(agency.api["agent"], agency.org, "clients", content).status_code == 403
        assert (
            upload(agency.api["other_manager"], agency.org, "properties", content).status_code
            == 404
        )
        assert (
            upload(agency.api["other_manager"], agency.org, "clients", content).status_code == 404
        )
        no_file = agency.api["manager"].post(
            f"{API}/organizations/{agency.org.pk}/imports/properties/", {}, format="multipart"
        )
        assert no_file.status_code == 400 and no_file.json()["error"]["code"] == "invalid"


CLIENT_HEADER = ["external_ref", "name", "kind", "email", "phone", "consent_given", "consent_email"]


def test_client_import_creates_updates_and_is_idempotent(agency):
    manager = agency.api["manager"]
    rows = [
        CLIENT_HEADER,
        ["C-1", "Awa Diop", "", "Awa@Example.SN", "77 547 56 88", "true", "true"],
        ["C-2", "Sonatel", "company", "", "", "", ""],
    ]
    response = upload(manager, agency.org, "clients", csv_bytes(rows))
    assert response.status_code == 201, response.content
    assert (response.json()["created"], response.json()["updated"]) == (2, 0)
    awa = Client.objects.get(organization=agency.org, external_ref="C-1")
    assert (awa.email, str(awa.phone), awa.kind) == ("awa@example.sn", "+221775475688", "person")
    assert awa.consent_active and awa.consent_email
    assert Client.objects.get(external_ref="C-2").kind == "company"
    with unchanged(Client.objects.filter(organization=agency.org)):
        again = upload(manager, agency.org, "clients", csv_bytes(rows))
    assert again.status_code == 201
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        2,
    )
    rows[1][3] = "awa.diop@example.sn"
    changed = upload(manager, agency.org, "clients", csv_bytes(rows))
    assert (changed.json()["created"], changed.json()["updated"]) == (0, 1)
    awa.refresh_from_db()
    assert awa.email == "awa.diop@example.sn"
    assert Client.objects.filter(organization=agency.org).count() == 2


def test_client_bad_rows(agency):
    rows = [
        CLIENT_HEADER,
        ["C-1", "Awa", "", "not-an-email", "", "", ""],
        ["C-2", "Moussa", "", "", "12", "", ""],
        ["C-3", "", "", "", "", "", ""],
        ["C-4", "Fatou", "robot", "", "", "maybe", ""],
    ]
    with unchanged(Client):
        response = upload(agency.api["manager"], agency.org, "clients", csv_bytes(rows))
    assert response.status_code == 400, response.content
    found = lines_of(response)
    assert (2, "email", "invalid") in found
    assert (3, "phone", "invalid_phone") in found
    assert (4, "name", "value_required") in found
    assert (5, "kind", "invalid") in found and (5, "consent_given", "invalid") in found


@override_settings(REALESTATE_IMPORT_MAX_ROWS=2)
def test_product_row_cap(agency):
    rows = [["external_ref", "property_type", "transaction", "title", "price"]]
    rows += [[f"R{i}", "house", "sale", "Maison", "100"] for i in range(3)]
    with unchanged(Property):
        response = upload(agency.api["manager"], agency.org, "properties", csv_bytes(rows))
    assert response.status_code == 400
    assert lines_of(response) == {(None, None, "too_many_rows")}
