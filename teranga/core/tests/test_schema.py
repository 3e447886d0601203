"""The OpenAPI schema is valid, documents every endpoint with its errors, and a short
schemathesis run over it finds no server error."""

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

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
    swagger = api.get("/api/docs/").content.decode()
    assert "/_allauth/openapi.json" in swagger  # allauth's spec beside ours
    assert api.get("/_allauth/openapi.json").status_code == 200


def _wsgi_schema():
    """Load our schema through the app itself (no database needed to build it)."""
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


schema = _wsgi_schema()


@pytest.fixture
def bearer(make_user, client_for):
    client = client_for(make_user("fuzz@example.com"))
    return {"Authorization": f"Bearer {client.tokens['access_token']}"}


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_error_anywhere(case, bearer):
    # Django's WSGI handler closes the database connection when a request starts and
    # finishes; in a test transaction that would close it under the test (PostgreSQL).
    # Django's test client detaches the same handler around its requests, and so do we.
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # Anonymous and authenticated: neither may ever produce a 5xx.
        case.call_and_validate(checks=[not_a_server_error])
        case.call_and_validate(headers=bearer, checks=[not_a_server_error])
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
