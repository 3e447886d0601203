"""Page numbers by default; a cursor for feeds (messages, notifications, activity).

Views answer a list with :meth:`PaginatedViewMixin.paginated`."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class CursorPagination(pagination.CursorPagination):
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"


class PaginatedViewMixin:
    """For ``GenericAPIView`` subclasses: one call turns a queryset into a page response."""

    def paginated(self, queryset, serializer_class, **context):
        """The view's paginated response for ``queryset``: the current page, serialized
        by ``serializer_class`` with ``request`` (and ``context``) in its context, in the
        pagination class's envelope (``count``/``next``/``previous``/``results`` for page
        numbers)."""
        page = self.paginate_queryset(queryset)
        data = serializer_class(page, many=True, context={"request": self.request, **context}).data
        return self.get_paginated_response(data)
