from django.urls import path

from . import mt, plans, signals, space, views

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
    path("me/space/", space.MemberSpaceView.as_view(), name="my-space"),
    path("me/space/settings/", space.MemberSpaceSettingsView.as_view(), name="my-space-settings"),
    # --- MetaTrader section ---
    path("mt/accounts/", mt.AccountListCreateView.as_view(), name="mt-accounts"),
    path("mt/accounts/<uuid:account_id>/", mt.AccountDetailView.as_view(), name="mt-account"),
    path("mt/accounts/<uuid:account_id>/keys/", mt.AccountKeysView.as_view(), name="mt-keys"),
    path(
        "mt/accounts/<uuid:account_id>/keys/<uuid:key_id>/revoke/",
        mt.AccountKeyRevokeView.as_view(),
        name="mt-key-revoke",
    ),
    path("mt/accounts/<uuid:account_id>/trades/", mt.AccountTradesView.as_view(), name="mt-trades"),
    path("mt/accounts/<uuid:account_id>/stats/", mt.AccountStatsView.as_view(), name="mt-stats"),
    path("mt/sync/", mt.SyncView.as_view(), name="mt-sync"),
    # --- signals section ---
    path("signals/", signals.SignalListCreateView.as_view(), name="signals"),
    path("signals/stats/", signals.SignalStatsView.as_view(), name="signal-stats"),
    path("signals/<uuid:signal_id>/", signals.SignalDetailView.as_view(), name="signal"),
    path(
        "signals/<uuid:signal_id>/updates/",
        signals.SignalUpdateListView.as_view(),
        name="signal-updates",
    ),
    path("signals/<uuid:signal_id>/close/", signals.SignalCloseView.as_view(), name="signal-close"),
    # --- signal plans section ---
    path(
        "organizations/<uuid:organization_id>/signal-plans/",
        plans.OrganizationSignalPlansView.as_view(),
        name="organization-signal-plans",
    ),
    path("signal-plans/<uuid:plan_id>/", plans.SignalPlanDetailView.as_view(), name="signal-plan"),
    path(
        "signal-plans/<uuid:plan_id>/subscribe/",
        plans.SignalPlanSubscribeView.as_view(),
        name="signal-plan-subscribe",
    ),
    path(
        "me/signal-subscriptions/",
        plans.MySignalSubscriptionsView.as_view(),
        name="my-signal-subscriptions",
    ),
]
