"""Many rows in one INSERT without a model instance per row.

`bulk_create` builds an instance per row and passes every value of every instance through the field
API (`pre_save`, `get_db_prep_save`, …): for the SLA scanner's batches, thousands of outbox rows and
timeline entries, that was most of a batch's Python time. `rows_insert` takes the rows as columns of
plain values instead and, on PostgreSQL, sends them as one array per column:
`INSERT … SELECT * FROM UNNEST(%s::type[], …) RETURNING id` (the statement `bulk_create` itself sends
for literal values), so its cost in Python is the building of the lists. Elsewhere (SQLite, the quick
start) it is `bulk_create`, which gives the same rows.
"""

import json

from django.db import connection, models


def rows_insert(model: type[models.Model], columns: dict[str, list]) -> list[int]:
    """Insert `len(column)` rows of `model` and return their ids, in the order of the rows.

    `columns` maps a field's `attname` (`ticket_id`, not `ticket`) to its values, one per row, as
    the column stores them: ids for foreign keys, aware datetimes, strings, numbers, booleans, None;
    a JSON field takes the Python value and is encoded here. A field left out gets its default, as
    `bulk_create` gives it; a field that sets itself on save (`auto_now_add`) must be given. Runs in
    the caller's transaction.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) != 1:
        raise ValueError(f"Columns of different lengths: {sorted(lengths)}")
    (count,) = lengths
    if not count:
        return []
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    values = {}
    for field in fields:
        if field.attname in columns:
            column = columns[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            raise ValueError(f"{model.__name__}.{field.attname} sets itself on save; give its values")
        else:
            column = [field.get_default()] * count
        values[field] = column
    unknown = set(columns) - {field.attname for field in fields}
    if unknown:
        raise ValueError(f"{model.__name__} has no fields {sorted(unknown)}")
    if connection.vendor != "postgresql":
        # The field API prepares each value for this database; the quick start's batches are small.
        rows = model._default_manager.bulk_create(
            model(**{field.attname: values[field][index] for field in fields}) for index in range(count)
        )
        return [row.pk for row in rows]
    for field in fields:
        if isinstance(field, models.JSONField):
            values[field] = [None if value is None else json.dumps(value, cls=field.encoder) for value in values[field]]
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    # The element type without its length (varchar[], not varchar(200)[]), as `bulk_create` casts.
    arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in fields)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT * FROM UNNEST({arrays}) "
        f"RETURNING {quote(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[field] for field in fields])
        return [pk for (pk,) in cursor.fetchall()]
