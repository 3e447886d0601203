"""The OpenAPI schema is valid, documents every endpoint with its errors, and a short
schemathesis run over it finds no server error."""

import re
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.skips import mark_skip_on_leg

pytestmark = pytest.mark.django_db


def test_schema_is_valid_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.stat().st_size > 1000


def test_every_operation_documents_its_errors(api):
    schema = api.get("/api/schema/?format=json").json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 10
    for path, method, operation in operations:
        responses = operation["responses"]
        assert "429" in responses, (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        if method in {"post", "put", "patch"}:
            assert "400" in responses, (path, method)
        assert responses["429"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_docs_pages_are_served_without_a_cdn(api):
    for url in ("/api/docs/", "/api/redoc/"):
        page = api.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "cdn" not in html.lower() and "unpkg" not in html.lower()
        assert "/static/drf_spectacular_sidecar/" in html
    script = api.get("/api/docs/?script")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "/_allauth/openapi.json" in script.content.decode()  # allauth's spec beside ours
    assert api.get("/_allauth/openapi.json").status_code == 200


#: A ``<script>`` element that runs and is not a file (JSON data blocks do not run).
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)


def test_no_page_runs_an_inline_script(api, admin_client, client):
    """The CSP's script-src is 'self' alone: a page with an inline script would break."""
    for client, url in (
        (api, "/api/docs/"),
        (api, "/api/redoc/"),
        (api, "/"),
        (admin_client, "/admin/"),
        (admin_client, "/admin/accounts/user/add/"),
        (client, "/admin/login/"),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        directives = dict(
            part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";")
        )
        assert directives["script-src"] == "'self'", url  # the order of directives varies
        assert not INLINE_SCRIPT.findall(page.content.decode()), url


def _wsgi_schema():
    """Load our schema through the app itself (no database needed to build it)."""
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def _anonymous_allowed(context) -> bool:
    """The operation admits a caller without credentials: ``{}`` among its security
    requirements (drf-spectacular writes it for AllowAny and read-only-for-anonymous
    views), or none declared."""
    security = context.operation.definition.raw.get("security")
    return security is None or {} in security


#: The operations a caller without credentials may use (about 50 of 500: catalogues,
#: public pages' reads, sign-in and sign-up, webhooks, collection): fuzzed in full below.
public_schema = _wsgi_schema().include(func=_anonymous_allowed)
#: Every other operation refuses an anonymous caller before it reads its input: fuzzing
#: one of them anonymously (the coverage phase alone makes hundreds of cases each) only
#: ran the authentication's refusal again and again, most of the SQLite leg's time. One
#: well-formed request each proves the refusal; what they do with bad input, signed in,
#: is tests/test_schema_conformance.py's negative-data run.
signed_in_schema = _wsgi_schema().exclude(func=_anonymous_allowed)
signed_in_schema.config.generation.update(modes=[GenerationMode.POSITIVE])
signed_in_schema.config.phases.coverage.enabled = False

ANONYMOUS_ON_SQLITE = (
    "anonymous fuzz: on the SQLite leg; the PostgreSQL leg fuzzes every operation as "
    "signed-in callers, 5xx included (tests/test_schema_conformance.py)"
)


@contextmanager
def _connections_kept():
    """Django's WSGI handler closes the database connection when a request starts and
    finishes; in a test transaction that would close it under the test (PostgreSQL).
    Django's test client detaches the same handler around its requests, and so do we."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@mark_skip_on_leg("postgresql", ANONYMOUS_ON_SQLITE)
@public_schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_anywhere(case, db):
    # Anonymous: never a 5xx. Signed-in callers (a client, an agent and an owner, on
    # real data) are fuzzed by tests/test_schema_conformance.py, whose checks include
    # not_a_server_error: sending them again here only doubled the suite's longest run.
    with _connections_kept():
        case.call_and_validate(checks=[not_a_server_error])


@mark_skip_on_leg("postgresql", ANONYMOUS_ON_SQLITE)
@signed_in_schema.parametrize()
@settings(
    max_examples=1,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_signed_in_operations_refuse_anonymous_callers(case, db):
    with _connections_kept():
        response = case.call_and_validate(checks=[not_a_server_error, status_code_conformance])
    assert response.status_code in {401, 403}, (case.operation.label, response.status_code)
    error = response.json()["error"]
    assert error["code"] in {"not_authenticated", "authentication_failed"}, (
        case.operation.label,
        error,
    )


# --- what the schema says: English, named, without titles, with true examples ----------

SCHEMA_URL = "/api/schema/?format=json"


def _served(api, language: str) -> dict:
    response = api.get(SCHEMA_URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.json()


def _walk(node, path=()):
    """Every (path, dict) of ``node``, examples left out (they are data)."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in {"example", "examples", "enum", "default"}:
                yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def test_the_schema_is_english_whatever_the_request_language(api):
    french = _served(api, "fr")
    assert french == _served(api, "en")
    descriptions = [
        node["description"]
        for _path, node in _walk(french)
        if isinstance(node.get("description"), str)
    ]
    assert "* `pending` - Pending" in "\n".join(descriptions)
    for word in ("En attente", "Français", "Vérifiée", "Nombre de résultats"):
        assert not any(word in text for text in descriptions), word


def test_no_titles_and_no_shared_docstring(api):
    schema = _served(api, "en")
    titled = [
        path for path, node in _walk(schema["components"]) if isinstance(node.get("title"), str)
    ]
    assert titled == []
    for name, component in schema["components"]["schemas"].items():
        # The strict serializers' base no longer lends its docstring to every request.
        assert "silently ignoring a typo" not in component.get("description", ""), name


def test_every_enum_is_named(api):
    from django.conf import settings

    named = set(settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]) | {"BlankEnum", "NullEnum"}
    enums = {
        name
        for name, component in _served(api, "en")["components"]["schemas"].items()
        if "enum" in component
    }
    assert enums - named == set(), "name them in SPECTACULAR_SETTINGS['ENUM_NAME_OVERRIDES']"


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: value if key in {"example", "examples", "enum", "default"} else _json_schema(value)
        for key, value in node.items()
        if key != "nullable"
    }
    return {"anyOf": [converted, {"type": "null"}]} if node.get("nullable") else converted


