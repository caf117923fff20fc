"""The project's Celery app with a scanner that stops dead inside a chosen batch, after writing
the batch's escalations and before committing them: `celery -A tests.sla.chaos_celery worker`
with CHAOS_HANG_IN_BATCH=<n> and CHAOS_MARKER=<file>. The worker-kill test SIGKILLs it there."""

import os
import time
from pathlib import Path

from celery.signals import worker_process_init

from possystem.celery import app

__all__ = ["app"]


@worker_process_init.connect
def _hang_in_a_batch(**kwargs):
    from sla import services

    announce = services._escalations_announce
    batches = {"n": 0}

    def announce_then_hang(*args, **kw):
        announce(*args, **kw)
        batches["n"] += 1
        if batches["n"] == int(os.environ["CHAOS_HANG_IN_BATCH"]):
            Path(os.environ["CHAOS_MARKER"]).write_text(str(os.getpid()))
            time.sleep(600)

    services._escalations_announce = announce_then_hang
