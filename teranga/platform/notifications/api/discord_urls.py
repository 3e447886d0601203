"""Discord webhook routes, included under ``/api/v1/`` with an empty prefix."""

from django.urls import path

from . import discord_views as views

urlpatterns = [
    path(
        "organizations/<uuid:organization_id>/discord-webhooks/",
        views.DiscordWebhookListView.as_view(),
        name="organization-discord-webhook-list",
    ),
    path(
        "organizations/<uuid:organization_id>/discord-webhooks/<uuid:webhook_id>/",
        views.DiscordWebhookDetailView.as_view(),
        name="organization-discord-webhook-detail",
    ),
]
