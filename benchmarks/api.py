"""Ticket list and ticket create under concurrent load, against gunicorn on PostgreSQL with 1M tickets.

    .venv/bin/python benchmarks/api.py [--tickets 1000000] [--users 16] [--seconds 30] [--workers 4]

Uses its own database (`possystem_api_bench` on the PostgreSQL of DATABASE_URL, created if missing),
migrated and seeded with the demo, then topped up with bulk SQL (merchants, terminals and tickets from
generate_series, never row by row) to the requested number of tickets; a second run reuses it. Starts
gunicorn on 127.0.0.1, drives it with locust (headless, bounded in users and time), counts the SQL
queries of one request of each kind in-process, and writes the results under "## API" in
docs/benchmarks.md, leaving the other sections of that file alone.
"""

import argparse
import csv
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "possystem_api_bench"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PORT = free_port()


def bench_env() -> dict:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/possystem_api")
    env = dict(os.environ)
    env.update(
        DATABASE_URL=base.rsplit("/", 1)[0] + "/" + BENCH_DB,
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        CELERY_QUEUE="possystem-api-bench",
        CACHE_KEY_PREFIX="possystem-api-bench",
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        # The benchmark measures the server, not the rate limit.
        API_THROTTLE_KEY_RATE="100000000/min",
        DJANGO_SETTINGS_MODULE="possystem.settings",
    )
    return env


def create_database(env: dict) -> None:
    import psycopg2

    admin = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    connection.close()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


SEED_SQL = """
INSERT INTO accounts_merchant (name, code, tier, partner_id, address, contact_name, contact_phone, contact_email,
                               created_at)
SELECT 'Bench merchant ' || g, 'bench-' || g, 'standard',
       (SELECT array_agg(id ORDER BY id) FROM accounts_partner)[1 + g %% 3], '', '', '', '', now()
FROM generate_series(1, %(merchants)s) g
ON CONFLICT (code) DO NOTHING;

INSERT INTO devices_device (serial_number, model_id, merchant_id, site_address, firmware_version, status,
                            activated_on, tid, mid, created_at)
SELECT 'BENCH-' || m.id || '-' || k, (SELECT id FROM devices_devicemodel WHERE name = 'A920'), m.id, '', '',
       'deployed', current_date - 100, '', '', now()
FROM accounts_merchant m CROSS JOIN generate_series(1, 10) k
WHERE m.code LIKE 'bench-%%'
ON CONFLICT (serial_number) DO NOTHING;

WITH d AS (
    SELECT id, merchant_id, row_number() OVER (ORDER BY id) - 1 AS rn
    FROM devices_device WHERE serial_number LIKE 'BENCH-%%'
), n AS (SELECT count(*) AS c FROM d)
INSERT INTO tickets_ticket (number, kind, channel, priority, fault_category, description, contact_name,
                            contact_phone, status, warranty_covered, warranty_reason, paused_from_status,
                            created_at, updated_at, respond_by, onsite_by, resolve_by, merchant_id, device_id,
                            confirmation_code)
SELECT 'BM-' || lpad(g::text, 8, '0'), 'repair', 'api', 'normal', 'printer', 'Bulk-seeded ticket', 'Bench',
       '13800138000', (ARRAY['new','acknowledged','dispatched','on_site','resolved','closed','cancelled'])[1 + g %% 7],
       true, 'in_warranty', '', t.at, t.at, t.at + interval '24 hours', t.at + interval '48 hours',
       t.at + interval '3 days', d.merchant_id, d.id, lpad((g::bigint * 7919 %% 1000000)::text, 6, '0')
FROM generate_series(%(first)s, %(last)s) g
CROSS JOIN LATERAL (SELECT now() - interval '1 day' - g * interval '1 minute' AS at) t
JOIN d ON d.rn = g %% (SELECT c FROM n);
"""


def seed(env: dict, tickets: int) -> None:
    import psycopg2

    connection = psycopg2.connect(env["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE number LIKE 'BM-%%'")
        (have,) = cursor.fetchone()
        if have < tickets:
            print(f"Seeding {tickets - have} tickets with bulk SQL …", flush=True)
            started = time.monotonic()
            cursor.execute(SEED_SQL, {"merchants": 1000, "first": have + 1, "last": tickets})
            cursor.execute("ANALYZE")
            print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        print(f"{cursor.fetchone()[0]} tickets in {BENCH_DB}", flush=True)
    connection.close()


def partner_key_and_serials(env: dict) -> tuple[str, list[str]]:
    out = manage(env, "seed_demo")
    key = re.search(r"Api-Key (\S+)", out).group(1)
    import psycopg2

    connection = psycopg2.connect(env["DATABASE_URL"])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.serial_number FROM devices_device d JOIN accounts_merchant m ON m.id = d.merchant_id "
            "JOIN accounts_user u ON u.partner_id = m.partner_id AND u.username = 'partner' "
            "WHERE d.serial_number LIKE 'BENCH-%%' ORDER BY d.id LIMIT 200"
        )
        serials = [row[0] for row in cursor.fetchall()]
    connection.close()
    return key, serials


