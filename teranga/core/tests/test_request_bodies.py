"""Request bodies are JSON; only upload endpoints take multipart/form-data, and they take
nothing else. Each operation of the schema declares exactly one request content type, so
that generated clients (openapi-python-client, openapi-typescript) get one body type."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db

JSON = "application/json"
MULTIPART = "multipart/form-data"
FORM = "application/x-www-form-urlencoded"

#: The upload endpoints: multipart/form-data only.
UPLOADS = {
    ("put", "/api/v1/me/avatar/"),
    ("put", "/api/v1/organizations/{organization_id}/logo/"),
    ("post", "/api/v1/organizations/{organization_id}/verification/"),
    ("post", "/api/v1/conversations/{conversation_id}/messages/upload/"),
    ("post", "/api/v1/support/conversations/upload/"),
    ("post", "/api/v1/booking/services/{service_id}/images/"),
    ("post", "/api/v1/campus/events/{event_id}/cover/"),
    ("post", "/api/v1/campus/me/student-verification/"),
    ("post", "/api/v1/imports/"),
    ("post", "/api/v1/realestate/properties/{property_id}/images/"),
    ("post", "/api/v1/realestate/properties/{property_id}/documents/"),
    ("post", "/api/v1/realestate/contracts/{contract_id}/sign/"),
    ("post", "/api/v1/realestate/organizations/{organization_id}/imports/properties/"),
    ("post", "/api/v1/realestate/organizations/{organization_id}/imports/clients/"),
}
#: Twilio's callbacks: form-encoded, the format Twilio posts (not called by our clients).
PROVIDER_FORMS = {
    ("post", "/api/v1/notifications/receipts/twilio/"),
    ("post", "/api/v1/notifications/sms/inbound/twilio/"),
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _bodies(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                yield (method, path), operation["requestBody"]["content"]


def _has_binary(schema, node, seen=()) -> bool:
    """Whether a schema (following $refs) has a file field (``format: binary``)."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref:
            if ref in seen:
                return False
            name = ref.rsplit("/", 1)[-1]
            return _has_binary(schema, schema["components"]["schemas"][name], (*seen, ref))
        if node.get("format") == "binary":
            return True
        return any(_has_binary(schema, value, seen) for value in node.values())
    if isinstance(node, list):
        return any(_has_binary(schema, value, seen) for value in node)
    return False


def test_every_operation_has_one_request_content_type(schema):
    bodies = dict(_bodies(schema))
    assert len(bodies) > 50
    expected_elsewhere = UPLOADS | PROVIDER_FORMS
    assert expected_elsewhere <= set(bodies), expected_elsewhere - set(bodies)
    for operation, content in bodies.items():
        if operation in UPLOADS:
            assert list(content) == [MULTIPART], operation
            assert _has_binary(schema, content[MULTIPART]["schema"]), operation
        elif operation in PROVIDER_FORMS:
            assert list(content) == [FORM], operation
        else:
            assert list(content) == [JSON], operation
            # a file field has no place in a JSON body: it belongs to an upload endpoint
            assert not _has_binary(schema, content[JSON]["schema"]), operation


def test_upload_endpoints_document_415(schema):
    for method, path in UPLOADS:
        responses = schema["paths"][path][method]["responses"]
        assert {"400", "413", "415"} <= set(responses), (method, path)


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def _assert_415(response):
    assert response.status_code == 415, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == "unsupported_media_type"


def test_an_upload_endpoint_refuses_json(make_user, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(make_user("upload@example.com"))
    _assert_415(client.put("/api/v1/me/avatar/", {"avatar": "x"}, format="json"))
    _assert_415(client.generic("PUT", "/api/v1/me/avatar/", "avatar=x", content_type=FORM))
    ok = client.put("/api/v1/me/avatar/", {"avatar": _png()}, format="multipart")
    assert ok.status_code == 200, ok.content


def test_a_json_endpoint_refuses_multipart_and_forms(make_user, client_for):
    user = make_user("json-only@example.com", first_name="Awa")
    client = client_for(user)
    _assert_415(client.patch("/api/v1/me/", {"first_name": "B"}, format="multipart"))
    _assert_415(client.generic("PATCH", "/api/v1/me/", "first_name=B", content_type=FORM))
    _assert_415(
        client.post("/api/v1/organizations/", {"name": "X", "kind": "bank"}, format="multipart")
    )
    user.refresh_from_db()
    assert user.first_name == "Awa"
    assert client.patch("/api/v1/me/", {"first_name": "B"}, format="json").status_code == 200