#: The main flow of each product, documented with a request and a response example.
MAIN_FLOWS = [
    ("/api/v1/booking/reservations/", "post", "201"),
    ("/api/v1/smartqueue/queues/{queue_id}/tickets/", "post", "201"),
    ("/api/v1/payments/", "post", "201"),
    ("/api/v1/conversations/{conversation_id}/messages/", "post", "201"),
    ("/api/v1/organizations/", "post", "201"),
]


def test_examples_match_their_schemas(api):
    from jsonschema import Draft202012Validator, FormatChecker

    schema = _served(api, "en")
    components = {"schemas": _json_schema(schema["components"]["schemas"])}

    def check(example_schema, value, where):
        validator = Draft202012Validator(
            {**_json_schema(example_schema), "components": components},
            format_checker=FormatChecker(),
        )
        errors = [error.message for error in validator.iter_errors(value)]
        assert errors == [], (where, errors)

    checked = 0
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict):
                continue
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                for name, example in media.get("examples", {}).items():
                    check(media["schema"], example["value"], (method, path, name))
                    checked += 1
            for status, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    for name, example in media.get("examples", {}).items():
                        check(media["schema"], example["value"], (method, path, status, name))
                        checked += 1
    assert checked >= 2 * len(MAIN_FLOWS)
    for path, method, status in MAIN_FLOWS:
        operation = schema["paths"][path][method]
        assert operation["requestBody"]["content"]["application/json"].get("examples"), path
        assert operation["responses"][status]["content"]["application/json"].get("examples"), path
