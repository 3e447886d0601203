from django.contrib import admin

from .models import Lesson


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "price", "currency", "paid_at")
    list_filter = ("currency",)
    search_fields = ("title", "organization__name")
    raw_id_fields = ("organization",)
