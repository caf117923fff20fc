"""Migration operations the apps share."""

from django.db import migrations


def index_dropped(table: str, column: str, name: str) -> migrations.RunSQL:
    """Drop a foreign key's own index where a wider index leading with the same column serves its
    lookups (and re-create it when the migration is reversed). Only the index: Django's AlterField to
    `db_index=False` would also drop and re-add the foreign key, whose re-check reads every row under
    a lock on the whole table (seconds at a million tickets). Pair it with that AlterField as the
    state operation of a `SeparateDatabaseAndState`."""
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
    )
