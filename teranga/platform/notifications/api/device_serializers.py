"""Push devices: what the API shows of a device, and what registering one takes."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from teranga.core.serializers import BaseModelSerializer, Serializer
from teranga.platform.notifications.devices import (
    NAME_MAX_LENGTH,
    TOKEN_MAX_LENGTH,
    TOKEN_MIN_LENGTH,
    token_errors,
)
from teranga.platform.notifications.models import Device, DevicePlatform


class DeviceSerializer(BaseModelSerializer):
    """One of my devices: its push token and whether pushes still go to it."""

    class Meta:
        model = Device
        fields = [
            "id", "token", "platform", "name", "is_active", "deactivated_reason",
            "last_seen_at", "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "deactivated_reason": {
                "help_text": "Why pushes stopped: `invalid_token:…` (the provider refused "
                "the token; register it again from the app), `superseded` (too many "
                "devices). Empty while active."
            }
        }


class _TokenField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            min_length=TOKEN_MIN_LENGTH,
            max_length=TOKEN_MAX_LENGTH,
            trim_whitespace=True,
            help_text=_("The FCM registration token of this app installation."),
            **kwargs,
        )

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if errors := token_errors(value):
            raise serializers.ValidationError(errors)
        return value


class DeviceRegisterSerializer(Serializer):
    """A push token to register (unknown fields are refused)."""

    token = _TokenField()
    platform = serializers.ChoiceField(choices=DevicePlatform.choices)
    name = serializers.CharField(
        max_length=NAME_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("A name the user recognises, e.g. the phone's model."),
    )


class DeviceRemoveSerializer(Serializer):
    """The push token of the device to remove."""

    token = _TokenField()
