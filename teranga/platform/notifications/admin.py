from django.contrib import admin

from teranga.platform.notifications.models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """The SMS outbox, read-only: in the sandbox this is where codes can be read."""

    list_display = ("created_at", "to", "purpose", "status", "provider", "sent_at", "body")
    list_filter = ("status", "provider", "purpose", "created_at")
    search_fields = ("to", "body", "provider_message_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = [f.name for f in SmsMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
