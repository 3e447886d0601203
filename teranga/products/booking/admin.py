"""Admin of the Booking product: the catalogue is editable (categories, tags, services and
their images); reservations are read-only, since their changes go through the scheduling
engine (capacity, policy, history, notifications)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import PhoneHashSearchMixin
from teranga.core.money import Money

from .models import (
    GuestCheck,
    PublicPage,
    PublicPageHost,
    Reservation,
    Service,
    ServiceCategory,
    ServiceImage,
    Tag,
)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ServiceImageInline(admin.TabularInline):
    model = ServiceImage
    extra = 0
    fields = ("image", "position")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "organization",
        "category",
        "price_display",
        "payment_mode",
        "due_online_display",
        "duration_minutes",
        "capacity",
        "is_active",
    )
    list_filter = ("is_active", "payment_mode", "category", "currency", "requires_confirmation")
    search_fields = ("name", "description", "organization__name", "organization__city")
    list_select_related = ("organization", "category")
    raw_id_fields = ("organization", "resource")
    autocomplete_fields = ("tags",)
    readonly_fields = ("created_at", "updated_at")
    inlines = [ServiceImageInline]

    @admin.display(description=_("price"), ordering="price_amount")
    def price_display(self, obj: Service) -> str:
        return obj.price.format()

    @admin.display(description=_("paid online"))
    def due_online_display(self, obj: Service) -> str:
        return Money(obj.amount_due_online, obj.currency).format()


@admin.register(Reservation)
class ReservationAdmin(PhoneHashSearchMixin, admin.ModelAdmin):
    """Read-mostly: only the client's note can be corrected here."""

    list_display = (
        "__str__",
        "organization",
        "service",
        "client_email",
        "status",
        "price_display",
        "payment_mode",
        "due_online_display",
        "created_at",
    )
    list_filter = ("booking__status", "payment_mode", "currency", "service__category")
    search_fields = (
        "service__name",
        "organization__name",
        "booking__client__email",
        "guest_name",
        "client_note",
    )
    phone_hash_search_fields = ("guest_phone_hash",)
    list_select_related = ("organization", "service", "booking", "booking__client")
    raw_id_fields = ("booking", "organization", "service")
    readonly_fields = (
        "booking",
        "organization",
        "service",
        "price_amount",
        "currency",
        "payment_mode",
        "online_amount",
        "guest_name",
        "guest_phone",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False  # reservations are made through the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("client"), ordering="booking__client__email")
    def client_email(self, obj: Reservation) -> str:
        client = obj.booking.client
        if client is None and obj.guest_phone:
            return f"{obj.guest_name} ({obj.guest_phone})"
        return client.email if client else "—"

    @admin.display(description=_("status"), ordering="booking__status")
    def status(self, obj: Reservation) -> str:
        return obj.booking.get_status_display()

    @admin.display(description=_("price"), ordering="price_amount")
    def price_display(self, obj: Reservation) -> str:
        return obj.price.format()

    @admin.display(description=_("paid online"), ordering="online_amount")
    def due_online_display(self, obj: Reservation) -> str:
        return obj.amount_due_online.format()


def _checked(clean, value):
    """A service's check of a slug or host as a form field's validation."""
    from django import forms

    from teranga.core.errors import ValidationFailed

    try:
        return clean(value)
    except ValidationFailed as exc:
        raise forms.ValidationError(exc.message) from None


class PublicPageHostForm(forms.ModelForm):
    class Meta:
        model = PublicPageHost
        fields = ("host",)

    def clean_host(self):
        from .services.public_page import public_host_clean

        return _checked(public_host_clean, self.cleaned_data["host"])


class PublicPageForm(forms.ModelForm):
    class Meta:
        model = PublicPage
        fields = ("organization", "slug", "is_enabled")

    def clean_slug(self):
        from .services.public_page import public_slug_clean

        return _checked(public_slug_clean, self.cleaned_data["slug"])


class PublicPageHostInline(admin.TabularInline):
    model = PublicPageHost
    form = PublicPageHostForm
    extra = 0
    fields = ("host", "created_at")
    readonly_fields = ("created_at",)


@admin.register(PublicPage)
class PublicPageAdmin(admin.ModelAdmin):
    """The businesses' public booking pages and their host names (the allow-list)."""

    list_display = ("slug", "organization", "is_enabled", "verified", "created_at")
    list_filter = ("is_enabled", "organization__verification_status")
    search_fields = ("slug", "organization__name", "hosts__host")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    form = PublicPageForm
    inlines = [PublicPageHostInline]

    @admin.display(description=_("verified"), boolean=True)
    def verified(self, obj: PublicPage) -> bool:
        return obj.organization.is_verified


@admin.register(GuestCheck)
class GuestCheckAdmin(PhoneHashSearchMixin, admin.ModelAdmin):
    """Read-only: the guests' SMS checks (the code itself is never stored)."""

    list_display = (
        *("phone", "name", "page", "service", "starts_at"),
        *("attempts", "used_at", "expires_at"),
    )
    list_filter = (("used_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "page__slug")
    phone_hash_search_fields = ("phone_hash",)
    list_select_related = ("page", "service")
    exclude = ("code_hash",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
