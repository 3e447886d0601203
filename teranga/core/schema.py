"""OpenAPI: the schema's postprocessing (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``
lists :func:`postprocess` only).

* **English.** Titles and descriptions are in English, the language of the API, whatever
  the language of the request that asks for the schema (``/api/schema/`` answers French
  to a French browser; ``manage.py spectacular`` runs in ``LANGUAGE_CODE``). Help texts
  and choice labels are translated when the schema is generated, so a schema built in
  another language is built again with English active.
* **No titles.** drf-spectacular turns every field's label into a ``title``; our labels
  are the models' (they may stay French, for the admin) and a title only repeats the
  property's name: they are left out.
* **Local times.** Times of day are ``HH:MM[:SS]`` without offset: a pattern, not JSON
  Schema's ``format: time`` (RFC 3339, with an offset).
* **Unions of shapes.** What members see or what the public sees (no discriminator) is
  ``anyOf``: the richer shape also matches the leaner one, so ``oneOf`` would be false.
* **Errors.** The standard error responses on every operation. The ``code`` of the Error
  component is an enum of the whole catalogue (``teranga.core.errors.error_catalogues``),
  so generated clients know every code. An operation declares the codes it answers per
  status with :func:`error_codes` in its ``extend_schema(extensions=...)``; the hook lists
  them in that status's description and keeps them in the operation's ``x-error-codes``.
  404 is documented wherever an object is named (in the path, or by id in the query or
  the body) and on paginated lists (a page past the last); an error a view describes
  without a body gets the Error body.

And one serializer-field extension, :class:`ModelBackedReadOnlyFieldExtension`: a
read-only field of a model serializer is nullable (or may be "") when its model field is.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import models
from django.utils import translation
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.hooks import postprocess_schema_enums

from teranga.core.errors import CoreError, catalogue_codes

#: The language of the schema's titles and descriptions.
SCHEMA_LANGUAGE = "en"

#: The operation's extension that :func:`error_codes` fills: ``{"409": ["queue_full", …]}``.
ERROR_CODES_EXTENSION = "x-error-codes"


def error_codes(codes: Mapping[int, Iterable[str]]) -> dict:
    """The ``extensions`` of an ``extend_schema``: the catalogue codes the operation
    answers, by HTTP status (``{404: [ClinicError.VISIT_NOT_FOUND], 409: [...]}``)."""
    return {
        ERROR_CODES_EXTENSION: {
            str(status): sorted({str(code) for code in values})
            for status, values in sorted(codes.items())
        }
    }


ERROR_COMPONENT = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "description": "Stable machine-readable code."},
                "message": {"type": "string", "description": "In the request's language."},
                "fields": {
                    "type": "object",
                    "additionalProperties": True,
                    "description": "Per-field messages for invalid input.",
                },
            },
        }
    },
}

_DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "Missing or invalid access token.",
    "403": "Authenticated but not allowed.",
    "404": "No such object, or it belongs to another organisation.",
    "409": "Conflicts with the current state.",
    "410": "No longer available.",
    "413": "The request body is too large.",
    "415": "Unsupported content type.",
    "429": "Too many requests; see Retry-After.",
    "502": "The provider refused or could not be reached.",
    "503": "A dependency could not be reached; try again later.",
}

#: The codes every operation may answer with a status, whatever it declares.
_GENERIC_CODES = {
    "400": [CoreError.INVALID, CoreError.MALFORMED_REQUEST],
    "401": [CoreError.NOT_AUTHENTICATED, CoreError.AUTHENTICATION_FAILED],
    "403": [CoreError.PERMISSION_DENIED],
    "404": [CoreError.NOT_FOUND],
    "409": [],
    "413": [CoreError.PAYLOAD_TOO_LARGE],
    "415": [CoreError.UNSUPPORTED_MEDIA_TYPE],
    "429": [CoreError.THROTTLED],
}


def _description(status: str, declared: list[str] | None, base: str | None = None) -> str:
    codes = sorted({*map(str, _GENERIC_CODES.get(status, ())), *(declared or ())})
    text = base or _DESCRIPTIONS.get(status, "Error.")
    if not codes:
        return text
    listed = ", ".join(f"`{code}`" for code in codes)
    return f"{text} Codes: {listed}." if declared else f"{text} Codes: {listed} (or another)."


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: document the standard error shape on every operation, with
    the codes each status may carry, and the catalogue as the ``code`` enum."""
    known = catalogue_codes()
    component = copy.deepcopy(ERROR_COMPONENT)
    component["properties"]["error"]["properties"]["code"]["enum"] = known
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = component
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            security = operation.get("security", [])
            anonymous_ok = not security or {} in security
            codes = {"429", "400"}
            if not anonymous_ok:
                codes |= {"401", "403"}
            if "{" in path or _names_objects(operation, schemas):
                codes.add("404")
            paginated = _is_paginated(operation)
            if paginated:
                codes.add("404")
            if method in {"post", "put", "patch"}:
                codes |= {"413", "415"}
            if method in {"post", "put", "patch", "delete"}:
                codes.add("409")
            declared = operation.get(ERROR_CODES_EXTENSION) or {}
            unknown = {c for values in declared.values() for c in values} - set(known)
            if unknown:
                raise ImproperlyConfigured(
                    f"{method.upper()} {path} declares error codes outside the catalogue: "
                    f"{sorted(unknown)}"
                )
            codes |= set(declared)
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                if code in responses:  # the view documents it: add the declared codes
                    if code in declared:
                        responses[code]["description"] = _description(
                            code, declared[code], responses[code].get("description")
                        )
                    continue
                base = _NOT_FOUND_PAGE if code == "404" and paginated else None
                responses[code] = {
                    "description": _description(code, declared.get(code), base),
                    "content": {"application/json": {"schema": ref}},
                }
            for code, response in responses.items():
                if code.isdigit() and int(code) >= 400 and not response.get("content"):
                    # An error the view described without a body: it has the standard one.
                    response["content"] = {"application/json": {"schema": ref}}
    return result


