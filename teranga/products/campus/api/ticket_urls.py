"""Routes of ticket types, shared quotas, orders, tickets and an event's cancellation
(under ``/api/v1/campus/``)."""

from django.urls import path

from . import ticket_views as views

urlpatterns = [
    path(
        "events/<uuid:event_id>/ticket-types/",
        views.TicketTypeListView.as_view(),
        name="campus-ticket-type-list",
    ),
    path(
        "ticket-types/<uuid:ticket_type_id>/",
        views.TicketTypeDetailView.as_view(),
        name="campus-ticket-type-detail",
    ),
    path("events/<uuid:event_id>/quotas/", views.QuotaListView.as_view(), name="campus-quota-list"),
    path("quotas/<uuid:quota_id>/", views.QuotaDetailView.as_view(), name="campus-quota-detail"),
    path(
        "events/<uuid:event_id>/orders/",
        views.EventOrderListView.as_view(),
        name="campus-event-order-list",
    ),
    path(
        "events/<uuid:event_id>/cancel/",
        views.EventCancelView.as_view(),
        name="campus-event-cancel",
    ),
    path("orders/", views.OrderListView.as_view(), name="campus-order-list"),
    path("orders/<uuid:order_id>/", views.OrderDetailView.as_view(), name="campus-order-detail"),
    path(
        "orders/<uuid:order_id>/cancel/",
        views.OrderCancelView.as_view(),
        name="campus-order-cancel",
    ),
    path("tickets/", views.TicketListView.as_view(), name="campus-ticket-list"),
    path(
        "tickets/<uuid:ticket_id>/", views.TicketDetailView.as_view(), name="campus-ticket-detail"
    ),
    path(
        "tickets/<uuid:ticket_id>/qr.png",
        views.TicketQrPngView.as_view(),
        name="campus-ticket-qr-png",
    ),
    path(
        "tickets/<uuid:ticket_id>/qr.svg",
        views.TicketQrSvgView.as_view(),
        name="campus-ticket-qr-svg",
    ),
    path("tickets/<uuid:ticket_id>/pdf", views.TicketPdfView.as_view(), name="campus-ticket-pdf"),
    path(
        "tickets/<uuid:ticket_id>/transfer/",
        views.TicketTransferView.as_view(),
        name="campus-ticket-transfer",
    ),
]
