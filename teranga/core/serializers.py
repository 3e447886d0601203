"""Serializer bases: writes with fields the endpoint does not know are refused."""

from django.utils.translation import gettext as _
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


class Serializer(StrictFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass


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
