"""Admin of Campus. Events, tags, organisers, students and check-in lists are editable;
the counters that guard sales (seats taken, tickets sold) are read-only, since only the
services change them under lock. Orders, tickets, scans, views and the waiting list are
read-only: they change through the API (payments, refunds, check-in, offers)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from teranga.core.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline
from teranga.core.money import Money

from .models import (
    CampusOrganizer,
    CheckinList,
    Event,
    EventSeries,
    EventView,
    Order,
    OrderLine,
    Scan,
    ScannerDevice,
    SharedQuota,
    StudentProfile,
    Tag,
    Ticket,
    TicketTransfer,
    TicketType,
    WaitingListEntry,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("slug", "created_at")
    search_fields = ("slug",)


@admin.register(CampusOrganizer)
class CampusOrganizerAdmin(admin.ModelAdmin):
    list_display = ("organization", "university", "created_at")
    search_fields = ("organization__name", "university__name")
    list_select_related = ("organization", "university")
    raw_id_fields = ("organization", "university")


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "university", "created_at")
    search_fields = ("user__email", "user__first_name", "user__last_name", "university__name")
    list_select_related = ("user", "university")
    raw_id_fields = ("user", "university")
    autocomplete_fields = ("interests",)


class TicketTypeInline(admin.TabularInline):
    model = TicketType
    extra = 0
    fields = ("name", "kind", "price", "currency", "quota", "taken", "sold", "is_active")
    readonly_fields = ("taken", "sold")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "organization",
        "category",
        "starts_at",
        "status",
        "visibility",
        "sold_count",
        "capacity",
    )
    list_filter = ("status", "visibility", "category")
    search_fields = ("title", "organization__name", "address")
    date_hierarchy = "starts_at"
    list_select_related = ("organization",)
    raw_id_fields = ("organization", "university", "series", "branch")
    autocomplete_fields = ("tags",)
    readonly_fields = (
        "taken",
        "sold_count",
        "views_count",
        "favourites_count",
        "price_from",
        "published_at",
        "cancelled_at",
        "created_at",
        "updated_at",
    )
    inlines = [TicketTypeInline]


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "first_date", "last_date")
    search_fields = ("title", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "event", "kind", "price_display", "quota", "taken", "sold", "is_active")
    list_filter = ("kind", "is_active", "currency")
    search_fields = ("name", "event__title")
    list_select_related = ("event",)
    raw_id_fields = ("event", "organization")
    readonly_fields = ("taken", "sold", "created_at", "updated_at")

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj: TicketType) -> str:
        return Money(obj.price, obj.currency).format()


@admin.register(SharedQuota)
class SharedQuotaAdmin(admin.ModelAdmin):
    list_display = ("name", "event", "size", "taken")
    search_fields = ("name", "event__title")
    list_select_related = ("event",)
    raw_id_fields = ("event",)
    filter_horizontal = ("ticket_types",)
    readonly_fields = ("taken",)


class OrderLineInline(ReadOnlyTabularInline):
    model = OrderLine
    fields = ("ticket_type", "quantity", "unit_price")


@admin.register(Order)
class OrderAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "buyer", "status", "total_display", "hold_expires_at", "created_at")
    list_filter = ("status",)
    search_fields = ("event__title", "buyer__email")
    list_select_related = ("event", "buyer")
    inlines = [OrderLineInline]

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj: Order) -> str:
        return Money(obj.total, obj.currency).format()


@admin.register(Ticket)
class TicketAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "holder", "ticket_type", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("code", "event__title", "holder__email")
    list_select_related = ("event", "holder", "ticket_type")


@admin.register(TicketTransfer)
class TicketTransferAdmin(ReadOnlyModelAdmin):
    list_display = ("ticket", "from_user", "to_user", "created_at")
    list_select_related = ("ticket__event", "from_user", "to_user")


@admin.register(WaitingListEntry)
class WaitingListEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "event", "ticket_type", "status", "hold_expires_at", "created_at")
    list_filter = ("status",)
    search_fields = ("user__email", "event__title")
    list_select_related = ("user", "event", "ticket_type")


@admin.register(CheckinList)
class CheckinListAdmin(admin.ModelAdmin):
    list_display = ("name", "event", "allow_reentry", "record_exits")
    search_fields = ("name", "event__title")
    list_select_related = ("event",)
    raw_id_fields = ("event", "organization")
    filter_horizontal = ("ticket_types",)


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "organization", "last_seen_at", "revoked_at", "created_at")
    search_fields = ("name", "organization__name")
    list_select_related = ("organization",)
    exclude = ("token_hash",)


@admin.register(Scan)
class ScanAdmin(ReadOnlyModelAdmin):
    list_display = ("code", "checkin_list", "direction", "result", "scanned_at", "offline")
    list_filter = ("result", "direction", "offline")
    search_fields = ("code",)
    list_select_related = ("checkin_list",)


@admin.register(EventView)
class EventViewAdmin(ReadOnlyModelAdmin):
    list_display = ("event", "day", "user", "created_at")
    list_select_related = ("event", "user")
    date_hierarchy = "day"


# --- Community ----------------------------------------------------------------------------

from .models import BadgeAward, Review, ReviewReport, StudentVerification  # noqa: E402


class ReviewReportInline(ReadOnlyTabularInline):
    model = ReviewReport
    fields = ("reporter", "reason", "created_at")
    readonly_fields = fields


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation: a review reported too often is hidden (``hidden_at``); "show again"
    clears it (its reports stay)."""

    list_display = ("event", "author", "rating", "reports_count", "hidden_at", "created_at")
    list_filter = ("rating", ("hidden_at", admin.EmptyFieldListFilter))
    search_fields = ("event__title", "author__email", "comment")
    list_select_related = ("event", "author")
    raw_id_fields = ("event", "organization", "author", "replied_by")
    readonly_fields = ("reports_count", "created_at", "updated_at")
    inlines = [ReviewReportInline]
    actions = ["show_again", "hide"]

    @admin.action(description=_("Show the selected reviews again"))
    def show_again(self, request, queryset):
        queryset.update(hidden_at=None)

    @admin.action(description=_("Hide the selected reviews"))
    def hide(self, request, queryset):
        from django.utils import timezone

        queryset.filter(hidden_at__isnull=True).update(hidden_at=timezone.now())


