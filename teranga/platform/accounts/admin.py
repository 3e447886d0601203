from allauth.usersessions.admin import UserSessionAdmin
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import PhoneHashSearchMixin
from teranga.platform.accounts.models import ClientProfile, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this email already exists."))
        return email


class UserAdminChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class ClientProfileInline(admin.StackedInline):
    model = ClientProfile
    can_delete = False
    extra = 0
    max_num = 1
    verbose_name_plural = _("client profile")


@admin.register(User)
class UserAdmin(PhoneHashSearchMixin, DjangoUserAdmin):
    def get_inlines(self, request, obj):
        return (ClientProfileInline,) if obj is not None else ()  # not on the add form

    form = UserAdminChangeForm
    add_form = UserCreationForm
    list_display = (
        "email",
        "first_name",
        "last_name",
        "phone",
        "phone_verified",
        "language",
        "is_active",
        "is_staff",
        "date_joined",
    )
    list_filter = ("is_active", "is_staff", "is_superuser", "language", "phone_verified", "groups")
    search_fields = ("email", "first_name", "last_name")
    phone_hash_search_fields = ("phone_hash",)
    ordering = ("-date_joined",)
    readonly_fields = ("id", "date_joined", "last_login", "erased_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("id", "email", "password")}),
        (
            _("Personal info"),
            {
                "fields": (
                    "first_name",
                    "last_name",
                    "phone",
                    "phone_verified",
                    "language",
                    "avatar",
                )
            },
        ),
        (_("Privacy"), {"fields": ("privacy_consent_at", "erased_at")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (
            _("Important dates"),
            {"fields": ("last_login", "date_joined", "created_at", "updated_at")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "password1", "password2"),
            },
        ),
    )


# allauth's UserSession admin searches ``user__username``, which our user model does not
# have (email is the login): the same admin, searching by email instead.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class TerangaUserSessionAdmin(UserSessionAdmin):
    search_fields = ["user__email", "ip"]
    list_filter = ["created_at", "last_seen_at"]
