"""The error catalogue: every code a service raises comes from an app's ``errors.py``
enum, every such enum is registered, and the OpenAPI lists them."""

import ast
import importlib
from enum import StrEnum
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from teranga.core.errors import (
    CoreError,
    NotFound,
    catalogue_codes,
    error_catalogues,
    exception_handler,
)
from teranga.core.schema import ERROR_CODES_EXTENSION, add_error_responses, error_codes

ROOT = Path(__file__).resolve().parents[2]  # teranga/

#: Calls whose ``code=`` is not an error code sent to clients: a provider's own failure
#: code (logged, stored), a Django validation code (the API answers ``invalid``), a
#: model lookup.
NOT_CLIENT_CODES = {
    "ProviderError",
    "SmsProviderError",
    "PushError",
    "ChatError",
    "ChatGone",
    "InvalidToken",
    "ValidationError",
    "RegexValidator",
    "get",
    "filter",
}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts or path.name == "errors.py":
            continue
        yield path


def _literal_codes(path: Path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in NOT_CLIENT_CODES:
                continue
            for keyword in node.keywords:
                literal = isinstance(keyword.value, ast.Constant | ast.JoinedStr)
                if keyword.arg == "code" and literal:
                    yield node.lineno, ast.unparse(keyword.value)
        elif isinstance(node, ast.ClassDef):
            for statement in node.body:
                target = getattr(statement, "target", None) or next(
                    iter(getattr(statement, "targets", [])), None
                )
                value = getattr(statement, "value", None)
                is_code = getattr(target, "id", None) == "code"
                if is_code and isinstance(value, ast.Constant) and value.value:
                    yield statement.lineno, repr(value.value)


def test_no_error_code_is_a_string_literal_outside_the_catalogues():
    found = [
        f"{path.relative_to(ROOT)}:{line}: code={code}"
        for path in _sources()
        for line, code in _literal_codes(path)
    ]
    assert not found, "use the app's errors.py catalogue (a StrEnum member):\n" + "\n".join(found)


def test_every_app_catalogue_is_registered():
    registered = set(error_catalogues.values())
    for app_config in apps.get_app_configs():
        if not app_config.name.startswith("teranga."):
            continue
        try:
            module = importlib.import_module(f"{app_config.name}.errors")
        except ModuleNotFoundError:
            continue
        enums = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, StrEnum)
            and value is not StrEnum
            and value.__module__ == module.__name__
        ]
        assert len(enums) == 1, f"{module.__name__}: one StrEnum, the app's catalogue"
        assert enums[0] in registered, f"{enums[0].__name__} is not in error_catalogues"
    assert {"core", "payments", "smartqueue", "booking"} <= set(error_catalogues)


def test_catalogue_values_are_stable_snake_case():
    for catalogue in error_catalogues.values():
        for member in catalogue:
            assert member.value == member.name.lower()
    assert "ticket_not_found" in catalogue_codes()
    assert catalogue_codes() == sorted(set(catalogue_codes()))


def test_the_body_carries_the_plain_string():
    SmartQueueError = error_catalogues.get("smartqueue")  # installed by the contract

    response = exception_handler(NotFound(code=SmartQueueError.TICKET_NOT_FOUND), {})
    code = response.data["error"]["code"]
    assert code == "ticket_not_found"
    assert type(code) is str


def _schema(extensions=None, responses=None):
    operation = {"security": [{"jwtAuth": []}], "responses": responses or {}}
    operation.update(extensions or {})
    return {"paths": {"/api/v1/things/{id}/": {"post": operation}}}


def test_the_schema_lists_the_catalogue_and_the_declared_codes():
    SmartQueueError = error_catalogues.get("smartqueue")  # installed by the contract

    result = add_error_responses(
        _schema(
            error_codes(
                {
                    409: [SmartQueueError.QUEUE_FULL, SmartQueueError.QUEUE_CLOSED],
                    404: [SmartQueueError.QUEUE_NOT_FOUND],
                    410: [SmartQueueError.ORDER_EXPIRED],
                }
            ),
            responses={"201": {"description": "Created."}},
        ),
        None,
        None,
        True,
    )
    code = result["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    assert code["enum"] == catalogue_codes()
    operation = result["paths"]["/api/v1/things/{id}/"]["post"]
    assert operation[ERROR_CODES_EXTENSION]["409"] == ["queue_closed", "queue_full"]
    responses = operation["responses"]
    assert "`queue_closed`, `queue_full`." in responses["409"]["description"]
    assert "`not_found`, `queue_not_found`." in responses["404"]["description"]
    assert "`order_expired`" in responses["410"]["description"]
    assert CoreError.NOT_AUTHENTICATED in responses["401"]["description"]


def test_a_declared_code_must_be_in_the_catalogue():
    with pytest.raises(ImproperlyConfigured, match="no_such_code"):
        add_error_responses(_schema(error_codes({409: ["no_such_code"]})), None, None, True)
