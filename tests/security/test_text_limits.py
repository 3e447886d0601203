"""Free text has a maximum length (issue 15, defect 8: an organisation description of
100,000 characters was accepted and shown in the public directory).

The bounds live in :mod:`teranga.core.limits`. Two proofs:

* through HTTP, an organisation description past the limit answers 400 in the standard
  error shape, naming the field, and changes nothing; one at the limit is accepted;
* the OpenAPI schema (which is generated from the serializers that validate the input)
  gives every free-text string of every request body, and every free-text query
  parameter, a ``maxLength``. Its failure lists every operation and field that lacks one.
"""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from conftest import authed_client, create_user
from teranga.core.limits import DESCRIPTION_MAX_LENGTH
from teranga.platform.organizations.models import Membership, Organization, Role
from teranga.platform.organizations.services import organization_create

pytestmark = pytest.mark.django_db

DIRECTORY = "/api/v1/organizations/"


# --- (a) An organisation's description, through HTTP --------------------------------------


@pytest.fixture
def owner_and_org():
    owner = create_user("owner@limits.test")
    org = organization_create(
        user=owner,
        name="Boulangerie Ndiaye",
        kind="business",
        country="SN",
        city="Dakar",
    )
    return owner, org


def _detail(org: Organization) -> str:
    return f"/api/v1/organizations/{org.id}/"


def test_a_description_past_the_limit_answers_400_and_changes_nothing(owner_and_org):
    owner, org = owner_and_org
    client = authed_client(owner)
    before = Organization.objects.get(pk=org.pk).description

    response = client.patch(_detail(org), {"description": "x" * 100_000}, format="json")

    assert response.status_code == 400, response.content[:500]
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["description"]
    assert Organization.objects.get(pk=org.pk).description == before
    # Nor does the public directory show it.
    listed = APIClient().get(DIRECTORY, {"q": "Ndiaye"}).json()
    assert all(len(item.get("description", "")) < 100_000 for item in listed["results"])


def test_one_character_past_the_limit_is_refused(owner_and_org):
    owner, org = owner_and_org
    client = authed_client(owner)

    response = client.patch(
        _detail(org), {"description": "x" * (DESCRIPTION_MAX_LENGTH + 1)}, format="json"
    )

    assert response.status_code == 400
    assert "description" in response.json()["error"]["fields"]


def test_a_description_at_the_limit_is_accepted(owner_and_org):
    owner, org = owner_and_org
    client = authed_client(owner)
    text = "é" * DESCRIPTION_MAX_LENGTH

    response = client.patch(_detail(org), {"description": text}, format="json")

    assert response.status_code == 200, response.content[:500]
    assert Organization.objects.get(pk=org.pk).description == text
    assert Membership.objects.filter(organization=org, user=owner, role=Role.OWNER).exists()


def test_a_search_query_past_the_limit_answers_400():
    response = APIClient().get(DIRECTORY, {"q": "x" * 10_000})

    assert response.status_code == 400
    assert "q" in response.json()["error"]["fields"]


# --- (b) The schema: every free-text input has a maxLength ---------------------------------

