"""Push devices in the admin: find a user's devices, see why pushes stopped, switch one
off. Tokens are shown shortened (they are credentials of the device)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from teranga.platform.notifications.models import Device

TOKEN_HINT_LENGTH = 12


def token_hint(token: str) -> str:
    return token if len(token) <= TOKEN_HINT_LENGTH else f"{token[:TOKEN_HINT_LENGTH]}…"


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    list_display = (
        "user", "platform", "name", "short_token", "is_active", "deactivated_reason",
        "last_seen_at", "created_at",
    )
    list_filter = ("platform", "is_active", "deactivated_reason")
    search_fields = ("user__email", "name")
    list_select_related = ("user",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    fields = (
        "user", "platform", "name", "short_token", "is_active", "deactivated_reason",
        "last_seen_at", "created_at", "updated_at",
    )
    readonly_fields = (
        "user", "platform", "name", "short_token", "deactivated_reason", "last_seen_at",
        "created_at", "updated_at",
    )

    @admin.display(description=_("token"))
    def short_token(self, obj: Device) -> str:
        return token_hint(obj.token)

    def has_add_permission(self, request):
        return False  # devices come from the apps

    def save_model(self, request, obj, form, change):
        if "is_active" in form.changed_data:
            obj.deactivated_reason = "" if obj.is_active else "admin"
        super().save_model(request, obj, form, change)
