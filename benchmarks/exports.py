"""How long an export takes, and how much memory it needs, as the number of tickets grows.

Seeds tickets with bulk SQL into a benchmark database of its own (a third responded on time, a
third late, a third still open; every tenth with a device and a rating), then writes each size as
CSV and as Excel the way a worker does (`dashboard.exports.csv_lines` / `xlsx_write` to a temporary
file) and reports the time, rows per second, the file's size, and the peak memory the
process reached (its largest resident set so far, so a flat column means no growth with the rows).

    python benchmarks/exports.py                          # 5,000 and 50,000 tickets
    python benchmarks/exports.py --sizes 5000 200000
    python benchmarks/exports.py --write docs/benchmarks.md   # also replace the "Exports" section

DATABASE_URL names the server; its database is replaced by --database (default
possystem_exports_bench, created if missing).
"""

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def configure(database: str) -> None:
    import psycopg2

    server = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/possystem"))
    admin = psycopg2.connect(
        dbname="postgres",
        user=server.username,
        password=server.password,
        host=server.hostname,
        port=server.port or 5432,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{database}"')
    admin.close()
    os.environ.update(
        {
            "DATABASE_URL": urlunsplit(server._replace(path="/" + database)),
            "DJANGO_SETTINGS_MODULE": "possystem.settings",
            "DJANGO_DEBUG": "false",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(count: int) -> float:
    from django.db import connection

    from accounts.models import Merchant, Region, User
    from devices.models import Device, DeviceModel
    from sla.models import SLAPolicy

    started = time.monotonic()
    region, _ = Region.objects.get_or_create(code="shanghai", defaults={"name": "上海", "name_en": "Shanghai"})
    merchant, _ = Merchant.objects.get_or_create(code="bench", defaults={"name": "莲香茶馆", "region": region})
    policy, _ = SLAPolicy.objects.get_or_create(name="Benchmark standard", defaults={"resolution_working_days": 3})
    model, _ = DeviceModel.objects.get_or_create(name="A920", defaults={"brand": "PAX", "kind": "smart"})
    device, _ = Device.objects.get_or_create(
        serial_number="BENCH-0001", defaults={"model": model, "merchant": merchant, "status": "deployed"}
    )
    User.objects.get_or_create(username="bench-manager", defaults={"role": "manager"})
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE tickets_ticket, tickets_ticketsequence CASCADE")
        cursor.execute(
            """
            INSERT INTO tickets_ticket (
                number, merchant_id, device_id, kind, channel, priority, fault_category, description,
                contact_name, contact_phone, status, warranty_covered, warranty_reason, sla_policy_id,
                respond_by, onsite_by, resolve_by, responded_at, restored_at, paused_from_status,
                confirmation_code, created_at, updated_at)
            SELECT 'BX-' || lpad(g::text, 8, '0'), %(merchant)s, CASE WHEN g %% 10 = 0 THEN %(device)s END,
                   'repair', 'web', 'normal', 'printer', 'Benchmark ticket', 'Bench', '13800138000',
                   CASE WHEN g %% 3 = 2 THEN 'new' ELSE 'acknowledged' END, true, '', %(policy)s,
                   t + interval '24 hours', t + interval '48 hours', t + interval '3 days',
                   CASE g %% 3 WHEN 0 THEN t + interval '2 hours' WHEN 1 THEN t + interval '30 hours' END,
                   CASE WHEN g %% 3 = 0 THEN t + interval '20 hours' END, '',
                   lpad((g %% 1000000)::text, 6, '0'), t, t
            FROM generate_series(1, %(count)s) AS g,
                 LATERAL (SELECT now() - interval '365 days' + (g::float / %(count)s) * interval '364 days' AS t) AS s
            """,
            {"merchant": merchant.pk, "device": device.pk, "policy": policy.pk, "count": count},
        )
        cursor.execute(
            """
            INSERT INTO tickets_feedback (ticket_id, rating, comment, created_at)
            SELECT id, 1 + id % 5, '', created_at + interval '2 days' FROM tickets_ticket WHERE id % 10 = 0
            """
        )
        cursor.execute("ANALYZE tickets_ticket")
    return time.monotonic() - started


def measure(fmt: str) -> dict:
    from dashboard import exports
    from tickets.models import Ticket

    tickets = Ticket.objects.all()
    started = time.monotonic()
    with tempfile.TemporaryFile() as spool:
        if fmt == "xlsx":
            rows = exports.xlsx_write(tickets, spool, title="Benchmark", language="zh-hans")
        else:
            rows = -1
            for line in exports.csv_lines(tickets, language="zh-hans"):
                spool.write(line.encode("utf-8"))
                rows += 1
        seconds = time.monotonic() - started
        size = spool.tell()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"rows": rows, "seconds": seconds, "size": size, "peak": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--database", default="possystem_exports_bench")
    parser.add_argument("--write", type=Path, help="replace the 'Exports' section of this Markdown file")
    args = parser.parse_args()
    configure(args.database)
    from django.db import connection

    lines = [
        "| tickets | format | time | rows per second | file | peak memory of the process |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for size in args.sizes:
        seeded = seed(size)
        print(f"seeded {size:,} tickets in {seeded:.0f} s", flush=True)
        for fmt in ("csv", "xlsx"):
            result = measure(fmt)
            line = (
                f"| {result['rows']:,} | {fmt} | {result['seconds']:.1f} s | {result['rows'] / result['seconds']:,.0f} "
                f"| {result['size'] / 1e6:.1f} MB | {result['peak'] / 1e6:.0f} MB |"
            )
            print(line, flush=True)
            lines.append(line)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    text = (
        "## Exports\n\n"
        f"Machine: {os.cpu_count()} vCPU, PostgreSQL {server}, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end (other work shares the cores, so times vary from run to run). "
        "Measured with `python benchmarks/exports.py`: each size written as a worker writes it, in Chinese.\n\n"
        + "\n".join(lines)
        + "\n\nReading it: the tickets come through a server-side cursor 2,000 at a time, with the technician, "
        "charge and rating as subqueries (tests/dashboard/test_exports.py checks that the queries do not grow "
        "with the rows), and the memory stays flat: "
        "XlsxWriter's constant-memory mode writes each row to disk as it goes. The time is the per-row work "
        "in Python (each milestone's state with the ticket's clocks), so a large range is a job for a worker, "
        "not a request.\n"
    )
    print(text)
    if args.write:
        current = args.write.read_text(encoding="utf-8")
        if "## Exports\n" in current:
            before, rest = current.split("## Exports\n", 1)
            after = rest.split("\n## ", 1)[1] if "\n## " in rest else ""
            current = before + text + ("\n## " + after if after else "")
        else:
            current = current.rstrip("\n") + "\n\n" + text
        args.write.write_text(current, encoding="utf-8")


if __name__ == "__main__":
    main()
