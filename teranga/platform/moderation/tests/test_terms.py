"""Staff terms: merged with the built-in lists, read once per process and read again on
every change (a version key in the cache), invalid expressions skipped."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from teranga.platform.moderation.models import ModerationTerm
from teranga.platform.moderation.services import check
from teranga.platform.moderation.terms import VERSION_KEY

pytestmark = pytest.mark.django_db


def action_of(text):
    return check(text, kind="testing.note", author=None).action


def test_terms_are_merged_and_invalidated_on_save_and_delete():
    assert action_of("un mot tabou ici") == "allow"
    term = ModerationTerm.objects.create(term="mot tabou", language="fr", action="block")
    assert action_of("un MOT TABOU ici") == "block"
    assert action_of("connard") == "block"  # the built-in list still applies
    term.action = "flag"
    term.save()
    assert action_of("un mot tabou ici") == "flag"
    term.active = False
    term.save()
    assert action_of("un mot tabou ici") == "allow"
    ModerationTerm.objects.create(term=r"\bsolde\s*\d+\s*%", kind="regex", action="flag")
    verdict = check("Solde 90 % aujourd'hui", kind="testing.note", author=None)
    assert (verdict.action, verdict.code) == ("flag", "pattern")
    ModerationTerm.objects.filter(kind="regex").get().delete()
    assert action_of("Solde 90 % aujourd'hui") == "allow"


def test_terms_are_read_once_per_version():
    ModerationTerm.objects.create(term="jargon", action="flag")
    assert action_of("du jargon") == "flag"
    with CaptureQueriesContext(connection) as queries:
        assert action_of("du jargon") == "flag"
        assert action_of("autre chose") == "allow"
    assert len(queries) == 0
    # Another process changed the terms: only the version key tells this one.
    ModerationTerm.objects.filter(term="jargon").update(action="block")
    assert action_of("du jargon") == "flag"  # still the terms it read
    cache.set(VERSION_KEY, "changed elsewhere", None)
    assert action_of("du jargon") == "block"


def test_an_invalid_regex_is_skipped(caplog):
    ModerationTerm.objects.create(term="(unclosed", kind="regex", action="block")
    assert action_of("(unclosed text") == "allow"
    assert "not a valid regular expression" in caplog.text
