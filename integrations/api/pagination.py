"""Cursor pagination: stable under inserts (a record written while a partner pages is neither
skipped nor repeated) and as fast on page 1000 as on page 1."""

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from ..web_input import whole_number
from .errors import refused


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "Items per page, 1 to 200 (default 50)."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and whole_number(raw, self.max_page_size) is None:
            raise refused("page_size is a whole number from 1 to 200.", "invalid",
                          {"page_size": ["A whole number from 1 to 200."]})
        return super().get_page_size(request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise refused("This cursor is not one we gave out: follow the `next` and `previous` links as they are.",
                          "invalid", {"cursor": ["Invalid cursor."]}) from None
