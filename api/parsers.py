"""The API's JSON parser: DRF's, with a bound on nesting.

A body nested thousands deep makes Python's JSON decoder exhaust the stack (RecursionError); one
nested a few hundred deep parses but no request of ours needs more than a few levels. Both are
refused as unreadable JSON (400) before any view sees them.
"""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20


def depth_exceeds(data, limit: int) -> bool:
    """True when `data` nests lists and objects deeper than `limit` (counted without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(_("The JSON is nested more than %(limit)d levels deep.") % {"limit": MAX_DEPTH})
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise too_deep from error
        if depth_exceeds(data, MAX_DEPTH):
            raise too_deep
        return data
