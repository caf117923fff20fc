"""Seek (keyset) pages for long lists: a page starts after the last row of the one before, so the
database walks an index from there instead of counting and skipping every earlier row (OFFSET),
and no list counts all its rows (a count stops at `COUNT_CAP` and the page says "200+").

The position is a token in the URL (`?after=…`): the ordering keys of the last row shown, as JSON
in URL-safe base64. A token that is not one of ours, or names values of the wrong type, is ignored:
the list starts from the top, as for any other stale link.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q

# Lists count their rows up to here; beyond it they say "200+".
COUNT_CAP = 200


@dataclass(frozen=True)
class Key:
    """One ordering key: a field name, its direction, and whether it may be NULL (ascending keys
    only: NULLs come last, as a B-tree index stores them)."""

    name: str
    descending: bool = False
    nullable: bool = False

    def order(self):
        if self.descending:
            return F(self.name).desc()
        return F(self.name).asc(nulls_last=True) if self.nullable else F(self.name).asc()


@dataclass(frozen=True)
class SeekPage:
    rows: list
    # The token of the next page, None on the last one; `first` is True without a token.
    next_after: str | None
    first: bool
    # How many rows the list holds, counted up to COUNT_CAP (`count_capped`: there are more).
    count: int
    count_capped: bool


def ordered(queryset, keys: tuple[Key, ...]):
    return queryset.order_by(*(key.order() for key in keys))


def _after(keys: tuple[Key, ...], values: list) -> Q:
    """Rows strictly after the position `values` in the order of `keys`."""
    condition = Q(pk__in=[])
    same = Q()
    for key, value in zip(keys, values, strict=True):
        if value is None:
            later = Q(pk__in=[])  # NULLs come last: nothing is later on this key
            equal = Q(**{f"{key.name}__isnull": True})
        else:
            later = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
            if key.nullable:
                later |= Q(**{f"{key.name}__isnull": True})
            equal = Q(**{key.name: value})
        condition |= same & later
        same &= equal
    return condition


def _field(model, name: str):
    return model._meta.pk if name == "pk" else model._meta.get_field(name)


def _encode(model, keys: tuple[Key, ...], row) -> str:
    values = [
        _field(model, key.name).value_to_string(row) if getattr(row, key.name) is not None else None for key in keys
    ]
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode(model, keys: tuple[Key, ...], token: str) -> list | None:
    if not token:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(values, list) or len(values) != len(keys):
        return None
    decoded: list[Any] = []
    for key, value in zip(keys, values, strict=True):
        if value is None and key.nullable:
            decoded.append(None)
            continue
        if not isinstance(value, str):
            return None
        try:
            parsed = _field(model, key.name).to_python(value)
        except ValidationError:
            return None
        if parsed is None:
            return None
        decoded.append(parsed)
    return decoded


def seek_page(
    queryset, *, keys: tuple[Key, ...], after: str = "", size: int, count: bool = True, rows=None
) -> SeekPage:
    """The page of `queryset` (unordered; `keys` order it and must end with a unique key) after the
    position in the token `after`. Two queries: the rows (one more than a page, to know whether
    another follows) and the count capped at COUNT_CAP (skipped with `count=False`). With `rows`, as
    in `seek_page_by_ids`, the page's ids are sought on the filtered table alone and `rows(ids)`
    loads them with what they show: one query more, each planned in a fraction of the time."""
    model = queryset.model
    position = _decode(model, keys, after)
    page = ordered(queryset, keys)
    if position is not None:
        page = page.filter(_after(keys, position))
    if rows is None:
        found = list(page[: size + 1])
        more = len(found) > size
        rows = found[:size]
    else:
        ids = list(page.select_related(None).prefetch_related(None).values_list("pk", flat=True)[: size + 1])
        more = len(ids) > size
        by_id = {row.pk: row for row in rows(ids[:size])} if ids else {}
        rows = [by_id[pk] for pk in ids[:size] if pk in by_id]
    total = 0
    if count:
        total = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
    return SeekPage(
        rows=rows,
        next_after=_encode(model, keys, rows[-1]) if more else None,
        first=position is None,
        count=min(total, COUNT_CAP),
        count_capped=total > COUNT_CAP,
    )


def seek_page_by_ids(queryset, *, keys: tuple[Key, ...], rows, after: str = "", size: int) -> SeekPage:
    """`seek_page` for a queryset that joins many tables to draw its rows, first page: its ids are
    sought on the filtered table alone, up to COUNT_CAP + 1 of them, which is the capped count as
    well; `rows(ids)` (a queryset of the same model, unfiltered) loads the page's rows with
    everything they show. Two queries, as `seek_page`: PostgreSQL plans a query with six joined
    tables and the filters in several milliseconds, more than it takes to run; the narrow query plans
    in a tenth of one and the load by primary key in about one. A later page (`after`) is
    `seek_page`'s, whose count cannot share the page's query."""
    model = queryset.model
    if _decode(model, keys, after) is not None:
        return seek_page(queryset, keys=keys, after=after, size=size)
    narrow = ordered(queryset.select_related(None).prefetch_related(None), keys).values_list("pk", flat=True)
    ids = list(narrow[: max(COUNT_CAP, size) + 1])
    by_id = {row.pk: row for row in rows(ids[:size])} if ids else {}
    page = [by_id[pk] for pk in ids[:size] if pk in by_id]
    return SeekPage(
        rows=page,
        next_after=_encode(model, keys, page[-1]) if len(ids) > size and page else None,
        first=True,
        count=min(len(ids), COUNT_CAP),
        count_capped=len(ids) > COUNT_CAP,
    )
