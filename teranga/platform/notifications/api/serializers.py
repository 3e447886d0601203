from __future__ import annotations

from rest_framework import serializers

from teranga.platform.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()
    data = serializers.JSONField(
        read_only=True, help_text="What the notification is about (ids, times), by kind."
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "data", "is_read", "read_at", "created_at"]
        read_only_fields = fields

    def get_is_read(self, obj: Notification) -> bool:
        return obj.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(read_only=True)


class ReadAllResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(read_only=True, help_text="How many were marked read.")
