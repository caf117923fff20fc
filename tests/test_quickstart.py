"""The README's first command on a bare checkout: site, worker and beat on SQLite and the embedded
broker, with demo data; Ctrl-C stops all of it."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def checkout(tmp_path):
    """The project's files as a fresh clone would have them (tracked and new, nothing ignored),
    sharing this machine's virtual environment so the test does not download packages again."""
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    target = tmp_path / "checkout"
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def fetch(port: int, path: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_quick_start_runs_site_worker_and_beat_and_stops_on_ctrl_c(checkout):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_QUEUE", "CACHE_KEY_PREFIX"}
        and not key.startswith("DJANGO_")
    }
    env["WEB_PORT"] = str(port)
    env["METRICS_TOKEN"] = "quick-start-scraper"
    log = checkout / "run.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", "run.sh"], cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:

        def login_page_answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as response:
                    return response.status == 200 and "登录" in response.read().decode()
            except OSError:
                return False

        wait_for(login_page_answers, 180, "the login page")
        # The demo's confirmation e-mails were queued on the embedded broker; a real worker sends them.
        wait_for(lambda: "E-mail to owner@lotustea.example" in log.read_text(errors="replace"), 120, "an e-mail")
        wait_for(lambda: list((checkout / "var" / "mail").glob("*.log")), 30, "the e-mail's file")
        wait_for(lambda: "celery beat v" in log.read_text(errors="replace"), 60, "the beat")
        # Ready on SQLite and the embedded broker (no Redis to check) once a scan beat asked for ran.
        wait_for(lambda: fetch(port, "/readyz")[0] == 200, 90, "/readyz")
        status, metrics = fetch(port, "/metrics", Authorization="Bearer quick-start-scraper")
        assert status == 200
        assert 'possystem_metrics_source_up{source="database"} 1.0' in metrics
        assert 'possystem_celery_queue_length{queue="possystem"}' in metrics
        assert 'possystem_http_request_duration_seconds_count{method="GET",status="200",view="readyz"}' in metrics
        output = log.read_text(errors="replace")
        assert "merchant2" in output and "demo1234" in output
        assert "stopped" not in output  # honcho says so when one of the three exits
        assert (checkout / "db.sqlite3").exists()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    leftovers = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert leftovers == [], f"processes left running: {leftovers}"
    # A quiet log: no task-by-task lines, no e-mail bodies, no warnings about the broker, and no
    # errors when Ctrl-C stops it all.
    output = log.read_text(errors="replace")
    for noise in ("Task sla.scan", "Sending due task", "Content-Type: text/plain", "No hostname", "ERROR", "Traceback"):
        assert noise not in output, noise


def test_beat_starts_on_a_fresh_clone_with_redis_as_the_broker(checkout):
    """Only the filesystem broker creates var/; beat must not depend on it for its schedule file."""
    import sys
    import uuid

    from django.conf import settings

    from tests.sla.processes import forget_queue

    queue = f"possystem-beat-{uuid.uuid4().hex[:8]}"
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(REDIS_URL=settings.REDIS_URL, CELERY_QUEUE=queue, DATABASE_URL=os.environ["DATABASE_URL"])
    assert not (checkout / "var").exists()
    log = checkout / "beat.log"
    with open(log, "wb") as out:
        beat = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "possystem", "beat", "--loglevel", "INFO"],
            cwd=checkout, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for(lambda: "Sending due task" in log.read_text(errors="replace") or beat.poll() is not None, 60, "beat")
        assert beat.poll() is None, log.read_text(errors="replace")
        assert list((checkout / "var").glob("celerybeat-schedule*"))
    finally:
        os.killpg(beat.pid, signal.SIGTERM)
        beat.wait(timeout=30)
        forget_queue(settings.REDIS_URL, queue)
