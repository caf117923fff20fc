"""Trigram (pg_trgm) indexes for the searches that match any part of a number, a serial, a name
or a phone ("0042" finds RT-20261126-0042). PostgreSQL only: a migration adds them through
`trigram_index`, which does nothing on SQLite (the quick start searches its few rows without them).

Each index is on UPPER(column::text), the expression Django's `icontains` compares on PostgreSQL,
so `filter(number__icontains=…)` is answered from the index, not by reading every row.
"""

from django.db import migrations


def _create(table: str, column: str, name: str):
    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER(("{column}")::text)) gin_trgm_ops)'
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