#: Formats that fix a string's shape (a date, an id, an address, a file, a number).
FIXED_FORMATS = {"date", "date-time", "time", "uuid", "email", "uri", "binary", "decimal"}
#: Request content types whose bodies are checked.
CHECKED_CONTENT = ("application/json", "multipart/form-data")
#: Bodies in a provider's own format (Stripe's, PayPal's, Wave's events…), checked by their
#: signature and bounded by the size of a request body: not ours to describe field by field.
PROVIDER_BODIES = {
    "POST /api/v1/payments/webhooks/{provider}/",
    # Google's and Graph's change notifications, checked by channel token / clientState.
    "POST /api/v1/calendar/webhooks/{provider}/",
    # Telegram's updates, checked by the bot's secret token header.
    "POST /api/v1/notifications/telegram/webhook/",
}
#: Query parameters that are not free text: ``ordering`` (DRF's OrderingFilter keeps only
#: the view's field names and drops the rest) and ``cursor`` (an opaque pagination token,
#: refused when it does not decode).
NOT_FREE_TEXT = {"ordering", "cursor"}
#: A quantifier with no upper bound (``*``, ``+``, ``{n,}``), unless it repeats only digits
#: (``[0-9]+``, ``\\d*``: a number's digits, as in a time's fraction of a second, not text).
_UNBOUNDED = re.compile(r"(?<!\[0-9\])(?<!\\d)(?<!\\)(?:[*+]|\{\d+,\})")
#: What makes a schema more than "any JSON value".
_SHAPED = {"type", "$ref", "allOf", "oneOf", "anyOf", "enum", "const", "not"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _fixed_shape(node: dict) -> bool:
    """Whether a string's pattern alone fixes its shape (``^[A-Z]{3}$``, a time of day):
    anchored at both ends, and no unbounded repetition of anything but digits."""
    pattern = node.get("pattern")
    if not pattern:
        return False
    return pattern.startswith("^") and pattern.endswith("$") and not _UNBOUNDED.search(pattern)


def _needs_max_length(node: dict) -> bool:
    return (
        node.get("type") == "string"
        and "maxLength" not in node
        and "enum" not in node
        and "const" not in node
        and node.get("format") not in FIXED_FORMATS
        and not _fixed_shape(node)
    )


def _unbounded_strings(schema: dict, node, where: str, seen: frozenset = frozenset()):
    """Yield the location of every unbounded free-text string that a client may send in
    ``node``, following ``$ref``, ``allOf``/``oneOf``/``anyOf``, arrays' ``items`` and
    objects' ``properties``/``additionalProperties``."""
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if ref:
        if ref in seen:
            return
        name = ref.rsplit("/", 1)[-1]
        yield from _unbounded_strings(
            schema, schema["components"]["schemas"][name], where, seen | {ref}
        )
        return
    if node.get("readOnly"):
        return
    if _needs_max_length(node):
        yield where
    elif not _SHAPED & node.keys():
        yield f"{where} (any JSON value)"
    for combinator in ("allOf", "oneOf", "anyOf"):
        for member in node.get(combinator, []):
            yield from _unbounded_strings(schema, member, where, seen)
    if "items" in node:
        yield from _unbounded_strings(schema, node["items"], f"{where}[]", seen)
    for name, child in node.get("properties", {}).items():
        yield from _unbounded_strings(schema, child, f"{where}.{name}" if where else name, seen)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) or extra is True:
        extra = {} if extra is True else extra
        yield from _unbounded_strings(schema, extra, f"{where}.*" if where else "*", seen)


def _operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if isinstance(operation, dict) and "operationId" in operation:
                yield f"{method.upper()} {path}", operation


def test_every_free_text_in_a_request_body_has_a_max_length(schema):
    offenders = []
    bodies = 0
    for operation_name, operation in _operations(schema):
        if operation_name in PROVIDER_BODIES:
            continue
        content = operation.get("requestBody", {}).get("content", {})
        for content_type in CHECKED_CONTENT:
            if content_type in content:
                bodies += 1
                for field in _unbounded_strings(schema, content[content_type]["schema"], ""):
                    offenders.append(f"{operation_name} ({content_type}): {field or '<body>'}")
    assert bodies > 50
    assert not offenders, "free text without maxLength in request bodies:\n" + "\n".join(
        sorted(set(offenders))
    )


def test_every_free_text_query_parameter_has_a_max_length(schema):
    offenders = []
    for operation_name, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query" or parameter["name"] in NOT_FREE_TEXT:
                continue
            for field in _unbounded_strings(schema, parameter.get("schema", {}), ""):
                name = parameter["name"] + (f".{field}" if field else "")
                offenders.append(f"{operation_name}: ?{name}")
    assert not offenders, "free-text query parameters without maxLength:\n" + "\n".join(
        sorted(set(offenders))
    )
