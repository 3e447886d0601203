"""Each importer the products register, through the API: CSV (Excel's UTF-8 BOM and
``;``, Windows-1252) and XLSX, the products' own rules, duplicates inside the file and
against what exists, and all or nothing (a failure in the writer leaves nothing)."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone

from teranga.core.registry import thawed
from teranga.platform.imports import services as import_services
from teranga.platform.imports.extensions import Column, Importer, importer_register, importers
from teranga.platform.organizations.models import Role
from teranga.platform.organizations.tests.factories import BranchFactory, member
from teranga.platform.payments.models import Plan, Subscription
from teranga.platform.scheduling.models import AvailabilityRule, Resource, ResourceKind

from .conftest import csv_bytes, lines_of, model, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def services_of(org):
    return model("booking", "Service").objects.filter(organization=org)


# --- booking.services --------------------------------------------------------------------


def test_csv_with_excel_bom_and_semicolons(world):
    model("booking", "ServiceCategory").objects.create(slug="beaute", name="Beauté")
    content = csv_bytes(
        [
            ["nom ignored"] and ["Name", "Duration minutes", "Price amount", "category", "tags"],
            ["Tresses sénégalaises", "120", "15000", "beaute", "tresses; nattes"],
            ["Manucure", "45", "0", "", ""],
        ],
        delimiter=";",
        bom=True,
    )
    response = upload(world.api["manager"], world.org, "booking.services", content)
    assert response.status_code == 201, response.content
    tresses = services_of(world.org).get(name="Tresses sénégalaises")
    assert tresses.category.slug == "beaute" and tresses.price_amount == 15000
    assert tresses.payment_mode == "online_full"
    assert services_of(world.org).get(name="Manucure").payment_mode == "on_site"


def test_csv_in_windows_1252(world):
    content = csv_bytes(
        [["name", "duration_minutes"], ["Épilation", "30"]], delimiter=";", encoding="cp1252"
    )
    response = upload(world.api["manager"], world.org, "booking.services", content)
    assert response.status_code == 201, response.content
    assert services_of(world.org).get().name == "Épilation"


def test_xlsx_with_numbers_booleans_and_a_resource_by_name(world):
    staff = Resource.objects.create(organization=world.org, name="Awa", kind=ResourceKind.STAFF)
    content = xlsx_bytes(
        [
            ["name", "duration_minutes", "price_amount", "requires_confirmation", "resource"],
            ["Coupe", 30, 5000, True, "awa"],
            ["Barbe", 15.0, 2000, False, None],
            [None, None, None, None, None],
            ["Couleur", 90, 20000, "false", str(staff.pk)],
        ]
    )
    response = upload(world.api["manager"], world.org, "booking.services", content, name="s.xlsx")
    assert response.status_code == 201, response.content
    assert response.json()["file_format"] == "xlsx" and response.json()["rows_written"] == 3
    coupe = services_of(world.org).get(name="Coupe")
    assert coupe.resource_id == staff.pk and coupe.requires_confirmation is True
    assert services_of(world.org).get(name="Couleur").resource_id == staff.pk
    assert services_of(world.org).get(name="Barbe").resource.kind == ResourceKind.SERVICE


def test_xlsx_errors_are_named_by_spreadsheet_line(world):
    content = xlsx_bytes(
        [
            ["name", "duration_minutes", "payment_mode", "deposit_percent", "resource", "category"],
            ["Coupe", 30, "deposit", None, None, None],
            [None, None, None, None, None, None],
            ["Barbe", 30, "later", None, "Nobody", "nowhere"],
        ]
    )
    response = upload(world.api["manager"], world.org, "booking.services", content, name="s.xlsx")
    assert response.status_code == 400
    assert lines_of(response) == [
        (2, "payment_mode", "payment_mode_requires_price"),
        (4, "category", "invalid"),
        (4, "payment_mode", "invalid"),
        (4, "resource", "invalid"),
    ]
    assert not services_of(world.org).exists()


def test_services_duplicates_in_the_file_and_existing(world):
    manager = world.api["manager"]
    first = csv_bytes([["name", "duration_minutes"], ["Coupe", "30"]])
    assert upload(manager, world.org, "booking.services", first).status_code == 201
    content = csv_bytes(
        [["name", "duration_minutes"], ["coupe ", "30"], ["Barbe", "30"], ["BARBE", "15"]]
    )
    response = upload(manager, world.org, "booking.services", content)
    assert lines_of(response) == [(2, "name", "already_exists"), (4, "name", "duplicate_in_file")]
    assert response.json()["error"]["lines"][1]["message"].endswith("3.")
    assert services_of(world.org).count() == 1
    # Another business may have the same names.
    other_manager = member(world.other, Role.MANAGER)
    from conftest import authed_client

    assert (
        upload(authed_client(other_manager), world.other, "booking.services", content).status_code
        == 400
    )


def test_services_tags_without_letters_are_refused_by_line(world):
    content = csv_bytes([["name", "duration_minutes", "tags"], ["Coupe", "30", "ok, ---"]])
    response = upload(world.api["manager"], world.org, "booking.services", content)
    assert lines_of(response) == [(2, "tags", "invalid")]
    assert not model("booking", "Tag").objects.filter(slug="ok").exists()


# --- booking.availability_rules ----------------------------------------------------------


def test_availability_rules_by_resource_name_with_the_engines_checks(world):
    coiffeur = Resource.objects.create(organization=world.org, name="Coiffeur")
    salle = Resource.objects.create(organization=world.org, name="Salle")
    AvailabilityRule.objects.create(
        organization=world.org, resource=salle, weekday=0, starts_at=time(8), ends_at=time(12)
    )
    header = ["resource", "weekday", "starts_at", "ends_at", "break_start", "break_end"]
    good = [
        header,
        ["Coiffeur", "0", "09:00", "17:00", "13:00", "14:00"],
        ["Coiffeur", "1", "09:00", "17:00", "", ""],
        ["salle", "2", "08:00", "12:00", "", ""],
    ]
    response = upload(
        world.api["manager"], world.org, "booking.availability_rules", csv_bytes(good)
    )
    assert response.status_code == 201, response.content
    assert coiffeur.rules.count() == 2 and salle.rules.count() == 2

    bad = [
        header,
        ["Coiffeur", "3", "09:00", "17:00", "", ""],  # fine alone
        ["Coiffeur", "0", "16:00", "18:00", "", ""],  # overlaps Monday 9–17
        ["Salle", "4", "12:00", "10:00", "", ""],  # ends before it starts
        ["Salle", "0", "08:00", "12:00", "", ""],  # exactly an existing rule
        ["Salle", "9", "08:00", "12:00", "", ""],  # no such weekday
        ["Garage", "1", "08:00", "12:00", "", ""],  # no such resource
        ["Coiffeur", "3", "10:00", "11:00", "", ""],  # overlaps line 2 of this file
    ]
    response = upload(world.api["manager"], world.org, "booking.availability_rules", csv_bytes(bad))
    assert response.status_code == 400
    assert lines_of(response) == [
        (3, "starts_at", "rule_overlap"),
        (4, "ends_at", "invalid"),
        (5, "starts_at", "already_exists"),
        (6, "weekday", "invalid"),
        (7, "resource", "invalid"),
        (8, "starts_at", "rule_overlap"),
    ]
    # All or nothing: line 2 was written (in a savepoint) before the others were found
    # wrong, and is gone with them.
    assert coiffeur.rules.count() == 2 and salle.rules.count() == 2


# --- smartqueue.services -----------------------------------------------------------------


def test_smartqueue_services_with_keywords(world):
    manager = world.api["bank_manager"]
    content = csv_bytes(
        [
            ["name", "category", "average_service_minutes", "sms_keyword", "price_amount"],
            ["Ouverture de compte", "banking", "20", "compte", ""],
            ["Retrait", "banking", "5", "", "0"],
        ]
    )
    response = upload(manager, world.bank, "smartqueue.services", content)
    assert response.status_code == 201, response.content
    QueueService = model("smartqueue", "QueueService")
    assert QueueService.objects.get(name="Ouverture de compte").sms_keyword == "COMPTE"

    again = csv_bytes(
        [
            ["name", "category", "average_service_minutes", "sms_keyword"],
            ["Crédit", "banking", "15", "COMPTE"],  # taken by another service
            ["Change", "other", "500", ""],  # more than 240 minutes
            ["Virement", "cinema", "5", "VIR"],  # no such category
            ["Épargne", "banking", "5", "EPARGNE"],
            ["Épargne+", "banking", "5", "epargne"],  # same keyword as line 5
            ["retrait", "banking", "5", ""],  # exists
        ]
    )
    refused = upload(manager, world.bank, "smartqueue.services", again)
    assert refused.status_code == 400
    assert lines_of(refused) == [
        (2, "sms_keyword", "sms_keyword_taken"),
        (3, "average_service_minutes", "invalid"),
        (4, "category", "invalid"),
        (6, "sms_keyword", "sms_keyword_taken"),
        (7, "name", "already_exists"),
    ]
    assert QueueService.objects.filter(organization=world.bank).count() == 2


# --- smartqueue.counters -----------------------------------------------------------------


def _queues(world, branch):
    """Two queues (A, P) at ``branch``, through the product's API."""
    manager = world.api["bank_manager"]
    service = manager.post(
        "/api/v1/smartqueue/services/", {"organization": str(world.bank.pk), "name": "Caisse"}
    )
    assert service.status_code == 201, service.content
    for prefix in ("A", "P"):
        queue = manager.post(
            "/api/v1/smartqueue/queues/",
            {
                "organization": str(world.bank.pk),
                "branch": str(branch.pk),
                "service": service.json()["id"],
                "name": f"File {prefix}",
                "prefix": prefix,
            },
        )
        assert queue.status_code == 201, queue.content