_NOT_FOUND_PAGE = f"{_DESCRIPTIONS['404']} A `page` past the last one (or an invalid `cursor`) too."


def _resolved(schema: dict, schemas: dict) -> dict:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if isinstance(schema, dict) and len(schema.get("allOf", ())) == 1:
        return {**_resolved(schema["allOf"][0], schemas), **schema}
    return schema if isinstance(schema, dict) else {}


def _is_object_id(schema: dict, schemas: dict) -> bool:
    schema = _resolved(schema, schemas)
    if schema.get("type") == "array":
        return _is_object_id(schema.get("items", {}), schemas)
    return schema.get("format") == "uuid"


def _names_objects(operation: dict, schemas: dict) -> bool:
    """Whether the query or the body names an object by its id: one that does not exist,
    or that belongs to another organisation, is 404 like one in the path."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query" and _is_object_id(parameter.get("schema", {}), schemas):
            return True
    for media in operation.get("requestBody", {}).get("content", {}).values():
        body = _resolved(media.get("schema", {}), schemas)
        for prop in (body.get("properties") or {}).values():
            if not prop.get("readOnly") and _is_object_id(prop, schemas):
                return True
    return False


def _is_paginated(operation: dict) -> bool:
    """A paginated list: an unknown page is 404 (DRF's paginators)."""
    return any(
        parameter.get("in") == "query" and parameter.get("name") in {"page", "cursor"}
        for parameter in operation.get("parameters", [])
    )


#: Keys whose values are data (examples, defaults, enum values), not schemas.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "x-error-codes"})


def _without_titles(schema):
    """``schema`` without any ``title`` (a string: a property *named* title is a schema,
    kept); ``{"allOf": [ref]}`` left alone by the title becomes ``ref``."""
    if isinstance(schema, list):
        return [_without_titles(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    cleaned = {
        key: value if key in _DATA_KEYS else _without_titles(value)
        for key, value in schema.items()
        if not (key == "title" and isinstance(value, str))
    }
    if set(cleaned) == {"allOf"} and len(cleaned["allOf"]) == 1:
        return cleaned["allOf"][0]
    return cleaned


def drop_titles(result, generator, request, public):
    """Postprocessing hook: no ``title`` in the components (see the module's docstring)."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, schema in schemas.items():
        schemas[name] = _without_titles(schema)
    return result


#: A local wall-clock time as our TimeFields read and write it: ``HH:MM`` or
#: ``HH:MM:SS`` (and fractions), without offset.
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?$"


def _local_times(schema):
    if isinstance(schema, list):
        for item in schema:
            _local_times(item)
    elif isinstance(schema, dict):
        if schema.get("format") == "time" and schema.get("type") == "string":
            # JSON Schema's ``time`` is RFC 3339's full-time, with an offset ("13:00:00Z"):
            # ours have none. The pattern says what they are.
            del schema["format"]
            schema["pattern"] = LOCAL_TIME_PATTERN
        for key, value in schema.items():
            if key not in _DATA_KEYS:
                _local_times(value)


def local_times(result, generator, request, public):
    """Postprocessing hook: times of day are local ``HH:MM[:SS]`` strings (a pattern,
    not JSON Schema's ``format: time``, which requires an offset)."""
    _local_times(result.get("components", {}))
    _local_times(result.get("paths", {}))
    return result


def _unions_of_shapes(schema, schemas: dict):
    if isinstance(schema, list):
        for item in schema:
            _unions_of_shapes(item, schemas)
    elif isinstance(schema, dict):
        members = schema.get("oneOf")
        if (
            members
            and "discriminator" not in schema
            and all(
                "$ref" in member and _resolved(member, schemas).get("type") == "object"
                for member in members
            )
        ):
            # Object shapes without a discriminator are not exclusive: a richer one also
            # matches a leaner one (additional properties are allowed).
            schema["anyOf"] = schema.pop("oneOf")
        for key, value in schema.items():
            if key not in _DATA_KEYS:
                _unions_of_shapes(value, schemas)


def unions_of_shapes(result, generator, request, public):
    """Postprocessing hook: a choice between object shapes without a discriminator (e.g.
    what members see or what the public sees) is ``anyOf``, not ``oneOf``."""
    schemas = result.get("components", {}).get("schemas", {})
    _unions_of_shapes(schemas, schemas)
    _unions_of_shapes(result.get("paths", {}), schemas)
    return result


#: What :func:`postprocess` runs, in this order, with English active.
HOOKS = (postprocess_schema_enums, drop_titles, local_times, unions_of_shapes, add_error_responses)


class EnglishSchemaGenerator(SchemaGenerator):
    """``SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"]``: the schema is built with
    English active, whatever the language of the request that asks for it (help texts,
    choice labels and descriptions are translated as they are read)."""

    def get_schema(self, request=None, public=False):
        with translation.override(SCHEMA_LANGUAGE):
            return super().get_schema(request=request, public=public)


def postprocess(result, generator: SchemaGenerator, request, public):
    """The one postprocessing hook: :data:`HOOKS`, in order (English is active: the
    generator is :class:`EnglishSchemaGenerator`)."""
    for hook in HOOKS:
        result = hook(result=result, generator=generator, request=request, public=public)
    return result


# --- read-only fields of model serializers ---------------------------------------------


def _model_field(field):
    """``(model field, through a nullable relation)`` of a serializer field that shows a
    model's field (``source`` ``"region"``, ``"order.status"``…), else ``(None, False)``."""
    parent = getattr(field, "parent", None)
    model = getattr(getattr(parent, "Meta", None), "model", None)
    attrs = getattr(field, "source_attrs", None)
    if model is None or not attrs:
        return None, False
    through_null = False
    model_field = None
    for index, attr in enumerate(attrs):
        try:
            model_field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None, False
        if not getattr(model_field, "concrete", False):
            return None, False
        if index < len(attrs) - 1:
            if not model_field.many_to_one and not model_field.one_to_one:
                return None, False
            through_null = through_null or model_field.null
            model = model_field.related_model
    return model_field, through_null


class ModelBackedReadOnlyFieldExtension(OpenApiSerializerFieldExtension):
    """A read-only field of a ModelSerializer says what its model field may hold.

    DRF keeps ``allow_null`` but drops ``allow_blank`` on read-only fields, and a field
    declared by hand (a nested serializer for a foreign key, a ``source="a.b"``) knows
    neither: the schema then promises an object, an enum value or an email where the
    API answers null or "". Here a read-only field showing a nullable model field (or one
    reached through a nullable relation) is nullable, one showing a blank-able text or
    choice field may be "" (drf-spectacular then adds the empty choice, or the empty
    string beside an email's format). Any more specific extension wins (the lowest
    priority)."""

    target_class = "rest_framework.fields.Field"
    match_subclasses = True
    priority = -100

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        if field.read_only:
            model_field, through_null = _model_field(field)
            if model_field is not None and not model_field.many_to_many:
                if model_field.null or through_null:
                    field.allow_null = True  # read-only: only the schema reads it
                blank = model_field.blank and isinstance(
                    model_field, (models.CharField, models.TextField)
                )
                if blank and hasattr(field, "allow_blank"):
                    field.allow_blank = True
        return auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
