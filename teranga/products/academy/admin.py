"""Admin of the Academy. Formations and their schedules and sessions are editable here
(moving a session here does not notify: use the API for that); enrolments, attendance
and reminders are read-only, since they change through payments, check-ins and the
roll call."""

from __future__ import annotations

from django.contrib import admin

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import Attendance, Enrolment, Formation, Session, SessionReminder, SessionSchedule

TIMESTAMPS = ("created_at", "updated_at")


class SessionInline(ReadOnlyTabularInline):
    model = Session
    fields = ("starts_at", "ends_at", "status")


@admin.register(Formation)
class FormationAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "organization",
        "level",
        "price_amount",
        "currency",
        "platform",
        "is_published",
    )
    list_filter = ("is_published", "level", "platform", "currency")
    search_fields = ("title", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "instructor")
    readonly_fields = TIMESTAMPS


@admin.register(SessionSchedule)
class SessionScheduleAdmin(admin.ModelAdmin):
    list_display = ("formation", "first_date", "last_date", "start_time", "time_zone")
    list_select_related = ("formation",)
    raw_id_fields = ("organization", "formation")
    readonly_fields = TIMESTAMPS
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("formation", "starts_at", "ends_at", "status")
    list_filter = ("status",)
    search_fields = ("formation__title",)
    date_hierarchy = "starts_at"
    list_select_related = ("formation",)
    raw_id_fields = ("organization", "formation", "schedule")
    readonly_fields = TIMESTAMPS


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "formation", "status", "amount", "currency", "activated_at")
    list_filter = ("status",)
    search_fields = ("user__email", "formation__title")
    list_select_related = ("user", "formation")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "session", "present", "method", "updated_at")
    list_filter = ("present", "method")
    search_fields = ("user__email", "session__formation__title")
    list_select_related = ("user", "session__formation")


@admin.register(SessionReminder)
class SessionReminderAdmin(ReadOnlyModelAdmin):
    list_display = ("session", "offset_minutes", "starts_at", "created_at")
    list_select_related = ("session__formation",)
