"""Every string a client or staff member reads exists in French, English and Wolof.

* The committed catalogues are current: what ``make messages`` would extract today (our
  code and templates, and the libraries' messages that reach users: DRF's and Django's
  field errors, allauth's headless errors and emails) is all in them.
* Every message has a Wolof translation, and every message of ours a French one, with
  the same placeholders as the English.
* An error raised to a client carries a translated message, not a bare literal.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from teranga.core.compile_messages import LOCALE_DIR, extract, library_message

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


@pytest.fixture(scope="module")
def catalogues():
    return {language: _catalogue(language) for language in ("fr", "wo")}


def test_catalogues_hold_every_message_we_show(catalogues):
    extracted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in extract() if m.id}
    for language, catalogue in catalogues.items():
        present = {
            (m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalogue if m.id
        }
        missing = sorted(str(key) for key in extracted - present)
        assert not missing, f"run `make messages`: {language} lacks {missing[:10]}"


def test_every_message_has_wolof_and_ours_have_french(catalogues):
    untranslated = {
        "wo": [m.id for m in catalogues["wo"] if m.id and not all(_strings(m))],
        "fr": [
            m.id
            for m in catalogues["fr"]
            if m.id and not library_message(m) and not all(_strings(m))
        ],
    }
    for language, ids in untranslated.items():
        assert not ids, f"{len(ids)} messages without {language}: {ids[:10]}"


def test_translations_keep_the_placeholders(catalogues):
    wrong = []
    for language, catalogue in catalogues.items():
        for message in catalogue:
            if not message.id or not all(_strings(message)):
                continue
            expected = sorted(set(PLACEHOLDER.findall(" ".join(_ids(message)))))
            for string in _strings(message):
                if sorted(set(PLACEHOLDER.findall(string))) != expected:
                    wrong.append((language, _ids(message)[0], string))
    assert not wrong, wrong[:10]


#: Errors whose message a client reads (ours, and DRF's).
CLIENT_ERRORS = {
    "ApplicationError",
    "ValidationFailed",
    "NotFound",
    "Forbidden",
    "Conflict",
    "Gone",
    "ValidationError",
    "AuthenticationFailed",
    "PermissionDenied",
    "ParseError",
    "NotAuthenticated",
    "Throttled",
    "Http404",
}


def _literal(node) -> bool:
    return (
        isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value
    ) or (isinstance(node, ast.JoinedStr))


def test_client_errors_carry_translated_messages():
    bare = []
    for path in (ROOT / "teranga").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in CLIENT_ERRORS:
                continue
            arguments = node.exc.args[:1] + [
                keyword.value
                for keyword in node.exc.keywords
                if keyword.arg in ("message", "detail")
            ]
            if any(_literal(argument) for argument in arguments):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bare, f"wrap these messages in gettext: {bare}"
