from django.urls import path

from . import support_views, views

app_name = "messaging"

CONVERSATION = "conversations/<uuid:conversation_id>/"
MESSAGE = f"{CONVERSATION}messages/<uuid:message_id>/"

urlpatterns = [
    path("conversations/", views.ConversationListCreateView.as_view(), name="conversation-list"),
    path("conversations/invitations/", views.InvitationListView.as_view(), name="invitation-list"),
    path(
        "conversations/invitations/<uuid:invitation_id>/accept/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path(
        "conversations/invitations/<uuid:invitation_id>/decline/",
        views.InvitationDeclineView.as_view(),
        name="invitation-decline",
    ),
    path(f"{CONVERSATION}leave/", views.LeaveView.as_view(), name="conversation-leave"),
    path("messaging/blocks/", views.BlockListCreateView.as_view(), name="block-list"),
    path("messaging/blocks/<uuid:user_id>/", views.BlockDetailView.as_view(), name="block-detail"),
    path(CONVERSATION, views.ConversationDetailView.as_view(), name="conversation-detail"),
    path(f"{CONVERSATION}messages/", views.MessageListCreateView.as_view(), name="message-list"),
    path(
        f"{CONVERSATION}messages/upload/", views.MessageUploadView.as_view(), name="message-upload"
    ),
    path(MESSAGE, views.MessageDetailView.as_view(), name="message-detail"),
    path(
        f"{MESSAGE}attachments/<uuid:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment-download",
    ),
    path(f"{CONVERSATION}read/", views.ReadView.as_view(), name="conversation-read"),
    path(
        f"{CONVERSATION}participants/",
        views.ParticipantListCreateView.as_view(),
        name="participant-list",
    ),
    path(
        f"{CONVERSATION}participants/<uuid:user_id>/",
        views.ParticipantDetailView.as_view(),
        name="participant-detail",
    ),
    path(
        "support/conversations/",
        support_views.SupportConversationListOpenView.as_view(),
        name="support-conversations",
    ),
    path(
        "support/conversations/upload/",
        support_views.SupportConversationUploadView.as_view(),
        name="support-conversation-upload",
    ),
    path(
        "support/conversations/<uuid:conversation_id>/close/",
        support_views.SupportCloseView.as_view(),
        name="support-close",
    ),
    path("support/widget-config/", support_views.WidgetConfigView.as_view(), name="widget-config"),
    path(
        "organizations/<uuid:organization_id>/support/inbox/",
        support_views.SupportInboxView.as_view(),
        name="support-inbox",
    ),
    path(
        "organizations/<uuid:organization_id>/support/settings/",
        support_views.SupportSettingsView.as_view(),
        name="support-settings",
    ),
]
