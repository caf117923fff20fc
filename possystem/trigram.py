"""Trigram (pg_trgm) indexes for the searches that match any part of a number, a serial, a name
or a phone ("0042" finds RT-20261126-0042). PostgreSQL only: a migration adds them through
`trigram_index`, which does nothing on SQLite (the quick start searches its few rows without them).

Where what people type is mostly the start of the value (a serial read off the terminal's label),
`prefix_index` adds a B-tree over the same expression, which answers `istartswith` by a range scan:
values that share long prefixes (one vendor's serials) share their trigrams too, and the trigram
index then reads nearly all of them.

Each index is on UPPER(column::text), the expression Django's `icontains` compares on PostgreSQL,
so `filter(number__icontains=…)` is answered from the index, not by reading every row.
"""

from django.db import migrations


def _create(table: str, column: str, name: str, method: str = "gin", opclass: str = "gin_trgm_ops"):
    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        if opclass == "gin_trgm_ops":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING {method} ((UPPER(("{column}")::text)) {opclass})'
        )

    return create


def _drop(name: str):
    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return drop


def trigram_index(*, table: str, column: str, name: str) -> migrations.RunPython:
    """A migration operation: a trigram GIN index on UPPER(table.column) on PostgreSQL, nothing on
    SQLite. The extension is created first if it is missing (pg_trgm is a trusted extension: the
    database's owner may create it)."""
    return migrations.RunPython(_create(table, column, name), _drop(name))


def prefix_index(*, table: str, column: str, name: str) -> migrations.RunPython:
    """A migration operation: a B-tree on UPPER(table.column) for `istartswith` (LIKE 'ABC%') on
    PostgreSQL, nothing on SQLite."""
    return migrations.RunPython(_create(table, column, name, "btree", "text_pattern_ops"), _drop(name))
