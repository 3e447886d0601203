"""The imports API: kinds and templates, the upload (permissions, tenancy, bad input,
dry run, caps, throttle) and the record of imports."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from teranga.platform.imports import parsing
from teranga.platform.imports.extensions import importers

from .conftest import URL, csv_bytes, lines_of, model, upload

pytestmark = pytest.mark.django_db
KIND = "booking.services"
GOOD = csv_bytes([["name", "duration_minutes", "price_amount"], ["Coupe", "30", "5000"]])


def services_of(org):
    return model("booking", "Service").objects.filter(organization=org)


# --- Kinds and templates -----------------------------------------------------------------


def test_kinds_list_every_installed_importer_with_its_columns(world):
    response = world.api["agent"].get(f"{URL}kinds/")
    assert response.status_code == 200
    kinds = {row["kind"]: row for row in response.json()}
    assert {
        "booking.services",
        "booking.availability_rules",
        "smartqueue.services",
        "smartqueue.counters",
    } <= set(kinds)
    columns = {column["name"]: column for column in kinds[KIND]["columns"]}
    assert columns["name"]["required"] and columns["duration_minutes"]["type"] == "integer"
    assert columns["payment_mode"]["choices"] == ["online_full", "deposit", "on_site"]
    assert columns["name"]["help"]


def test_kinds_need_a_signed_in_user():
    assert APIClient().get(f"{URL}kinds/").status_code == 401


def test_csv_template_imports_as_it_is(world):
    response = world.api["manager"].get(f"{URL}kinds/{KIND}/template.csv?delimiter=semicolon")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf") and b";" in content.splitlines()[0]
    applied = upload(world.api["manager"], world.org, KIND, content, name="template.csv")
    assert applied.status_code == 201, applied.content
    assert services_of(world.org).get().name == "Coupe homme"


def test_xlsx_template_has_the_columns_and_a_help_sheet(world):
    from openpyxl import load_workbook

    response = world.api["manager"].get(f"{URL}kinds/smartqueue.counters/template.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    header = next(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(header) == ["branch", "name", "queues", "strategy", "weights"]
    assert len(workbook.worksheets) == 2


def test_template_of_an_unknown_kind_is_404(world):
    response = world.api["manager"].get(f"{URL}kinds/nothing.here/template.csv")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "import_kind_unknown"
    bad = world.api["manager"].get(f"{URL}kinds/{KIND}/template.csv?delimiter=tab")
    assert bad.status_code == 400


# --- Upload: access ----------------------------------------------------------------------


def test_anonymous_gets_401(world):
    response = upload(APIClient(), world.org, KIND, GOOD)
    assert response.status_code == 401
    assert not services_of(world.org).exists()


def test_another_organisation_gets_404(world):
    response = upload(world.api["other_owner"], world.org, KIND, GOOD)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "organization_not_found"
    assert not services_of(world.org).exists()


def test_an_agent_gets_403(world):
    response = upload(world.api["agent"], world.org, KIND, GOOD)
    assert response.status_code == 403
    assert not services_of(world.org).exists()


def test_wrong_kind_is_400_and_writes_nothing(world):
    response = upload(world.api["manager"], world.org, "booking.nothing", GOOD)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "import_kind_unknown"
    assert "kind" in response.json()["error"]["fields"]


def test_missing_file_is_400(world):
    response = world.api["manager"].post(
        URL, {"organization": str(world.org.pk), "kind": KIND}, format="multipart"
    )
    assert response.status_code == 400
    assert "file" in response.json()["error"]["fields"]


def test_a_json_body_is_refused(world):
    response = world.api["manager"].post(
        URL, {"organization": str(world.org.pk), "kind": KIND}, format="json"
    )
    assert response.status_code == 415


def test_an_organisation_of_the_wrong_kind_is_refused(world):
    response = upload(world.api["bank_manager"], world.bank, KIND, GOOD)
    assert response.status_code == 400
    assert lines_of(response) == [(None, None, "organization_kind_not_supported")]


# --- Upload: outcomes --------------------------------------------------------------------


def test_dry_run_checks_and_writes_nothing(world):
    response = upload(world.api["manager"], world.org, KIND, GOOD, dry_run=True)
    assert response.status_code == 201
    run = response.json()
    assert run["status"] == "checked" and run["dry_run"] is True
    assert run["rows_read"] == run["rows_valid"] == 1 and run["rows_written"] == 0
    assert not services_of(world.org).exists()
    assert not model("scheduling", "Resource").objects.filter(organization=world.org).exists()


def test_dry_run_reports_errors_too(world):
    content = csv_bytes([["name", "duration_minutes"], ["Coupe", "abc"]])
    response = upload(world.api["manager"], world.org, KIND, content, dry_run=True)
    assert response.status_code == 400
    assert lines_of(response) == [(2, "duration_minutes", "invalid")]
    assert response.json()["run"]["dry_run"] is True


def test_header_problems_are_named(world):
    content = csv_bytes([["Name", "colour", "name"], ["Coupe", "red", "x"]])
    response = upload(world.api["manager"], world.org, KIND, content)
    assert response.status_code == 400
    assert sorted(lines_of(response), key=str) == sorted(
        [
            (1, None, "column_unknown"),
            (1, "name", "column_repeated"),
            (1, "duration_minutes", "column_missing"),
        ],
        key=str,
    )


def test_messages_follow_the_request_language(world):
    content = csv_bytes([["name"], ["Coupe"]])
    english = upload(world.api["manager"], world.org, KIND, content, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        english.json()["error"]["lines"][0]["message"]
        == "The column “duration_minutes” is missing."
    )


# --- Caps --------------------------------------------------------------------------------


@override_settings(IMPORT_MAX_ROWS=3)
def test_too_many_rows(world):
    rows = [["name", "duration_minutes"]] + [[f"S{i}", "30"] for i in range(4)]
    response = upload(world.api["manager"], world.org, KIND, csv_bytes(rows))
    assert response.status_code == 400
    assert lines_of(response) == [(5, None, "too_many_rows")]
    assert not services_of(world.org).exists()


@override_settings(IMPORT_MAX_BYTES=100)
def test_too_large(world):
    rows = [["name", "duration_minutes"]] + [[f"Service {i}", "30"] for i in range(20)]
    response = upload(world.api["manager"], world.org, KIND, csv_bytes(rows))
    assert lines_of(response) == [(None, None, "file_too_large")]


@override_settings(IMPORT_MAX_CELL_CHARS=20)
def test_cell_too_long(world):
    rows = [["name", "duration_minutes"], ["x" * 21, "30"]]
    response = upload(world.api["manager"], world.org, KIND, csv_bytes(rows))
    assert lines_of(response) == [(2, "name", "cell_too_long")]


@override_settings(IMPORT_MAX_COLUMNS=3)
def test_too_many_columns(world):
    rows = [["a", "b", "c", "d"], ["1", "2", "3", "4"]]
    response = upload(world.api["manager"], world.org, KIND, csv_bytes(rows))
    assert lines_of(response) == [(1, None, "too_many_columns")]


def test_empty_and_unreadable_files(world):
    manager = world.api["manager"]
    assert lines_of(upload(manager, world.org, KIND, b"  \r\n"))[0][2] == "file_empty"
    header_only = csv_bytes([["name", "duration_minutes"]])
    assert lines_of(upload(manager, world.org, KIND, header_only))[0][2] == "file_empty"
    fake = upload(manager, world.org, KIND, b"PK\x03\x04broken", name="x.xlsx")
    assert lines_of(fake) == [(None, None, "file_unreadable")]
    named = upload(manager, world.org, KIND, b"name\nx", name="x.xlsx")
    assert lines_of(named) == [(None, None, "file_unreadable")]


def test_an_xlsx_that_expands_too_much_is_refused(world):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"0" * (parsing.DEFAULT_MAX_XLSX_EXPANDED_BYTES + 1))
    response = upload(world.api["manager"], world.org, KIND, buffer.getvalue(), name="x.xlsx")
    assert lines_of(response) == [(None, None, "file_too_large")]


# --- Throttle ----------------------------------------------------------------------------


def test_uploads_are_throttled_per_user(world, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    old = rates["imports"]
    rates["imports"] = "2/hour"
    try:
        manager = world.api["manager"]
        for _ in range(2):
            assert upload(manager, world.org, KIND, GOOD, dry_run=True).status_code == 201
        throttled = upload(manager, world.org, KIND, GOOD, dry_run=True)
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == "throttled"
        # Reading the record is not an upload.
        assert manager.get(URL, {"organization": str(world.org.pk)}).status_code == 200
    finally:
        rates["imports"] = old


# --- The record --------------------------------------------------------------------------


def test_the_record_lists_runs_for_managers_only(world):
    manager = world.api["manager"]
    upload(manager, world.org, KIND, GOOD)
    upload(manager, world.org, KIND, csv_bytes([["name"], ["x"]]))
    response = manager.get(URL, {"organization": str(world.org.pk)})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [run["status"] for run in body["results"]] == ["refused", "applied"]
    assert body["results"][1]["file_name"] == "import.csv"
    assert body["results"][1]["user_name"]
    assert "errors" not in body["results"][0]

    refused = manager.get(URL, {"organization": str(world.org.pk), "status": "refused"})
    assert [run["status"] for run in refused.json()["results"]] == ["refused"]
    other_kind = manager.get(URL, {"organization": str(world.org.pk), "kind": "x.y"})
    assert other_kind.json()["count"] == 0
    assert manager.get(URL, {"organization": str(world.org.pk), "status": "x"}).status_code == 400

    detail = manager.get(f"{URL}{body['results'][0]['id']}/")
    assert detail.status_code == 200
    assert detail.json()["errors"][0]["code"] == "column_missing"

    assert world.api["agent"].get(URL, {"organization": str(world.org.pk)}).status_code == 403
    stranger = world.api["other_owner"]
    assert stranger.get(URL, {"organization": str(world.org.pk)}).status_code == 404
    missing = stranger.get(f"{URL}{body['results'][0]['id']}/")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "import_not_found"
    assert manager.get(URL).status_code == 400


def test_the_record_is_in_the_admin(world, admin_client):
    upload(world.api["manager"], world.org, KIND, GOOD)
    response = admin_client.get("/admin/imports/importrun/")
    assert response.status_code == 200
    assert b"booking.services" in response.content
    run = model("imports", "ImportRun").objects.get()
    assert admin_client.get(f"/admin/imports/importrun/{run.pk}/change/").status_code == 200
    assert admin_client.get("/admin/imports/importrun/add/").status_code == 403


def test_registry_names_the_products_importers():
    assert "booking.services" in importers and "smartqueue.counters" in importers


def test_the_record_costs_the_same_queries_for_1_or_6_runs(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    manager = world.api["manager"]
    url = f"{URL}?organization={world.org.pk}"

    def count():
        manager.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert manager.get(url).status_code == 200
        return len(captured)

    upload(manager, world.org, KIND, GOOD, dry_run=True)
    one = count()
    for _ in range(5):
        upload(manager, world.org, KIND, GOOD, dry_run=True)
    assert count() == one
