"""Real Celery workers and beats (and a Redis of our own) as child processes of a test.

They run against pytest's test database (committed data: use `transactional_db`) and a queue of
their own, so nothing they do reaches a colleague's or another run's workers.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url() -> str:
    """DATABASE_URL pointing at the database pytest-django created for this run."""
    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/possystem"))
    return urlunsplit(url._replace(path="/" + settings.DATABASES["default"]["NAME"]))


def forget_queue(redis_url: str, queue: str) -> None:
    """Delete a queue of kombu's Redis transport: its lists, bindings and unacknowledged messages."""
    client = redis.Redis.from_url(redis_url)
    client.delete(*client.scan_iter(match=f"{queue}*"), f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, raw in client.hscan_iter("unacked"):
        with contextlib.suppress(ValueError, TypeError):
            if json.loads(raw)[2] == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


class Processes:
    """Starts, watches and stops the children of one test; `stop_all` leaves nothing running."""

    def __init__(self, workdir: Path, *, redis_url: str, **overrides: str):
        self.workdir = workdir
        self.children: dict[str, subprocess.Popen] = {}
        self.mail_dir = workdir / "mail"
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        queue = f"possystem-sla-workers-{uuid.uuid4().hex[:8]}"
        self.env = {
            **{
                k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_", "SLA_", "NOTIFICATION_"))
            },
            "DJANGO_SETTINGS_MODULE": "possystem.settings",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "CELERY_QUEUE": queue,
            "CACHE_KEY_PREFIX": queue,
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "SLA_SCAN_INTERVAL_SECONDS": "1",
            "NOTIFICATION_LEASE_SECONDS": "5",
            "NOTIFICATION_REQUEUE_AFTER_SECONDS": "3",
            "EMAIL_BACKEND": "tests.sla.mail_backend.EmailBackend",
            "SLA_TEST_MAIL_DIR": str(self.mail_dir),
            "PYTHONUNBUFFERED": "1",
            **overrides,
        }
        self.queue = queue
        self.shared_redis_url = redis_url

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _start(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        with open(self.workdir / f"{name}.log", "ab") as log:
            child = subprocess.Popen(
                args,
                cwd=ROOT,
                env={**self.env, **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: a kill reaches the pool children too
            )
        self.children[name] = child
        return child

    def worker(self, name: str, *, app: str = "possystem", concurrency: int = 2, env: dict | None = None):
        self._start(
            name,
            [
                sys.executable, "-m", "celery", "-A", app, "worker", "--loglevel", "INFO",
                "--concurrency", str(concurrency), "--hostname", f"{name}@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            env,
        )  # fmt: skip
        wait_until(lambda: "ready." in self.log(name), timeout=60, what=f"{name} to be ready:\n{self.log(name)}")

    def beat(self, name: str):
        self._start(
            name,
            [
                sys.executable, "-m", "celery", "-A", "possystem", "beat", "--loglevel", "INFO",
                "--schedule", str(self.workdir / f"{name}-schedule"), "--max-interval", "1",
            ],
        )  # fmt: skip
        wait_until(lambda: "beat: Starting" in self.log(name), timeout=60, what=f"{name} to start")

    def redis(self, port: int):
        """A Redis with no persistence: a restart loses every queued message, as a crash would."""
        self._start(
            "redis",
            [
                shutil.which("redis-server"),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        wait_until(lambda: "Ready to accept connections" in self.log("redis"), timeout=20, what="redis")

    def kill(self, name: str, sig=signal.SIGKILL):
        """Signal the child's whole process group (a worker and its pool) and wait for it."""
        child = self.children.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        child.wait(30)

    def stop_all(self):
        """Nothing of the test may outlive it: its database is flushed next. The checks are done,
        so there is nothing to wait for; their open transactions roll back. The test's queue goes
        too, with any message a killed worker left unacknowledged."""
        for name in list(self.children):
            self.kill(name)
        if self.env["REDIS_URL"] == self.shared_redis_url:
            forget_queue(self.shared_redis_url, self.queue)

    def passes(self, task: str) -> int:
        """How many runs of `task` (e.g. "sla.scan") the workers have finished so far."""
        finished = re.compile(rf"Task {re.escape(task)}\[[^\]]+\] succeeded")
        return sum(len(finished.findall(path.read_text(errors="replace"))) for path in self.workdir.glob("*.log"))

    def wait_for_passes(self, *tasks: str, count: int = 2, timeout: float = 30):
        """Wait until each of `tasks` has run `count` more times: whatever those runs would repeat
        or send twice has then had its chance to."""
        start = {task: self.passes(task) for task in tasks}
        wait_until(
            lambda: all(self.passes(task) >= start[task] + count for task in tasks),
            timeout=timeout,
            what=f"{count} more runs of {', '.join(tasks)}",
        )

    def emails(self) -> list[str]:
        """The X-Delivery-Id of every e-mail the workers sent (the file backend writes them all)."""
        ids = []
        for path in self.mail_dir.glob("*.log"):
            ids += [
                line.split(":", 1)[1].strip()
                for line in path.read_text().splitlines()
                if line.startswith("X-Delivery-Id:")
            ]
        return ids