def _subscribe(organization, code):
    now = timezone.now()
    Subscription.objects.create(
        organization=organization,
        plan=Plan.objects.get(code=code),
        period="monthly",
        currency=organization.currency,
        status="active",
        current_period_start=now,
        current_period_end=now + timezone.timedelta(days=30),
    )


def test_smartqueue_counters_with_queue_letters_and_the_plan_limit(world):
    branch = BranchFactory(organization=world.bank, name="Agence Plateau")
    _queues(world, branch)
    Counter = model("smartqueue", "Counter")
    manager = world.api["bank_manager"]
    header = ["branch", "name", "queues", "strategy", "weights"]
    two = csv_bytes(
        [
            header,
            ["Agence Plateau", "Guichet 1", "A, P", "weighted", "priority=2, normal=1"],
            ["agence plateau", "Guichet 2", "a", "", ""],
        ]
    )
    # The free tier has one counter: the second line is refused, and so is the first.
    refused = upload(manager, world.bank, "smartqueue.counters", two)
    assert refused.status_code == 400
    assert lines_of(refused) == [(3, None, "plan_limit_reached")]
    assert not Counter.objects.filter(organization=world.bank).exists()

    _subscribe(world.bank, "business")
    applied = upload(manager, world.bank, "smartqueue.counters", two)
    assert applied.status_code == 201, applied.content
    guichet1 = Counter.objects.get(name="Guichet 1")
    assert guichet1.weights == {"priority": 2, "normal": 1}
    assert sorted(guichet1.queues.values_list("prefix", flat=True)) == ["A", "P"]

    bad = csv_bytes(
        [
            header,
            ["Agence Plateau", "Guichet 1", "A", "", ""],  # exists
            ["Agence Plateau", "Guichet 3", "Z", "", ""],  # no queue Z
            ["Agence Almadies", "Guichet 4", "", "", ""],  # no such branch
            ["Agence Plateau", "Guichet 5", "", "", "vip=11"],  # weight out of range
            ["Agence Plateau", "Guichet 6", "", "", "vip"],  # not class=weight
            ["Agence Plateau", "Guichet 7", "", "", ""],
            ["Agence Plateau", "guichet 7", "", "", ""],  # same as line 7
        ]
    )
    response = upload(manager, world.bank, "smartqueue.counters", bad)
    assert lines_of(response) == [
        (2, "name", "already_exists"),
        (3, "queues", "invalid"),
        (4, "branch", "invalid"),
        (5, "weights", "invalid"),
        (6, "weights", "invalid"),
        (8, "name", "duplicate_in_file"),
    ]
    assert Counter.objects.filter(organization=world.bank).count() == 2


# --- All or nothing ----------------------------------------------------------------------


def _failing_writer(rows, *, organization, context):
    Resource.objects.bulk_create(
        [Resource(organization=organization, name=row.data["name"]) for row in rows]
    )
    raise RuntimeError("the writer failed after writing")


def test_a_failure_in_the_writer_leaves_nothing(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    failing = Importer(
        label="Failing",
        action="imports.run",
        columns=[Column("name", required=True)],
        validate=lambda row, *, context: row,
        write=_failing_writer,
    )
    with thawed(importers):
        importer_register("tests.failing", failing, origin="tests")
        upload_file = SimpleUploadedFile("x.csv", csv_bytes([["name"], ["A"], ["B"]]))
        with pytest.raises(RuntimeError):
            import_services.import_file(
                user=world.users["manager"],
                organization=world.org,
                kind="tests.failing",
                upload=upload_file,
            )
    assert not Resource.objects.filter(organization=world.org).exists()
    assert not model("imports", "ImportRun").objects.exists()
