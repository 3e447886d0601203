"""The read-only admin bases: even a superuser can view, but not add, change or delete,
and inlines show no extra row and no delete box."""

import pytest
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from conftest import create_user
from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

pytestmark = pytest.mark.django_db


class PermissionInline(ReadOnlyTabularInline):
    model = Permission
    fields = ("codename", "name")


class ContentTypeAdmin(ReadOnlyModelAdmin):
    inlines = [PermissionInline]


@pytest.fixture
def superuser_request():
    def make(method: str = "get"):
        request = getattr(RequestFactory(), method)("/admin/")
        request.user = root
        return request

    root = create_user("root@example.com", is_staff=True, is_superuser=True)
    return make


def test_model_admin_views_but_never_adds_changes_or_deletes(superuser_request):
    model_admin = ContentTypeAdmin(ContentType, AdminSite())
    obj = ContentType.objects.get_for_model(Permission)
    for method in ("get", "post"):
        request = superuser_request(method)
        assert model_admin.has_view_permission(request, obj)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request, obj)
        assert not model_admin.has_delete_permission(request, obj)
    assert "delete_selected" not in model_admin.get_actions(superuser_request())


def test_inline_is_read_only_without_extra_rows(superuser_request):
    request = superuser_request()
    obj = ContentType.objects.get_for_model(Permission)
    model_admin = ContentTypeAdmin(ContentType, AdminSite())
    (inline,) = model_admin.get_inline_instances(request, obj)
    assert inline.has_view_permission(request, obj)
    assert not inline.has_add_permission(request, obj)
    assert not inline.has_change_permission(request, obj)
    assert not inline.has_delete_permission(request, obj)
    assert inline.max_num == 0  # no add rows
    formset = inline.get_formset(request, obj)
    assert formset.extra == 0
    assert not formset.can_delete
