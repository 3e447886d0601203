"""The example product's REST API: an organisation's lessons."""

from __future__ import annotations

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from teranga.platform.organizations.access import OrganizationAccess

from .models import Lesson
from .services import lesson_create


class LessonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ("id", "title", "price", "currency", "paid_at", "created_at")
        read_only_fields = ("id", "paid_at", "created_at")


class LessonList(generics.ListCreateAPIView):
    """An organisation's lessons: staff read them, managers add them."""

    serializer_class = LessonSerializer
    permission_classes = [IsAuthenticated, OrganizationAccess]
    organization_actions = {"GET": "tutoring.view", "POST": "tutoring.manage"}

    def get_throttles(self):
        self.throttle_scope = "tutoring_lessons" if self.request.method == "POST" else None
        return super().get_throttles()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Lesson.objects.none()
        return Lesson.objects.filter(organization=self.organization)

    def perform_create(self, serializer):
        serializer.instance = lesson_create(
            organization=self.organization, **serializer.validated_data
        )


urlpatterns = [
    path("organizations/<uuid:organization_id>/lessons/", LessonList.as_view()),
]