@admin.register(BadgeAward)
class BadgeAwardAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "badge", "created_at")
    list_filter = ("badge",)
    search_fields = ("user__email",)
    list_select_related = ("user",)


@admin.register(StudentVerification)
class StudentVerificationAdmin(admin.ModelAdmin):
    """Staff approve or reject pending student IDs against the card (the same service as
    the API: the student is notified)."""

    list_display = ("matricule", "user", "university", "status", "decided_at", "created_at")
    list_filter = ("status",)
    # The matricule is encrypted: a search term is also matched against its keyed hash.
    search_fields = ("user__email", "university__name")
    list_select_related = ("user", "university")
    raw_id_fields = ("user", "university", "decided_by")

    def get_search_results(self, request, queryset, search_term):
        from teranga.core.encryption import keyed_hash

        from .models.community import MATRICULE_HASH
        from .services.verification import matricule_normalise

        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = matricule_normalise(search_term or "")
        if term:
            digest = keyed_hash(term, purpose=MATRICULE_HASH)
            results |= queryset.filter(matricule_hash=digest)
        return results, duplicates
    readonly_fields = ("status", "decided_at", "decided_by", "created_at", "updated_at")
    actions = ["approve", "reject"]

    def _decide(self, request, queryset, *, approve: bool):
        from teranga.core.errors import ApplicationError

        from .services.verification import student_verification_decide

        for verification in queryset.filter(status="pending"):
            try:
                student_verification_decide(
                    user=request.user,
                    verification_id=verification.pk,
                    approve=approve,
                    reason="" if approve else str(_("Refused by the platform staff.")),
                )
            except ApplicationError as error:
                self.message_user(request, error.message, level="error")

    @admin.action(description=_("Approve the selected student IDs"))
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Reject the selected student IDs"))
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False)


# --- Groups and clubs ------------------------------------------------------------------------
# Groups are edited here by staff; members, posts and comments are moderated (flagged
# content is filtered by "flagged"); join requests and reactions are read-only.

from .models import (  # noqa: E402
    CampusGroup,
    GroupComment,
    GroupJoinRequest,
    GroupMembership,
    GroupPost,
    GroupReaction,
)


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)


@admin.register(CampusGroup)
class CampusGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "visibility", "university", "members_count", "created_at")
    list_filter = ("kind", "visibility")
    search_fields = ("name",)
    list_select_related = ("university",)
    raw_id_fields = ("university", "organizer", "created_by", "conversation")
    readonly_fields = ("members_count", "conversation", "created_at", "updated_at")
    inlines = [GroupMembershipInline]


@admin.register(GroupPost)
class GroupPostAdmin(admin.ModelAdmin):
    list_display = ("__str__", "group", "author", "flagged", "created_at")
    list_filter = ("flagged",)
    search_fields = ("text", "author__email", "group__name")
    list_select_related = ("group", "author")
    raw_id_fields = ("group", "author")
    readonly_fields = ("moderation_reason", "edited_at", "created_at", "updated_at")


@admin.register(GroupComment)
class GroupCommentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "post", "author", "flagged", "created_at")
    list_filter = ("flagged",)
    search_fields = ("text", "author__email")
    list_select_related = ("post", "author")
    raw_id_fields = ("post", "author")
    readonly_fields = ("moderation_reason", "created_at", "updated_at")


@admin.register(GroupJoinRequest)
class GroupJoinRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("group", "user", "status", "created_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("group", "user")


@admin.register(GroupReaction)
class GroupReactionAdmin(ReadOnlyModelAdmin):
    list_display = ("post", "user", "emoji", "created_at")
    list_select_related = ("post", "user")


# --- invitations ---
from .models import EventInvitation, ShareLink  # noqa: E402


@admin.register(EventInvitation)
class EventInvitationAdmin(ReadOnlyModelAdmin):
    list_display = ("event", "user", "email", "status", "created_at", "responded_at")
    list_filter = ("status",)
    search_fields = ("email", "user__email", "code")
    list_select_related = ("event", "user")


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyModelAdmin):
    list_display = ("event", "code", "created_by", "expires_at", "visits", "conversions")
    search_fields = ("code",)
    list_select_related = ("event", "created_by")
