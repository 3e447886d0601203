"""My notifications: the inbox (a cursor-paginated feed, newest first), marking read
and the unread count. Every endpoint acts on the caller's own notifications only;
another user's notification is 404."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.pagination import CursorPagination
from teranga.platform.notifications import selectors, services
from teranga.platform.notifications.models import Notification

from . import serializers as s
from .filters import NotificationFilter

TAG = ["notifications"]
NOTIFICATION_ID = OpenApiParameter(
    "notification_id", str, OpenApiParameter.PATH, description="Notification UUID"
)


class NotificationListView(GenericAPIView):
    serializer_class = s.NotificationSerializer
    pagination_class = CursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        return selectors.notifications_of(user=self.request.user)

    @extend_schema(
        tags=TAG,
        summary="My notifications, newest first",
        description="Cursor-paginated (`cursor`, `page_size`). Filter with `unread` and `kind`.",
        responses={200: s.NotificationSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NotificationSerializer(page, many=True).data)


class NotificationReadView(GenericAPIView):
    serializer_class = s.NotificationSerializer

    @extend_schema(
        tags=TAG,
        summary="Mark one of my notifications read",
        description="Idempotent: an already read notification keeps its `read_at`.",
        parameters=[NOTIFICATION_ID],
        request=None,
        responses={200: s.NotificationSerializer},
    )
    def post(self, request, notification_id):
        notification = services.notification_mark_read(
            user=request.user, notification_id=notification_id
        )
        return Response(s.NotificationSerializer(notification).data)


class NotificationReadAllView(GenericAPIView):
    serializer_class = s.ReadAllResultSerializer

    @extend_schema(
        tags=TAG,
        summary="Mark all my notifications read",
        request=None,
        responses={200: s.ReadAllResultSerializer},
    )
    def post(self, request):
        updated = services.notifications_mark_all_read(user=request.user)
        return Response(s.ReadAllResultSerializer({"updated": updated}).data)


class NotificationUnreadCountView(GenericAPIView):
    serializer_class = s.UnreadCountSerializer

    @extend_schema(
        tags=TAG,
        summary="How many of my notifications are unread",
        responses={200: s.UnreadCountSerializer},
    )
    def get(self, request):
        count = selectors.notifications_unread_count(user=request.user)
        return Response(s.UnreadCountSerializer({"count": count}).data)
