"""Keeping PostgreSQL's tables that work as queues small.

A table whose rows are written and soon deleted (the stale-day marks the triggers write and every
roll-up refresh consumes, the open-ticket snapshots the beat replaces) leaves a dead row behind for
each one until it is vacuumed. Readers step over every dead row: a million of them made "is any day
stale?" take 100 ms. Autovacuum reaches such a table in its own time, or never where it is turned
off; the beat's task that empties the table vacuums it right after, while it holds a few rows.
"""

import logging

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)


def vacuum(*models) -> bool:
    """VACUUM the tables of `models` (PostgreSQL, outside a transaction: VACUUM cannot run in one).
    Returns whether it ran. A refusal (another VACUUM of the table, a missing privilege) is logged:
    autovacuum still gets to the table."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {tables}")
    except DatabaseError:
        logger.warning("Could not vacuum %s; autovacuum will", tables, exc_info=True)
        return False
    return True
