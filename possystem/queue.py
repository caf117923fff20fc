"""Handing work to the Celery workers after a transaction commits, without ever failing the caller.

Every task here carries the id of an outbox row written in the same transaction (a notification
delivery, a webhook delivery): the row is the promise, the task only a prompt. So a broker that
cannot take the task is logged, not raised. Raising would turn a request whose data already
committed into an error (a client without an Idempotency-Key would then file twice) and would skip
the other after-commit hooks; the row stays owed and the outbox's sweeper sends it once the broker
is back.
"""

import logging
from collections.abc import Sequence
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, calls: Sequence[tuple]) -> list[tuple]:
    """Send `task` once per argument tuple in `calls`. Stops at the first one the broker refuses and
    returns those not sent: with the broker down, trying the rest would only make the caller wait
    for each refusal in turn."""
    for index, args in enumerate(calls):
        try:
            task.delay(*args)
        except Exception:  # kombu's OperationalError and whatever else the transport raises
            logger.warning(
                "The broker did not take %s (%d tasks); their outbox rows stay owed and will be requeued",
                task.name,
                len(calls) - index,
                exc_info=True,
            )
            return list(calls[index:])
    return []


def enqueue_on_commit(task, calls: Sequence[tuple]) -> None:
    """`enqueue` once the current transaction commits (at once outside one)."""
    if calls:
        transaction.on_commit(partial(enqueue, task, list(calls)), robust=True)
