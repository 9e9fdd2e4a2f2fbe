from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination: page 4,000 costs what page 1 costs. Views may set `ordering`."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


class PageNumberPagination(pagination.PageNumberPagination):
    """For short lists where a total count is useful."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
