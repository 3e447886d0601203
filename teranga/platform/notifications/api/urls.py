from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification-list"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="notification-read-all"),
    path(
        "unread-count/",
        views.NotificationUnreadCountView.as_view(),
        name="notification-unread-count",
    ),
    path(
        "preferences/",
        views.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("receipts/twilio/", views.TwilioReceiptView.as_view(), name="sms-receipt-twilio"),
    path("types/", views.NotificationTypeListView.as_view(), name="notification-type-list"),
    path(
        "types/<str:kind>/preview/",
        views.NotificationTypePreviewView.as_view(),
        name="notification-type-preview",
    ),
    path(
        "<uuid:notification_id>/read/",
        views.NotificationReadView.as_view(),
        name="notification-read",
    ),
]
urlpatterns += [
    path("sms/inbound/twilio/", views.InboundTwilioSmsView.as_view(), name="sms-inbound-twilio"),
    path(
        "sms/inbound/<str:provider>/",
        views.InboundSmsView.as_view(),
        name="sms-inbound",
    ),
]

from . import telegram_views  # noqa: E402

urlpatterns += [
    path("telegram/", telegram_views.TelegramView.as_view(), name="telegram"),
    path("telegram/link/", telegram_views.TelegramLinkView.as_view(), name="telegram-link"),
    path(
        "telegram/webhook/",
        telegram_views.TelegramWebhookView.as_view(),
        name="telegram-webhook",
    ),
]
