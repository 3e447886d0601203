"""Groups and clubs endpoints: groups, members and roles, join requests, posts, comments,
reactions. Views validate, call one service or selector, serialize. Every endpoint needs
a signed-in user."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from teranga.core.errors import CoreError
from teranga.core.pagination import CursorPagination, PaginatedViewMixin
from teranga.core.schema import error_codes
from teranga.core.serializers import validated_query

from ..errors import CampusError
from ..models import GroupRole
from ..selectors import groups as selectors
from ..services import groups as group_services
from ..services import posts as post_services
from . import group_serializers as s

TAG_GROUPS = ["campus: groups"]
TAG_POSTS = ["campus: group posts"]
#: Throttle scope of the writes that create content (groups, posts, comments).
WRITE_SCOPE = "campus_group_writes"


def _uuid_path(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.UUID, OpenApiParameter.PATH, description=description)


GROUP_ID = _uuid_path("group_id", "Group id")
USER_ID = _uuid_path("user_id", "User id of the member")
REQUEST_ID = _uuid_path("request_id", "Join request id")
POST_ID = _uuid_path("post_id", "Post id")
COMMENT_ID = _uuid_path("comment_id", "Comment id")

E400 = [CoreError.INVALID]
E403_MEMBER = [CampusError.NOT_A_MEMBER]
E403_ROLE = [CampusError.NOT_A_MEMBER, CampusError.GROUP_ROLE_TOO_LOW]


class GroupsView(PaginatedViewMixin, GenericAPIView):
    filter_backends: list = []


class WriteThrottled:
    """POST counts against the ``campus_group_writes`` scope; reads do not."""

    @property
    def throttle_scope(self):
        return WRITE_SCOPE if self.request.method == "POST" else None


# --- Groups ------------------------------------------------------------------------------


class GroupListView(WriteThrottled, GroupsView):
    serializer_class = s.GroupSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Groups and clubs",
        description="Public groups and the private groups I am a member of, newest first; "
        "`q` searches the name and description, `university` keeps one university's, "
        "`mine` only mine.",
        parameters=[s.GroupQuerySerializer],
        responses={200: s.GroupSerializer(many=True)},
        extensions=error_codes({400: E400}),
    )
    def get(self, request):
        query = validated_query(s.GroupQuerySerializer, request).validated_data
        groups = selectors.visible_groups(
            user=request.user,
            q=query.get("q", ""),
            university_id=query.get("university"),
            mine=query.get("mine"),
        )
        return self.paginated(groups, s.GroupSerializer)

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Create a group or a club",
        description="The creator becomes its admin and the owner of its chat (a group "
        "conversation of messaging, created with it). `university` must be an "
        "organisation of kind university (400 `university_not_found`); a club's "
        "`organizer` an organisation of kind club the creator is a member of (400 "
        "`organizer_not_found`); when a club names no university it takes its "
        "organiser's.",
        request=s.GroupCreateSerializer,
        responses={201: s.GroupSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    CampusError.UNIVERSITY_NOT_FOUND,
                    CampusError.ORGANIZER_NOT_FOUND,
                ]
            }
        ),
    )
    def post(self, request):
        serializer = s.GroupCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        group = group_services.group_create(
            user=request.user,
            name=data["name"],
            description=data["description"],
            kind=data["kind"],
            visibility=data["visibility"],
            university_id=data["university"],
            organizer_id=data["organizer"],
        )
        return Response(s.GroupSerializer(group).data, status=status.HTTP_201_CREATED)


class GroupDetailView(GroupsView):
    serializer_class = s.GroupSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="A group",
        description="Any signed-in user sees a group's name and description (a private "
        "group found by its link can be asked to join); its chat id (`conversation`) is "
        "shown to members only.",
        parameters=[GROUP_ID],
        responses={200: s.GroupSerializer},
        extensions=error_codes({404: [CampusError.GROUP_NOT_FOUND]}),
    )
    def get(self, request, group_id):
        group = selectors.group_for_viewer(user=request.user, group_id=group_id)
        return Response(s.GroupSerializer(group).data)

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Edit a group (its admins)",
        description="A moderator or member gets 403 `group_role_too_low`; a non-member "
        "403 `not_a_member` (404 for a private group).",
        parameters=[GROUP_ID],
        request=s.GroupUpdateSerializer,
        responses={200: s.GroupSerializer},
        extensions=error_codes(
            {
                400: [
                    CoreError.INVALID,
                    CampusError.UNIVERSITY_NOT_FOUND,
                    CampusError.ORGANIZER_NOT_FOUND,
                ],
                403: E403_ROLE,
                404: [CampusError.GROUP_NOT_FOUND],
            }
        ),
    )
    def patch(self, request, group_id):
        serializer = s.GroupUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        for field in ("university", "organizer"):
            if field in changes:
                changes[f"{field}_id"] = changes.pop(field)
        group = group_services.group_update(user=request.user, group_id=group_id, **changes)
        return Response(s.GroupSerializer(group).data)

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Delete a group (its admins)",
        description="With its posts, comments and reactions; everyone leaves its chat.",
        parameters=[GROUP_ID],
        responses={204: None},
        extensions=error_codes({403: E403_ROLE, 404: [CampusError.GROUP_NOT_FOUND]}),
    )
    def delete(self, request, group_id):
        group_services.group_delete(user=request.user, group_id=group_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupJoinView(GroupsView):
    serializer_class = s.JoinResultSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Join a group",
        description="A public group: I am a member at once (`outcome`: `member`, 200) and "
        "a participant of its chat. A private group: a join request waits for an admin "
        "or moderator (`outcome`: `requested`, 202). 409 `already_member`, or "
        "`join_request_pending` when I already asked. No body.",
        parameters=[GROUP_ID],
        request=None,
        responses={200: s.JoinResultSerializer, 202: s.JoinResultSerializer},
        extensions=error_codes(
            {
                404: [CampusError.GROUP_NOT_FOUND],
                409: [CampusError.ALREADY_MEMBER, CampusError.JOIN_REQUEST_PENDING],
            }
        ),
    )
    def post(self, request, group_id):
        result, row = group_services.group_join(user=request.user, group_id=group_id)
        group = selectors.group_for_viewer(user=request.user, group_id=group_id)
        body = {
            "outcome": result,
            "group": s.GroupSerializer(group).data,
            "join_request": s.JoinRequestSerializer(row).data if result == "requested" else None,
        }
        code = status.HTTP_200_OK if result == "member" else status.HTTP_202_ACCEPTED
        return Response(body, status=code)


class GroupLeaveView(GroupsView):
    serializer_class = s.LeaveSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Leave a group",
        description="I leave the group and its chat. The last admin names a member as "
        "`successor` (who becomes admin), else 409 `last_admin`; a successor who is not "
        "a member is 400 `group_member_not_found`. The body is optional.",
        parameters=[GROUP_ID],
        request=s.LeaveSerializer,
        responses={204: None},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, CampusError.GROUP_MEMBER_NOT_FOUND],
                403: E403_MEMBER,
                404: [CampusError.GROUP_NOT_FOUND],
                409: [CampusError.LAST_ADMIN],
            }
        ),
    )
    def post(self, request, group_id):
        serializer = s.LeaveSerializer(data=request.data or {})
        serializer.is_valid(raise_exception=True)
        group_services.group_leave(
            user=request.user,
            group_id=group_id,
            successor_id=serializer.validated_data["successor"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupMembersView(GroupsView):
    serializer_class = s.MemberSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="A group's members",
        description="Admins first, then moderators, then members. A private group's "
        "members are shown to its members only (404 otherwise).",
        parameters=[GROUP_ID],
        responses={200: s.MemberSerializer(many=True)},
        extensions=error_codes({404: [CampusError.GROUP_NOT_FOUND]}),
    )
    def get(self, request, group_id):
        group = selectors.group_for_reader(user=request.user, group_id=group_id)
        return self.paginated(selectors.group_members(group=group), s.MemberSerializer)


class GroupMemberView(GroupsView):
    serializer_class = s.MemberSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Change a member's role (admins)",
        description="Admins only (moderators and members: 403 `group_role_too_low`). The "
        "last admin cannot step down (409 `last_admin`).",
        parameters=[GROUP_ID, USER_ID],
        request=s.MemberUpdateSerializer,
        responses={200: s.MemberSerializer},
        extensions=error_codes(
            {
                400: E400,
                403: E403_ROLE,
                404: [CampusError.GROUP_NOT_FOUND, CampusError.GROUP_MEMBER_NOT_FOUND],
                409: [CampusError.LAST_ADMIN],
            }
        ),
    )
    def patch(self, request, group_id, user_id):
        serializer = s.MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = group_services.group_member_update(
            user=request.user,
            group_id=group_id,
            user_id=user_id,
            role=serializer.validated_data["role"],
        )
        return Response(s.MemberSerializer(membership).data)

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Remove a member (admins and moderators)",
        description="A moderator removes members; only an admin removes a moderator or an "
        "admin (403 `group_role_too_low`). The member leaves the chat too. Removing "
        "myself is leaving (409 `last_admin` for the last admin).",
        parameters=[GROUP_ID, USER_ID],
        responses={204: None},
        extensions=error_codes(
            {
                403: E403_ROLE,
                404: [CampusError.GROUP_NOT_FOUND, CampusError.GROUP_MEMBER_NOT_FOUND],
                409: [CampusError.LAST_ADMIN],
            }
        ),
    )
    def delete(self, request, group_id, user_id):
        group_services.group_member_remove(user=request.user, group_id=group_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupJoinRequestsView(GroupsView):
    serializer_class = s.JoinRequestSerializer

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Pending join requests (admins and moderators)",
        description="Oldest first.",
        parameters=[GROUP_ID],
        responses={200: s.JoinRequestSerializer(many=True)},
        extensions=error_codes({403: E403_ROLE, 404: [CampusError.GROUP_NOT_FOUND]}),
    )
    def get(self, request, group_id):
        group = selectors.group_for_role(
            user=request.user, group_id=group_id, role=GroupRole.MODERATOR
        )
        return self.paginated(selectors.group_join_requests(group=group), s.JoinRequestSerializer)


class JoinRequestDecideView(GroupsView):
    serializer_class = s.JoinRequestSerializer
    approve = True

    def post(self, request, request_id):
        join_request = group_services.join_request_decide(
            user=request.user, request_id=request_id, approve=self.approve
        )
        return Response(s.JoinRequestSerializer(join_request).data)


_DECIDE_ERRORS = error_codes(
    {
        403: E403_ROLE,
        404: [CampusError.JOIN_REQUEST_NOT_FOUND],
        409: [CampusError.JOIN_REQUEST_NOT_PENDING],
    }
)


class JoinRequestApproveView(JoinRequestDecideView):
    approve = True

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Approve a join request (admins and moderators)",
        description="The requester becomes a member and a participant of the chat. No body.",
        parameters=[REQUEST_ID],
        request=None,
        responses={200: s.JoinRequestSerializer},
        extensions=_DECIDE_ERRORS,
    )
    def post(self, request, request_id):
        return super().post(request, request_id)


class JoinRequestRejectView(JoinRequestDecideView):
    approve = False

    @extend_schema(
        tags=TAG_GROUPS,
        summary="Reject a join request (admins and moderators)",
        description="No body.",
        parameters=[REQUEST_ID],
        request=None,
        responses={200: s.JoinRequestSerializer},
        extensions=_DECIDE_ERRORS,
    )
    def post(self, request, request_id):
        return super().post(request, request_id)


# --- Posts -------------------------------------------------------------------------------


def _post_data(post, user) -> dict:
    selectors.attach_post_stats([post], user=user)
    return s.PostSerializer(post).data


class GroupPostsView(WriteThrottled, GroupsView):
    serializer_class = s.PostSerializer
    pagination_class = CursorPagination

    @extend_schema(
        tags=TAG_POSTS,
        summary="A group's feed",
        description="Newest first, cursor-paginated; each post with its reaction counts "
        "per emoji, my reaction and its comment count. Public groups: any signed-in "
        "user; private groups: members only (404 otherwise).",
        parameters=[GROUP_ID],
        responses={200: s.PostSerializer(many=True)},
        extensions=error_codes({404: [CampusError.GROUP_NOT_FOUND]}),
    )
    def get(self, request, group_id):
        group = selectors.group_for_reader(user=request.user, group_id=group_id)
        page = self.paginate_queryset(selectors.group_posts(group=group))
        selectors.attach_post_stats(page, user=request.user)
        return self.get_paginated_response(s.PostSerializer(page, many=True).data)

    @extend_schema(
        tags=TAG_POSTS,
        summary="Post in a group (members)",
        description="Plain text (markup removed). The platform's moderation checks run "
        "on it: refused text is 400 `content_blocked` (nothing stored, the attempt in "
        "the moderation log); flagged text is published (`flagged`) and opens a case that "
        "the group's admins and moderators decide in the moderation queue "
        "(`/api/v1/moderation/cases/`: removing deletes it, approving clears the flag).",
        parameters=[GROUP_ID],
        request=s.PostWriteSerializer,
        responses={201: s.PostSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, CampusError.CONTENT_BLOCKED],
                403: E403_MEMBER,
                404: [CampusError.GROUP_NOT_FOUND],
            }
        ),
    )
    def post(self, request, group_id):
        serializer = s.PostWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_services.post_create(
            user=request.user, group_id=group_id, text=serializer.validated_data["text"]
        )
        return Response(_post_data(post, request.user), status=status.HTTP_201_CREATED)


class PostDetailView(GroupsView):
    serializer_class = s.PostSerializer

    @extend_schema(
        tags=TAG_POSTS,
        summary="Edit my post",
        description="Its author only (another member: 403 `group_role_too_low`). The "
        "moderation checks run again (400 `content_blocked`; flagged: a moderation case).",
        parameters=[POST_ID],
        request=s.PostWriteSerializer,
        responses={200: s.PostSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, CampusError.CONTENT_BLOCKED],
                403: E403_ROLE,
                404: [CampusError.POST_NOT_FOUND],
            }
        ),
    )
    def patch(self, request, post_id):
        serializer = s.PostWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_services.post_update(
            user=request.user, post_id=post_id, text=serializer.validated_data["text"]
        )
        return Response(_post_data(post, request.user))

    @extend_schema(
        tags=TAG_POSTS,
        summary="Delete a post",
        description="Its author, or the group's moderators and admins (others: 403).",
        parameters=[POST_ID],
        responses={204: None},
        extensions=error_codes({403: E403_ROLE, 404: [CampusError.POST_NOT_FOUND]}),
    )
    def delete(self, request, post_id):
        post_services.post_delete(user=request.user, post_id=post_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostCommentsView(WriteThrottled, GroupsView):
    serializer_class = s.CommentSerializer

    @extend_schema(
        tags=TAG_POSTS,
        summary="A post's comments",
        description="Oldest first.",
        parameters=[POST_ID],
        responses={200: s.CommentSerializer(many=True)},
        extensions=error_codes({404: [CampusError.POST_NOT_FOUND]}),
    )
    def get(self, request, post_id):
        post = selectors.post_for_viewer(user=request.user, post_id=post_id)
        return self.paginated(selectors.post_comments(post=post), s.CommentSerializer)

    @extend_schema(
        tags=TAG_POSTS,
        summary="Comment on a post (members of its group)",
        description="Plain text; the moderation checks run on it (400 `content_blocked`; "
        "a flagged comment is published and opens a case in the moderation queue).",
        parameters=[POST_ID],
        request=s.CommentWriteSerializer,
        responses={201: s.CommentSerializer},
        extensions=error_codes(
            {
                400: [CoreError.INVALID, CampusError.CONTENT_BLOCKED],
                403: E403_MEMBER,
                404: [CampusError.POST_NOT_FOUND],
            }
        ),
    )
    def post(self, request, post_id):
        serializer = s.CommentWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = post_services.comment_create(
            user=request.user, post_id=post_id, text=serializer.validated_data["text"]
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetailView(GroupsView):
    serializer_class = s.CommentSerializer

    @extend_schema(
        tags=TAG_POSTS,
        summary="Delete a comment",
        description="Its author, or the group's moderators and admins (others: 403).",
        parameters=[COMMENT_ID],
        responses={204: None},
        extensions=error_codes({403: E403_ROLE, 404: [CampusError.COMMENT_NOT_FOUND]}),
    )
    def delete(self, request, comment_id):
        post_services.comment_delete(user=request.user, comment_id=comment_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostReactionsView(GroupsView):
    serializer_class = s.PostSerializer

    @extend_schema(
        tags=TAG_POSTS,
        summary="React to a post (members)",
        description="One reaction per user and post: putting another emoji replaces mine. "
        "Answers the post with its counts (201 when I had no reaction, 200 when changed).",
        parameters=[POST_ID],
        request=s.ReactionWriteSerializer,
        responses={200: s.PostSerializer, 201: s.PostSerializer},
        extensions=error_codes({400: E400, 403: E403_MEMBER, 404: [CampusError.POST_NOT_FOUND]}),
    )
    def put(self, request, post_id):
        serializer = s.ReactionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post, created = post_services.reaction_set(
            user=request.user, post_id=post_id, emoji=serializer.validated_data["emoji"]
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(_post_data(post, request.user), status=code)

    @extend_schema(
        tags=TAG_POSTS,
        summary="Take back my reaction",
        description="Answers the post with its counts; 404 `reaction_not_found` when I had none.",
        parameters=[POST_ID],
        request=None,
        responses={200: s.PostSerializer},
        extensions=error_codes(
            {
                403: E403_MEMBER,
                404: [CampusError.POST_NOT_FOUND, CampusError.REACTION_NOT_FOUND],
            }
        ),
    )
    def delete(self, request, post_id):
        post = post_services.reaction_delete(user=request.user, post_id=post_id)
        return Response(_post_data(post, request.user))
