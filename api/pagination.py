"""Cursor pagination for every list: opaque `next`/`previous` links, stable under inserts."""

import datetime

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-pk"
    invalid_cursor_message = _("This cursor is not valid. Follow the next and previous links as the API gives them.")

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's decoding, and the position checked against the ordering field, so a forged cursor
        is a 400 problem rather than an error from deep inside the query."""
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise self.invalid() from error
        if cursor is not None and cursor.position is not None:
            self.check_position(cursor.position)
        return cursor

    def check_position(self, position: str) -> None:
        if "\x00" in position:
            raise self.invalid()
        name = self.ordering[0].lstrip("-")
        opts = self._model._meta
        try:
            field = opts.pk if name == "pk" else opts.get_field(name)
        except FieldDoesNotExist:
            return
        try:
            value = field.to_python(position)
            if isinstance(value, datetime.datetime):
                # The query compares in UTC: a moment that has none (year 1 east of Greenwich) is invalid.
                (value if timezone.is_aware(value) else timezone.make_aware(value)).astimezone(datetime.UTC)
        except (ValidationError, ValueError, TypeError, OverflowError) as error:
            raise self.invalid() from error

    def invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [str(self.invalid_cursor_message)]})


def cursor_page(*ordering: str) -> type[CursorPage]:
    """A paginator over `ordering`; its first field should be (nearly) unique and never change, and
    the last one unique, so no row is skipped or repeated between pages."""
    return type("CursorPage", (CursorPage,), {"ordering": ordering})
