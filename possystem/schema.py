"""Migration operations the apps share."""

from django.db import migrations, models


def own_index_dropped(
    *, model_name: str, name: str, field: models.ForeignKey, table: str, index: str
) -> migrations.SeparateDatabaseAndState:
    """A foreign key set to `db_index=False` (`field`) because a wider index leading with its column
    serves its lookups: drops that key's own index `index` on `table` and nothing else (re-created when
    the migration is reversed). Django's own AlterField would also drop and re-add the foreign key,
    whose re-check reads every row under a lock on the whole table (seconds at a million tickets)."""
    column = f"{name}_id"
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        database_operations=[
            migrations.RunSQL(
                f'DROP INDEX IF EXISTS "{index}"', f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" ("{column}")'
            )
        ],
    )
