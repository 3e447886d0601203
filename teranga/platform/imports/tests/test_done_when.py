"""Issue 21's "done when": an import of 1,000 services with 3 bad lines is refused with
the 3 lines named (nothing written), then passes once they are fixed. Also its cost:
the number of queries does not grow with the rows (printed with the time: ``-s``)."""

from __future__ import annotations

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import csv_bytes, lines_of, model, upload

HEADER = ["name", "price_amount", "duration_minutes", "tags", "payment_mode"]
KIND = "booking.services"


def services_file(count: int, bad: dict[int, list]) -> bytes:
    rows = [HEADER]
    for index in range(count):
        line = index + 2  # the header is line 1
        rows.append(
            bad.get(line) or [f"Service {index:04d}", "5000", "30", "coupe, homme", "on_site"]
        )
    return csv_bytes(rows)


def test_thousand_services_three_bad_lines_then_fixed(world):
    Service = model("booking", "Service")
    manager = world.api["manager"]
    bad = {
        101: ["Service bad duration", "5000", "7", "", "on_site"],  # not a multiple of 5
        502: ["Service bad price", "50", "30", "", "on_site"],  # below 100 F CFA
        903: ["", "5000", "30", "", "on_site"],  # no name
    }
    refused = upload(manager, world.org, KIND, services_file(1000, bad))
    assert refused.status_code == 400, refused.content
    body = refused.json()
    assert body["error"]["code"] == "import_refused"
    assert sorted({line for line, _column, _code in lines_of(refused)}) == [101, 502, 903]
    assert lines_of(refused) == [
        (101, "duration_minutes", "invalid_duration"),
        (502, "price_amount", "price_out_of_range"),
        (903, "name", "value_required"),
    ]
    assert body["run"]["status"] == "refused"
    assert body["run"]["rows_read"] == 1000 and body["run"]["rows_valid"] == 997
    assert Service.objects.filter(organization=world.org).count() == 0
    assert not model("scheduling", "Resource").objects.filter(organization=world.org).exists()

    fixed = {
        101: ["Service bad duration", "5000", "30", "", "on_site"],
        502: ["Service bad price", "500", "30", "", "on_site"],
        903: ["Service 0901 bis", "5000", "30", "", "on_site"],
    }
    content = services_file(1000, fixed)
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        applied = upload(manager, world.org, KIND, content)
    elapsed = time.perf_counter() - started
    assert applied.status_code == 201, applied.content
    run = applied.json()
    assert run["status"] == "applied" and run["rows_written"] == 1000 and run["errors"] == []
    services = Service.objects.filter(organization=world.org)
    assert services.count() == 1000
    assert services.filter(tags__slug="coupe").count() == 997
    assert services.filter(name="Service bad price", price_amount=500).exists()
    # Every service got its own resource, named after it, as service_create does.
    assert services.values("resource").distinct().count() == 1000
    # Bulk: batches, not one query per row (SQLite's 999 variables make its batches
    # 100 resources and 40 services; PostgreSQL's are 500).
    assert len(queries) < 80, len(queries)
    print(
        f"\n[{connection.vendor}] 1,000 services imported: {elapsed:.2f} s, "
        f"{len(queries)} queries (request included)"
    )
