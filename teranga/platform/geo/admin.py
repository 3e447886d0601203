from django.contrib import admin

from .models import Department, Region


class DepartmentInline(admin.TabularInline):
    model = Department
    extra = 0
    fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "slug", "created_at")
    search_fields = ("name", "code", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DepartmentInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "slug")
    list_filter = ("region",)
    search_fields = ("name", "slug", "region__name")
    list_select_related = ("region",)
    prepopulated_fields = {"slug": ("name",)}