def queries_per_request(env: dict, key: str, serial: str) -> dict:
    """One list and one create through the whole stack in-process, counting the SQL statements."""
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    counts = {}
    client.get("/api/v1/tickets/?page_size=20")  # warm: the key's last-used time is written once a minute
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/tickets/?page_size=20").status_code == 200
    counts["list"] = len(captured)
    sql = _list_sql(captured)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql)
        counts["plan"] = "\n".join(row[0] for row in cursor.fetchall())
        counts["with_index_ms"] = _execution_ms(cursor, sql)
        # The same query without the index the API relies on, rolled back straight away.
        with transaction.atomic():
            cursor.execute("DROP INDEX ticket_created")
            counts["without_index_ms"] = _execution_ms(cursor, sql)
            transaction.set_rollback(True)
    body = {"device": serial, "kind": "repair", "fault_category": "printer", "description": "Counting queries",
            "contact_name": "Bench", "contact_phone": "13800138000"}  # fmt: skip
    with CaptureQueriesContext(connection) as captured:
        assert client.post("/api/v1/tickets/", body, content_type="application/json").status_code == 201
    counts["create"] = len(captured)
    return counts


def _execution_ms(cursor, sql: str) -> float:
    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
    return cursor.fetchone()[0][0]["Execution Time"]


def _list_sql(captured) -> str:
    return next(q["sql"] for q in captured.captured_queries if '"tickets_ticket"."number"' in q["sql"])


def run_load(env: dict, scenario: str, users: int, seconds: int, key: str, serials: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / scenario
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{PORT}", "-u", str(users), "-r", str(users), "-t", f"{seconds}s",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
            cwd=ROOT, env={**env, "BENCH_SCENARIO": scenario, "BENCH_API_KEY": key, "BENCH_SERIALS": ",".join(serials)},
            check=False, capture_output=True, text=True, timeout=seconds + 120,
        )  # fmt: skip
        with open(f"{prefix}_stats.csv", newline="") as stats:
            row = next(r for r in csv.DictReader(stats) if r["Name"] == "Aggregated")
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "median": float(row["50%"]),
        "p99": float(row["99%"]),
    }


def start_gunicorn(env: dict, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "possystem.wsgi:application", "--bind", f"127.0.0.1:{PORT}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    for _ in range(60):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def write_results(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    section = re.compile(r"^## API\n.*?(?=^## |\Z)", re.S | re.M)
    found = section.search(current)
    updated = section.sub(lambda _match: text, current) if found else current.rstrip() + "\n\n" + text
    path.write_text(updated.rstrip() + "\n")


# The PostgreSQL settings the figures depend on.
POSTGRES_SETTINGS = ("server_version", "shared_buffers", "effective_cache_size", "random_page_cost", "jit")


def postgres_settings(names=POSTGRES_SETTINGS) -> str:
    """The PostgreSQL settings the figures depend on, as the benchmark's connection sees them."""
    from django.db import connection

    with connection.cursor() as cursor:
        values = []
        for name in names:
            cursor.execute(f"SHOW {name}")
            values.append(f"{name} {cursor.fetchone()[0]}")
    return "PostgreSQL " + ", ".join(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print the results only")
    options = parser.parse_args()

    env = bench_env()
    create_database(env)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")  # partners, models and policies the bulk rows refer to
    seed(env, options.tickets)
    key, serials = partner_key_and_serials(env)
    counts = queries_per_request(env, key, serials[0])
    server = start_gunicorn(env, options.workers)
    try:
        results = {
            scenario: run_load(env, scenario, options.users, options.seconds, key, serials)
            for scenario in ("list", "create")
        }
    finally:
        server.terminate()
        server.wait(timeout=30)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).delete(env["CELERY_QUEUE"])  # e-mail tasks nobody will run

    rows = "\n".join(
        f"| {label} | {r['requests']} | {r['failures']} | {r['rps']:.0f} | {r['median']:.0f} | {r['p99']:.0f} "
        f"| {counts[scenario]} |"
        for scenario, label in (("list", "`GET /api/v1/tickets/` (page of 20)"), ("create", "`POST /api/v1/tickets/`"))
        for r in [results[scenario]]
    )  # fmt: skip
    plan = "\n".join("    " + line for line in counts["plan"].splitlines())
    text = f"""## API

`benchmarks/api.py`: gunicorn ({options.workers} sync workers) on PostgreSQL with {options.tickets:,} bulk-seeded
tickets (1,000 merchants, 10,000 terminals, spread over three partners); locust, {options.users} concurrent users
with no think time, {options.seconds} s per scenario, all on one 2-core machine (the load generator shares the
cores). Calls use the demo partner's API key, so every list is scoped to that partner (about a third of the
tickets). Latencies in milliseconds; queries counted for one request through the whole stack.

| request | requests | failures | requests/s | median | p99 | SQL queries |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{rows}

Python {platform.python_version()}, {time.strftime("%Y-%m-%d")}. The list is one indexed query: the partner scope
and the cursor order `(created_at, id)` walk the `ticket_created` index backwards and stop after 21 rows
(no count, no offset): {counts["with_index_ms"]:.2f} ms in the database, against {counts["without_index_ms"]:.0f} ms
without the `ticket_created` index (measured in the same run, index dropped inside a rolled-back transaction).
Filing serialises on the day's ticket-number row by design, and runs the warranty decision,
the SLA deadlines, the timeline event and the webhook outbox in one transaction.

Plan of the list query:

{plan}
"""
    print(text)
    if not options.no_write:
        write_results(text)


if __name__ == "__main__":
    main()
