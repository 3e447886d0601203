"""Routes of the campus API (community: reviews, badges, student-ID verification)."""

from django.urls import path

from . import community_views as views

urlpatterns = [
    path(
        "events/<str:event_id>/reviews/",
        views.EventReviewsView.as_view(),
        name="campus-event-reviews",
    ),
    path("reviews/<str:review_id>/", views.ReviewDetailView.as_view(), name="campus-review"),
    path(
        "reviews/<str:review_id>/reply/",
        views.ReviewReplyView.as_view(),
        name="campus-review-reply",
    ),
    path(
        "reviews/<str:review_id>/report/",
        views.ReviewReportView.as_view(),
        name="campus-review-report",
    ),
    path(
        "organizers/<str:organization_id>/rating/",
        views.OrganizerRatingView.as_view(),
        name="campus-organizer-rating",
    ),
    path("me/badges/", views.MyBadgesView.as_view(), name="campus-my-badges"),
    path("users/<str:user_id>/badges/", views.UserBadgesView.as_view(), name="campus-user-badges"),
    path(
        "universities/<str:organization_id>/leaderboard/",
        views.LeaderboardView.as_view(),
        name="campus-leaderboard",
    ),
    path(
        "organizations/<str:organization_id>/campus-settings/",
        views.CampusSettingsView.as_view(),
        name="campus-settings",
    ),
    path(
        "me/student-verification/",
        views.MyVerificationView.as_view(),
        name="campus-my-verification",
    ),
    path(
        "organizations/<str:organization_id>/student-verifications/",
        views.UniversityVerificationsView.as_view(),
        name="campus-university-verifications",
    ),
    path(
        "student-verifications/<str:verification_id>/approve/",
        views.VerificationApproveView.as_view(),
        name="campus-verification-approve",
    ),
    path(
        "student-verifications/<str:verification_id>/reject/",
        views.VerificationRejectView.as_view(),
        name="campus-verification-reject",
    ),
    path(
        "student-verifications/<str:verification_id>/card/",
        views.VerificationCardView.as_view(),
        name="campus-verification-card",
    ),
]
