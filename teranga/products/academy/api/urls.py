from django.urls import path

from . import views

app_name = "academy"

urlpatterns = [
    path("formations/", views.FormationListCreateView.as_view(), name="formations"),
    path(
        "organizations/<uuid:organization_id>/formations/",
        views.OrganizationFormationListView.as_view(),
        name="organization-formations",
    ),
    path(
        "organizations/<uuid:organization_id>/dashboard/",
        views.DashboardView.as_view(),
        name="dashboard",
    ),
    path("formations/<uuid:formation_id>/", views.FormationDetailView.as_view(), name="formation"),
    path(
        "formations/<uuid:formation_id>/sessions/",
        views.FormationSessionListView.as_view(),
        name="formation-sessions",
    ),
    path(
        "formations/<uuid:formation_id>/schedules/",
        views.ScheduleCreateView.as_view(),
        name="formation-schedules",
    ),
    path(
        "formations/<uuid:formation_id>/enrolments/",
        views.FormationEnrolmentsView.as_view(),
        name="formation-enrolments",
    ),
    path("sessions/<uuid:session_id>/", views.SessionDetailView.as_view(), name="session"),
    path(
        "sessions/<uuid:session_id>/cancel/",
        views.SessionCancelView.as_view(),
        name="session-cancel",
    ),
    path(
        "sessions/<uuid:session_id>/checkin-link/",
        views.SessionCheckinLinkView.as_view(),
        name="session-checkin-link",
    ),
    path(
        "sessions/<uuid:session_id>/attendance/",
        views.SessionAttendanceView.as_view(),
        name="session-attendance",
    ),
    path(
        "sessions/<uuid:session_id>/roll-call/",
        views.RollCallView.as_view(),
        name="session-roll-call",
    ),
    path("checkin/", views.CheckinView.as_view(), name="checkin"),
    path("me/enrolments/", views.MyEnrolmentsView.as_view(), name="my-enrolments"),
    path("me/payments/", views.MyPaymentsView.as_view(), name="my-payments"),
]
