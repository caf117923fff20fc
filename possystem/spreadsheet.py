"""CSV exports that spreadsheet programs open safely: UTF-8 with a byte-order mark (so Chinese names
read right), times in Asia/Shanghai to the minute, and no cell a spreadsheet would run as a formula."""

import csv
import datetime
from collections.abc import Iterable

from django.http import StreamingHttpResponse

from possystem.formats import local_minute

# Spreadsheet programs run cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def csv_cell(value) -> str:
    """A value as a CSV cell; numbers keep their sign, text that looks like a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return local_minute(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_response(rows: Iterable[list], *, filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the header first) as a CSV download."""
    writer = csv.writer(_Echo())
    stream = (
        ("\ufeff" if index == 0 else "") + writer.writerow([csv_cell(value) for value in row])
        for index, row in enumerate(rows)
    )
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
