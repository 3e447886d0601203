"""Serializer bases: writes with fields the endpoint does not know are refused; model
serializers build their fields once per class."""

import copy

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


# Answer 400 ``unknown field`` instead of silently ignoring a typo on write. A comment,
# not a docstring: drf-spectacular makes the first docstring of a serializer's classes
# the description of its component, and every request model would repeat this one.
class StrictFieldsMixin:
    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data.keys()) - writable)
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


# DRF's ModelSerializer builds its fields from the model's metadata again for every
# serializer it creates (introspection, then a field class and its arguments per model
# field): about a quarter of a small authenticated read. The fields depend only on the
# class (its Meta and declarations; no serializer here builds them from its context), so
# they are built once per class and each serializer gets fresh copies: deepcopy re-creates
# a field from its arguments, as DRF does for declared fields.
class CachedFieldsMixin:
    def get_fields(self):
        cls = type(self)
        prototypes = cls.__dict__.get("_field_prototypes")
        if prototypes is None:
            prototypes = super().get_fields()
            cls._field_prototypes = prototypes
        return copy.deepcopy(prototypes)


class BaseModelSerializer(CachedFieldsMixin, serializers.ModelSerializer):
    pass


class Serializer(StrictFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(StrictFieldsMixin, BaseModelSerializer):
    pass


class PhoneField(serializers.CharField):
    """A phone number as typed: international (+221…, 00221…) or national. The service
    reads it (``teranga.core.phones``) in the region of the user or organisation it
    belongs to, answers 400 ``invalid_phone`` when it is not a number, and stores E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault(
            "help_text",
            "A phone number: international (+221775475688) or national (775475688), read "
            "in the country of the user or organisation it belongs to; stored as E.164.",
        )
        super().__init__(**kwargs)


class BoundedSlugRelatedField(serializers.SlugRelatedField):
    """A ``SlugRelatedField`` that refuses a value longer than its model field before it
    looks it up, and says so in the schema (``maxLength``). DRF's field takes no
    ``max_length`` and drf-spectacular maps the slug to a bare string, so both are done
    here. ``max_length`` comes from ``slug_field`` on ``model`` (else the queryset's model)."""

    default_error_messages = {
        # DRF's own message (translated in its catalogue and ours).
        "max_length": gettext_lazy("Ensure this field has no more than {max_length} characters."),
    }

    def __init__(self, *, slug_field: str, model=None, **kwargs):
        if model is None:
            model = kwargs["queryset"].model
        elif not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model._default_manager.all())
        super().__init__(slug_field=slug_field, **kwargs)
        self.max_length = model._meta.get_field(slug_field).max_length
        extend_schema_field({"type": "string", "maxLength": self.max_length})(self)

    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.JSONField())


class ErrorSerializer(serializers.Serializer):
    """The one error shape, for the OpenAPI schema."""

    error = ErrorDetailSerializer()


#: Query parameters the paginators read: never a filter.
PAGINATION_PARAMS = ("page", "page_size", "cursor")


def validated_query(serializer_class, request):
    """The request's query string validated by ``serializer_class`` (a 400 in the
    standard shape when invalid), the paginators' own parameters left out."""
    data = request.query_params.copy()
    for name in PAGINATION_PARAMS:
        data.pop(name, None)
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer
