"""A business with people in every role, another business (cross-tenant probes), and
helpers that upload files through the API.

These tests reach the products only through HTTP and ``apps.get_model`` (the platform
never imports a product), with the importers the installed products register."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import authed_client
from teranga.platform.organizations.models import OrganizationKind, Role
from teranga.platform.organizations.tests.factories import OrganizationFactory, member

URL = "/api/v1/imports/"


def model(label: str, name: str):
    return apps.get_model(label, name)


def csv_bytes(rows: list[list], *, delimiter: str = ",", bom: bool = False, encoding="utf-8"):
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(
    client, organization, kind, content: bytes, *, name="import.csv", dry_run=False, **headers
):
    body = {
        "organization": str(organization.pk),
        "kind": kind,
        "file": SimpleUploadedFile(name, content),
        "dry_run": "true" if dry_run else "false",
    }
    return client.post(URL, body, format="multipart", **headers)


def lines_of(response) -> list[tuple]:
    return [
        (error["line"], error["column"], error["code"])
        for error in response.json()["error"]["lines"]
    ]


@pytest.fixture
def world(db):
    org = OrganizationFactory(name="Salon Ndèye", kind=OrganizationKind.BUSINESS)
    other = OrganizationFactory(name="Autre salon", kind=OrganizationKind.BUSINESS)
    bank = OrganizationFactory(name="Banque Teranga", kind=OrganizationKind.BANK)
    users = {
        "manager": member(org, Role.MANAGER),
        "agent": member(org, Role.AGENT),
        "other_owner": member(other, Role.OWNER),
        "bank_manager": member(bank, Role.MANAGER),
    }
    clients = {name: authed_client(user) for name, user in users.items()}
    return SimpleNamespace(org=org, other=other, bank=bank, users=users, api=clients)
