from django.urls import path

from . import views

urlpatterns = [
    path("payments/", views.PaymentListCreateView.as_view(), name="payments"),
    path("payments/providers/", views.ProvidersView.as_view(), name="payment-providers"),
    path(
        "payments/webhooks/<slug:provider>/",
        views.WebhookView.as_view(),
        name="payment-webhook",
    ),
    path("payments/<uuid:payment_id>/", views.PaymentDetailView.as_view(), name="payment"),
    path(
        "payments/<uuid:payment_id>/cancel/",
        views.PaymentCancelView.as_view(),
        name="payment-cancel",
    ),
    path(
        "payments/<uuid:payment_id>/refund/",
        views.PaymentRefundView.as_view(),
        name="payment-refund",
    ),
    path(
        "payments/<uuid:payment_id>/review/",
        views.PaymentReviewView.as_view(),
        name="payment-review",
    ),
    path(
        "organizations/<uuid:organization_id>/payment-accounts/<slug:provider>/",
        views.ProviderAccountView.as_view(),
        name="payment-account",
    ),
]
