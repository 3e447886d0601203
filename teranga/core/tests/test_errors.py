"""The API conventions, checked over HTTP: one error shape, a clean 4xx for bad input,
a request id on every response, security headers, compression and languages."""

import json
import uuid

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def test_unknown_url_answers_json_404(api):
    assert_error(api.get("/api/v1/does-not-exist/"), 404, "not_found")


def test_unauthenticated_answers_401(api):
    assert_error(api.get("/api/v1/me/"), 401, "not_authenticated")


def test_malformed_json_answers_400(make_user, client_for):
    client = client_for(make_user("json@example.com"))
    response = client.generic(
        "PATCH", "/api/v1/me/", '{"first_name": "A",', content_type="application/json"
    )
    assert_error(response, 400, "malformed_request")


def test_wrong_types_and_unknown_fields_answer_400_and_change_nothing(make_user, client_for):
    user = make_user("types@example.com", first_name="Awa")
    client = client_for(user)
    error = assert_error(client.patch("/api/v1/me/", {"first_name": ["x"]}, format="json"), 400)
    assert "first_name" in error["fields"]
    error = assert_error(
        client.patch("/api/v1/me/", {"first_name": "B", "is_staff": True}, format="json"), 400
    )
    assert "is_staff" in error["fields"]
    user.refresh_from_db()
    assert (user.first_name, user.is_staff) == ("Awa", False)


def test_nul_bytes_are_refused(make_user, client_for, api):
    client = client_for(make_user("nul@example.com"))
    assert_error(client.patch("/api/v1/me/", {"first_name": "a\x00b"}, format="json"), 400)
    assert_error(api.get("/api/v1/organizations/?q=a%00b"), 400, "malformed_request")


def test_huge_body_answers_413(api, settings):
    body = json.dumps({"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = api.generic("POST", "/api/v1/organizations/", body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_bad_uuid_in_path_answers_404(api):
    malformed = assert_error(api.get("/api/v1/organizations/not-a-uuid/"), 404)
    missing = assert_error(api.get(f"/api/v1/organizations/{uuid.uuid4()}/"), 404)
    assert malformed["code"] == "not_found"  # the URL's uuid converter never matched
    assert missing["code"] == "organization_not_found"


def test_unsupported_media_type_answers_415(make_user, client_for):
    client = client_for(make_user("media@example.com"))
    response = client.generic("PATCH", "/api/v1/me/", "first_name=A", content_type="text/csv")
    assert_error(response, 415, "unsupported_media_type")


def test_request_id_is_echoed_or_generated(api):
    response = api.get("/health/live/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    generated = api.get("/health/live/")["X-Request-ID"]
    assert len(generated) == 32
    # A hostile id (too long, odd characters) is replaced, not reflected.
    assert api.get("/health/live/", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"


def test_security_headers_and_csp():
    response = Client().get("/api/v1/geo/regions/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["Referrer-Policy"] == "same-origin"


def test_cors_from_environment(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.teranga.sn"]
    response = Client().options(
        "/api/v1/geo/regions/",
        HTTP_ORIGIN="https://app.teranga.sn",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response["Access-Control-Allow-Origin"] == "https://app.teranga.sn"
    other = Client().get("/api/v1/geo/regions/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


def test_responses_are_compressed():
    response = Client().get("/api/v1/geo/regions/", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Authentication credentials were not provided."),
        ("fr", "Informations d'authentification non fournies."),
    ],
)
def test_error_messages_follow_accept_language(api, language, expected):
    error = assert_error(api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE=language), 401)
    assert error["message"] == expected


def test_wolof_is_a_supported_language(api):
    response = api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="wo")
    assert response["Content-Language"] == "wo"
    # Our own messages and the libraries' (DRF's here) have Wolof translations.
    error = assert_error(api.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="wo"), 404)
    assert error["message"] == "Gisuñu ko."
    error = assert_error(api.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE="fr"), 404)
    assert error["message"] == "Introuvable."
    drf_wolof = assert_error(api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="wo"), 401)
    drf_french = assert_error(api.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="fr"), 401)
    assert drf_french["message"] == "Informations d'authentification non fournies."
    assert drf_wolof["message"] not in (
        drf_french["message"],
        "Authentication credentials were not provided.",
    )


def test_throttling_answers_429_with_retry_after(api, settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from teranga.core.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        statuses = [api.get("/api/v1/geo/regions/").status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200]
        response = api.get("/api/v1/geo/regions/")
        error = assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert error
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_prometheus_metrics_are_exposed():
    Client().get("/api/v1/geo/regions/")
    response = Client().get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests_total_by_method_total" in response.content
