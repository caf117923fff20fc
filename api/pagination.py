"""Cursor pagination for every list: opaque `next`/`previous` links, stable under inserts."""

from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-pk"


def cursor_page(*ordering: str) -> type[CursorPage]:
    """A paginator over `ordering`; its first field should be (nearly) unique and never change, and
    the last one unique, so no row is skipped or repeated between pages."""
    return type("CursorPage", (CursorPage,), {"ordering": ordering})
