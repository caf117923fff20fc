"""gunicorn's settings for the web service (docker-compose.yml): `gunicorn -c possystem/gunicorn.conf.py`.

With PROMETHEUS_MULTIPROC_DIR set, every worker process writes its request timings to files in that
folder and a scrape of /metrics sums them (ops.metrics). The folder is emptied when gunicorn starts
(files of an earlier run would be counted again) and a worker's live gauges go when it exits.
"""

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
accesslog = "-"


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
