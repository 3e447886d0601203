"""Serializer bases: writes with fields the endpoint does not know are refused."""

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictFieldsMixin:
    """Answer 400 ``unknown field`` instead of silently ignoring a typo on write."""

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
