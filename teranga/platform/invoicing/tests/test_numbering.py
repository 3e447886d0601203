"""Numbering: the pattern, gapless sequences under real concurrency, no reset."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from teranga.platform.invoicing.models import Invoice, InvoiceKind, InvoiceSequence
from teranga.platform.invoicing.numbering import (
    DEFAULT_PATTERN,
    format_number,
    validate_number_pattern,
)
from teranga.platform.invoicing.services import credit_note_issue, invoice_issue
from teranga.platform.invoicing.services.sequences import sequence_next
from tests.skips import require

from .factories import fr_seller, manager_of, manual_lines, sn_seller

THREADS = 20
PER_THREAD = 5
JOIN_TIMEOUT = 180


def issue(organization, actor, rate="20"):
    return invoice_issue(
        actor=actor,
        organization=organization,
        buyer={"name": "Client SARL"},
        lines=manual_lines(rate),
    )


@pytest.mark.parametrize(
    "pattern",
    [
        DEFAULT_PATTERN,
        "{prefix}{seq}",
        "{prefix}/{date:%Y}/{seq:06d}",
        "{date:%Y}-{prefix}-{seq:05d}",
    ],
)
def test_valid_patterns(pattern):
    validate_number_pattern(pattern)


@pytest.mark.parametrize(
    "pattern",
    [
        "",
        "{prefix}",  # no sequence
        "{seq:04d}",  # no prefix: invoices and credit notes would collide
        "{prefix}-{seq}-{seq}",
        "{prefix}-{seq.__class__}",
        "{prefix}-{seq!r}",
        "{prefix}-{other}-{seq}",
        "{prefix}-{0}-{seq}",
        "{prefix}-{seq:s}",
        "{prefix} {seq}",  # spaces are not allowed in numbers
        "{prefix}-{date:%Y%m%d%H%M%S%Y%m%d%H%M%S%Y%m%d%H%M%S}-{seq}",  # too long
        "{prefix}-{seq",
    ],
)
def test_invalid_patterns_are_refused(pattern):
    with pytest.raises(ValidationError):
        validate_number_pattern(pattern)


def test_default_pattern_is_seed_004s():
    assert format_number(DEFAULT_PATTERN, prefix="CT", day=datetime(2026, 3, 1), seq=42) == (
        "CT-20260301-0042"
    )


@pytest.mark.django_db
def test_academy_numbers_are_ct_yyyymmdd_xxxx_and_credit_notes_have_their_own_series():
    organization = fr_seller()
    manager = manager_of(organization)
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=UTC), tick=False):
        first = issue(organization, manager)
        second = issue(organization, manager)
        credit = credit_note_issue(actor=manager, invoice_id=first.pk, reason="Erreur")
    assert (first.number, second.number) == ("CT-20260301-0001", "CT-20260301-0002")
    assert credit.number == "CT-AV-20260301-0001"
    assert (first.sequence, second.sequence, credit.sequence) == (1, 2, 1)


@pytest.mark.django_db
def test_the_sequence_never_resets_with_the_date():
    organization = sn_seller()
    manager = manager_of(organization)
    with time_machine.travel(datetime(2026, 12, 31, 12, tzinfo=UTC), tick=False):
        last_of_year = issue(organization, manager)
    with time_machine.travel(datetime(2027, 1, 1, 12, tzinfo=UTC), tick=False):
        first_of_year = issue(organization, manager)
    assert last_of_year.number == "FAC-20261231-0001"
    assert first_of_year.number == "FAC-20270101-0002"


@pytest.mark.django_db
def test_the_date_in_the_number_is_the_sellers_local_date():
    organization = fr_seller()  # Europe/Paris
    manager = manager_of(organization)
    with time_machine.travel(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), tick=False):
        invoice = issue(organization, manager)
    assert invoice.number.startswith("CT-20260302-")
    assert str(invoice.issue_date) == "2026-03-02"


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back():
    organization = sn_seller()
    manager = manager_of(organization)
    issue(organization, manager)
    with pytest.raises(RuntimeError), transaction.atomic():
        issue(organization, manager)
        raise RuntimeError("the caller's transaction fails")
    after = issue(organization, manager)
    assert after.sequence == 2
    assert list(Invoice.objects.values_list("sequence", flat=True).order_by("sequence")) == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_sequence_next_requires_a_transaction():
    organization = sn_seller()
    with pytest.raises(RuntimeError):
        sequence_next(organization_id=organization.pk, series=InvoiceKind.INVOICE)


@pytest.fixture
def threaded():
    require(
        "a file-backed SQLite test database",
        not (connection.vendor == "sqlite" and connection.is_in_memory_db()),
        "threaded tests need separate connections: config/test_settings.py sets its TEST NAME",
    )


def run_threads(target, count):
    barrier = threading.Barrier(count)
    errors: list[str] = []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait(timeout=60)
            target(index)
        except Exception as error:  # noqa: BLE001 — reported by the test
            with lock:
                errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


@pytest.mark.django_db(transaction=True)
def test_numbers_are_gapless_and_unique_under_20_threads(threaded):
    organization = fr_seller()
    other = sn_seller()
    manager, other_manager = manager_of(organization), manager_of(other)

    def work(index):
        for _ in range(PER_THREAD):
            # Half the threads also issue for another organisation: its own sequence.
            if index % 2:
                issue(other, other_manager)
            issue(organization, manager)

    errors = run_threads(work, THREADS)
    assert errors == []
    expected = THREADS * PER_THREAD
    sequences = list(
        Invoice.objects.filter(organization=organization)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, expected + 1))
    numbers = list(
        Invoice.objects.filter(organization=organization).values_list("number", flat=True)
    )
    assert len(set(numbers)) == expected
    assert all(re.fullmatch(r"CT-\d{8}-\d{4}", number) for number in numbers)
    # Numbers follow issue times.
    by_time = list(
        Invoice.objects.filter(organization=organization)
        .order_by("issued_at", "sequence")
        .values_list("sequence", flat=True)
    )
    assert by_time == sorted(by_time)
    other_sequences = sorted(
        Invoice.objects.filter(organization=other).values_list("sequence", flat=True)
    )
    assert other_sequences == list(range(1, THREADS // 2 * PER_THREAD + 1))
    assert InvoiceSequence.objects.get(organization=organization).last_number == expected


@pytest.mark.django_db(transaction=True)
def test_the_first_number_of_a_new_organisation_under_concurrency(threaded):
    """Nobody has created the sequence row yet: 20 threads race to create it."""
    organization = sn_seller()
    manager = manager_of(organization)

    errors = run_threads(lambda index: issue(organization, manager), THREADS)
    assert errors == []
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, THREADS + 1))
    assert InvoiceSequence.objects.filter(organization=organization).count() == 1
