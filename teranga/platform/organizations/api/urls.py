from django.urls import path

from . import views

app_name = "organizations"

ORG = "organizations/<uuid:organization_id>"

urlpatterns = [
    path("organizations/", views.OrganizationListCreateView.as_view(), name="organization-list"),
    path("organizations/mine/", views.MyOrganizationsView.as_view(), name="organization-mine"),
    path(f"{ORG}/", views.OrganizationDetailView.as_view(), name="organization-detail"),
    path(f"{ORG}/logo/", views.OrganizationLogoView.as_view(), name="organization-logo"),
    path(f"{ORG}/members/", views.MemberListView.as_view(), name="member-list"),
    path(
        f"{ORG}/members/<uuid:membership_id>/",
        views.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(f"{ORG}/invitations/", views.InvitationListCreateView.as_view(), name="invitation-list"),
    path(
        f"{ORG}/invitations/<uuid:invitation_id>/",
        views.InvitationDetailView.as_view(),
        name="invitation-detail",
    ),
    path(
        "invitations/<str:token>/accept/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(f"{ORG}/branches/", views.BranchListCreateView.as_view(), name="branch-list"),
    path(
        f"{ORG}/branches/<uuid:branch_id>/", views.BranchDetailView.as_view(), name="branch-detail"
    ),
    path(
        f"{ORG}/branches/<uuid:branch_id>/opening-hours/",
        views.OpeningHoursView.as_view(),
        name="branch-opening-hours",
    ),
    path(f"{ORG}/closures/", views.ClosureListCreateView.as_view(), name="closure-list"),
    path(
        f"{ORG}/closures/<uuid:closure_id>/",
        views.ClosureDetailView.as_view(),
        name="closure-detail",
    ),
    path(f"{ORG}/verification/", views.VerificationView.as_view(), name="verification"),
    path(
        f"{ORG}/verification/decision/",
        views.VerificationDecisionView.as_view(),
        name="verification-decision",
    ),
]
