"""Routes of the campus API (groups and clubs: members, join requests, posts, comments,
reactions)."""

from django.urls import path

from . import group_views as views

urlpatterns = [
    path("groups/", views.GroupListView.as_view(), name="campus-groups"),
    path("groups/<str:group_id>/", views.GroupDetailView.as_view(), name="campus-group"),
    path("groups/<str:group_id>/join/", views.GroupJoinView.as_view(), name="campus-group-join"),
    path("groups/<str:group_id>/leave/", views.GroupLeaveView.as_view(), name="campus-group-leave"),
    path(
        "groups/<str:group_id>/members/",
        views.GroupMembersView.as_view(),
        name="campus-group-members",
    ),
    path(
        "groups/<str:group_id>/members/<str:user_id>/",
        views.GroupMemberView.as_view(),
        name="campus-group-member",
    ),
    path(
        "groups/<str:group_id>/join-requests/",
        views.GroupJoinRequestsView.as_view(),
        name="campus-group-join-requests",
    ),
    path(
        "join-requests/<str:request_id>/approve/",
        views.JoinRequestApproveView.as_view(),
        name="campus-join-request-approve",
    ),
    path(
        "join-requests/<str:request_id>/reject/",
        views.JoinRequestRejectView.as_view(),
        name="campus-join-request-reject",
    ),
    path("groups/<str:group_id>/posts/", views.GroupPostsView.as_view(), name="campus-group-posts"),
    path("posts/<str:post_id>/", views.PostDetailView.as_view(), name="campus-post"),
    path(
        "posts/<str:post_id>/comments/",
        views.PostCommentsView.as_view(),
        name="campus-post-comments",
    ),
    path(
        "posts/<str:post_id>/reactions/",
        views.PostReactionsView.as_view(),
        name="campus-post-reactions",
    ),
    path("comments/<str:comment_id>/", views.CommentDetailView.as_view(), name="campus-comment"),
]
