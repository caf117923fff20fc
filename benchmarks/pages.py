"""What each page and list costs with 100k and 1M open tickets: in-process (Django's test client,
DEBUG off), median and p95 of repeated requests, SQL queries per request, the console query's plan,
and the cost of an escalation inside a scanner batch.

    .venv/bin/python benchmarks/pages.py [--open 100000 1000000] [--runs 21] [--no-write]

Uses its own database (`possystem_console_bench` on the PostgreSQL server of DATABASE_URL, created if
missing), migrated and seeded with the demo, then topped up with `benchmarks/api.py`'s bulk SQL (4 of
its 7 statuses are open, so 1M open tickets are 1.75M tickets) to each size in turn; a second run
reuses what is there. The bulk rows are given what filing would have given them (the SLA policy,
milestones met per status, one in ten acknowledged tickets waiting on the merchant, the stored next
deadline, the stored region) with bulk SQL too. Results go under "## Pages and lists" in docs/benchmarks.md.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import benchmarks.api as api  # noqa: E402  (the seeder and its helpers)

api.BENCH_DB = "possystem_console_bench"

# What filing would have written on each bulk row, by status; the next deadline as
# sla.deadlines.next_due_of decides it. Every 10th acknowledged ticket waits on the merchant.
SHAPE_SQL = """
UPDATE accounts_merchant SET region_id = (SELECT array_agg(id ORDER BY id) FROM accounts_region)[1 + id %% 6]
WHERE code LIKE 'bench-%%' AND region_id IS NULL;

UPDATE tickets_ticket SET
    sla_policy_id = (SELECT id FROM sla_slapolicy WHERE active AND priority = '' AND merchant_tier = '' LIMIT 1),
    responded_at = CASE WHEN status <> 'new' THEN created_at + interval '2 hours' END,
    onsite_at = CASE WHEN status IN ('on_site', 'resolved', 'closed') THEN created_at + interval '20 hours' END,
    visited_at = CASE WHEN status IN ('on_site', 'resolved', 'closed') THEN created_at + interval '20 hours' END,
    resolved_at = CASE WHEN status IN ('resolved', 'closed') THEN created_at + interval '30 hours' END,
    priority = (ARRAY['low', 'normal', 'normal', 'normal', 'high', 'urgent'])[1 + id %% 6],
    kind = (ARRAY['repair', 'repair', 'repair', 'installation', 'software_update', 'training'])[1 + id %% 6]
WHERE number LIKE 'BM-%%' AND sla_policy_id IS NULL;

UPDATE tickets_ticket SET status = 'waiting_merchant', paused_at = created_at + interval '3 hours',
    paused_from_status = 'acknowledged'
WHERE number LIKE 'BM-%%' AND status = 'acknowledged' AND id %% 10 = 0 AND paused_at IS NULL;

UPDATE tickets_ticket SET next_due = CASE
        WHEN responded_at IS NULL THEN respond_by
        WHEN onsite_at IS NULL AND onsite_by IS NOT NULL THEN onsite_by
        WHEN resolved_at IS NULL THEN resolve_by
    END
WHERE number LIKE 'BM-%%' AND status IN ('new', 'acknowledged', 'dispatched', 'on_site') AND next_due IS NULL;

UPDATE tickets_ticket AS t SET region_id = COALESCE(d.region_id, m.region_id)
FROM tickets_ticket AS s
JOIN accounts_merchant AS m ON m.id = s.merchant_id
LEFT JOIN devices_device AS d ON d.id = s.device_id
WHERE t.id = s.id AND s.number LIKE 'BM-%%' AND t.region_id IS NULL;
"""


def seed_open(env: dict, open_tickets: int) -> None:
    import psycopg2

    api.seed(env, open_tickets * 7 // 4)
    connection = psycopg2.connect(env["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        started = time.monotonic()
        cursor.execute(SHAPE_SQL, {})
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("SELECT count(*) FROM tickets_ticket WHERE status IN %s", [api_open()])
        print(f"{cursor.fetchone()[0]} open tickets (shaped in {time.monotonic() - started:.0f} s)", flush=True)
    connection.close()


def analyze(env: dict) -> None:
    """Fresh planner statistics: a migration that changes a column's type drops that column's, and
    without them PostgreSQL guesses that 2 % of the tickets are open and picks plans for that."""
    import psycopg2

    connection = psycopg2.connect(env["DATABASE_URL"])
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def api_open() -> tuple:
    return ("new", "acknowledged", "dispatched", "on_site", "waiting_merchant")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Bench:
    """The people and things the requests need, made once through the ORM."""

    def __init__(self):
        from django.test import Client

        from accounts.models import Merchant, User
        from devices.models import Device
        from technicians.models import Technician
        from tickets.models import Ticket

        self.dispatcher = User.objects.get(username="dispatcher")
        bench_merchant = Merchant.objects.filter(code__startswith="bench-").order_by("pk").first()
        self.merchant_user, _ = User.objects.get_or_create(
            username="bench-merchant", defaults={"role": "merchant", "merchant": bench_merchant}
        )
        self.device = Device.objects.filter(merchant=bench_merchant).order_by("pk").first()
        self.ticket = Ticket.objects.filter(number__startswith="BM-", status="dispatched").order_by("-pk").first()
        self.technician = Technician.objects.select_related("user").order_by("pk").first()
        self.key, _serials = api.partner_key_and_serials(self.env)
        self.partner_device = Device.objects.get(serial_number=_serials[0])
        self.clients = {}
        for name, user in (
            ("dispatcher", self.dispatcher),
            ("merchant", self.merchant_user),
            ("technician", self.technician.user),
            ("manager", User.objects.get(username="manager")),
        ):
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(user)
            self.clients[name] = client
        self.clients["partner"] = Client(HTTP_AUTHORIZATION=f"Api-Key {self.key}")

    env: dict = {}


def measure(runs: int, request) -> list[float]:
    """`runs` requests in a row after two warm-ups: their times in ms."""
    request()
    request()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        request()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def queries_of(request) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured)


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:300])
    return response


def requests(bench: Bench) -> list[tuple[str, object]]:
    import itertools

    from dashboard.open_tickets import open_snapshot_take
    from dashboard.tasks import open_snapshot_task, rollups_refresh_task
    from tickets.forms import new_submission_key

    # The beat's roll-up refresh, as in use (every 30 seconds): it consumes the days the seeding
    # marked stale and vacuums their marks.
    rollups_refresh_task()

    dispatcher, merchant = bench.clients["dispatcher"], bench.clients["merchant"]
    technician, partner = bench.clients["technician"], bench.clients["partner"]
    second_page = re.search(
        r'rel="next" href="\?[^"]*after=([^"&]+)"', dispatcher.get("/tickets/console/").content.decode()
    )
    after = second_page.group(1) if second_page else ""
    counter = itertools.count()
    snapshot = [0.0]

    def console(**query):
        return lambda: ok(dispatcher.get("/tickets/console/", query))

    def file_web():
        body = {
            "submission_key": new_submission_key(),
            "device": bench.device.pk,
            "serial": "",
            "kind": "repair",
            "fault_category": "printer",
            "description": "Counting queries",
            "contact_name": "Bench",
            "contact_phone": "13800138000",
            "priority": "normal",
        }
        filed = ok(merchant.post("/tickets/new/", body), 302)
        # The browser follows the redirect, and the ticket page shows and consumes the "filed" notice;
        # without this the notices would pile up in the cookie and every filing would carry them all.
        merchant.cookies.pop("messages", None)
        return filed

    def dashboard():
        # The beat's snapshot of the open tickets, as in use (taken every 30 seconds; timed apart below).
        if time.monotonic() - snapshot[0] > 20:
            open_snapshot_task()
            snapshot[0] = time.monotonic()
        return ok(bench.clients["manager"].get("/dashboard/?period=30d"))

    def file_api():
        body = {"device": bench.partner_device.serial_number, "kind": "repair", "fault_category": "printer",
                "description": f"Counting queries {next(counter)}", "contact_name": "Bench",
                "contact_phone": "13800138000"}  # fmt: skip
        return ok(partner.post("/api/v1/tickets/", body, content_type="application/json"), 201)

    return [
        ("dispatcher console `GET /tickets/console/`", console()),
        ("console, next page (`?after=`)", console(after=after)),
        ("console, urgent only", console(priority="urgent")),
        ("console, installations only", console(kind="installation")),
        ("console, one status (`acknowledged`)", console(status="acknowledged")),
        ("console, waiting on the merchant (paused)", console(status="waiting_merchant")),
        ("console, all statuses", console(status="")),
        ("console, no technician yet", console(assigned="no")),
        ("console, technician assigned", console(assigned="yes")),
        ("console, one region", console(region="shanghai")),
        ("console search `?q=printer`", console(q="printer")),
        ("console search, ticket number `?q=BM-00012345`", console(q="BM-00012345")),
        ("console search, serial `?q=BENCH-17-3`", console(q="BENCH-17-3")),
        ("console search, merchant `?q=Bench merchant 42`", console(q="Bench merchant 42")),
        ("console search, phone `?q=13800138`", console(q="13800138")),
        ("merchant's list `GET /tickets/`", lambda: ok(merchant.get("/tickets/"))),
        ("technician's jobs `GET /tickets/jobs/`", lambda: ok(technician.get("/tickets/jobs/"))),
        ("device list (dispatcher) `GET /devices/`", lambda: ok(dispatcher.get("/devices/"))),
        ("ticket page (dispatcher)", lambda: ok(dispatcher.get(f"/tickets/{bench.ticket.number}/"))),
        ("file a ticket, web form", file_web),
        ("file a ticket, API", file_api),
        ("API ticket list", lambda: ok(partner.get("/api/v1/tickets/?page_size=20"))),
        ("manager's dashboard (30 days)", dashboard),
        ("open tickets counted for the dashboard (the beat, every 30 s)", open_snapshot_take),
    ]


def console_plan() -> str:
    from django.db import connection

    from accounts.models import User
    from possystem.seek import ordered
    from tickets import selectors

    dispatcher = User.objects.get(username="dispatcher")
    tickets = selectors.ticket_console(actor=dispatcher)
    query = ordered(tickets, selectors.CONSOLE_ORDER)[:21]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def escalation_pass(batch: int = 200, repeats: int = 5) -> dict:
    """A warm-up batch of 20, then `repeats` times: `batch` running tickets' response checks made due
    and one scanner batch over them, timed. The median batch, by its time per escalation."""
    _escalation_batch(20)
    batches = sorted((_escalation_batch(batch) for _ in range(repeats)), key=lambda result: result["per"])
    return {**batches[len(batches) // 2], "repeats": repeats, "per_each": [round(b["per"], 3) for b in batches]}


def _escalation_batch(batch: int) -> dict:
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from sla.models import Escalation, SLACheck
    from sla.services import escalations_scan

    now = timezone.now()
    from tickets.models import Ticket

    ids = list(
        Ticket.objects.filter(number__startswith="BM-", status="new")
        .exclude(escalations__isnull=False)
        .order_by("-pk")
        .values_list("pk", flat=True)[:batch]
    )
    SLACheck.objects.filter(ticket_id__in=ids).delete()
    SLACheck.objects.bulk_create(
        SLACheck(ticket_id=pk, milestone="respond", level="breached", due_at=now - datetime.timedelta(seconds=1))
        for pk in ids
    )
    before = Escalation.objects.count()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        escalations_scan(now=now, batch_size=batch)
        elapsed = (time.perf_counter() - started) * 1000
    fired = Escalation.objects.count() - before
    return {"escalations": fired, "ms": elapsed, "per": elapsed / max(fired, 1), "queries": len(captured)}


ROUNDS = 3


def run_size(options, env: dict, open_tickets: int) -> dict:
    seed_open(env, open_tickets)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    connection.close()
    Bench.env = env
    bench = Bench()
    # The requests in rounds, each request `runs / ROUNDS` times in a row per round: a shared machine's
    # speed moves over minutes, and a slow stretch then spoils a third of a request's times rather
    # than all of them (the median of the pooled times passes over it).
    listed = requests(bench)
    timings = {label: [] for label, _request in listed}
    queries = {}
    speeds = []  # the machine's speed before each round and after the last
    for round_ in range(ROUNDS):
        speeds.append(calibration())
        for label, request in listed:
            timings[label] += measure(max(1, options.runs // ROUNDS), request)
            if round_ == 0:
                queries[label] = queries_of(request)  # as the runs just before it made them
    results = {}
    for label, _request in listed:
        results[label] = {
            "median": statistics.median(timings[label]),
            "p95": percentile(timings[label], 0.95),
            "queries": queries[label],
        }
        print(f"  {label}: {results[label]['median']:.1f} ms, {results[label]['queries']} queries", flush=True)
    results["plan"] = console_plan()
    results["postgres"] = api.postgres_settings()
    speeds.append(calibration())
    results["calibration"] = {
        name: statistics.median(speed[name] for speed in speeds) for name in ("python_loop_ms", "select_1_ms")
    }
    loops = [speed["python_loop_ms"] for speed in speeds]
    results["calibration"]["python_loop_range_ms"] = [min(loops), max(loops)]
    results["escalation"] = escalation_pass()
    print(f"  escalation pass: {results['escalation']}", flush=True)
    return results


def calibration() -> dict:
    """How fast the machine was during the run, for comparing runs on a shared machine whose speed
    moves: a fixed loop of Python, and a `SELECT 1` round trip to PostgreSQL (medians of 21)."""
    from django.db import connection

    def loop():
        total = 0
        for i in range(200_000):
            total += i * i
        return total

    def select_one():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def median_ms(work) -> float:
        timings = []
        for _ in range(21):
            started = time.perf_counter()
            work()
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

    return {"python_loop_ms": median_ms(loop), "select_1_ms": median_ms(select_one)}


# Issue 13's targets: in-process median, ms (escalation: per escalation in a batch).
TARGETS = (
    ("the console, each filter and ordering", lambda label: label.startswith(("dispatcher console", "console,")), 20),
    ("search by number, serial, merchant or phone", lambda label: label.startswith("console search"), 30),
    ("the technician's jobs, the merchant's list and the device list",
     lambda label: label.startswith(("merchant's list", "technician's jobs", "device list")), 20),
    ("filing, web and API", lambda label: label.startswith("file a ticket"), 12),
)  # fmt: skip


def verdict(sizes: list[int], by_size: dict) -> str:
    """Which of issue 13's targets this run met: the slowest median of each group at each size."""
    lines = ["Against issue 13's targets in this run (the slowest median of each group):", ""]
    for name, member, limit in TARGETS:
        cells = []
        for n in sizes:
            worst = max(r["median"] for label, r in by_size[n].items() if isinstance(r, dict) and member(label))
            cells.append(f"{worst:.1f} ms at {n // 1000:,}k ({'met' if worst <= limit else 'missed'})")
        lines.append(f"- {name} (≤ {limit} ms): " + "; ".join(cells))
    cells = [
        f"{by_size[n]['escalation']['per']:.2f} ms at {n // 1000:,}k "
        f"({'met' if by_size[n]['escalation']['per'] <= 0.5 else 'missed'})"
        for n in sizes
    ]
    lines.append("- an escalation in a batch (≤ 0.5 ms): " + "; ".join(cells))
    return "\n".join(lines)


def cpu_model() -> str:
    """The processor's name as Linux reports it (the figures move with it)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "processor unknown"


def _speed(calibration: dict) -> str:
    text = f"{calibration['python_loop_ms']:.1f} ms"
    if "python_loop_range_ms" in calibration:  # runs before the rounds were calibrated apart have none
        low, high = calibration["python_loop_range_ms"]
        text += f" ({low:.1f} to {high:.1f} ms between rounds)"
    return text + f" and {calibration['select_1_ms'] * 1000:.0f} µs"


def report(sizes: list[int], by_size: dict) -> str:
    labels = [
        label for label in by_size[sizes[0]] if label not in ("plan", "escalation", "load", "postgres", "calibration")
    ]
    head = " | ".join(f"{n // 1000:,}k open: median / p95 ms" for n in sizes)
    lines = [f"| request | {head} | SQL queries |", "| --- |" + " ---: |" * (len(sizes) + 1)]
    for label in labels:
        cells = " | ".join(f"{by_size[n][label]['median']:.1f} / {by_size[n][label]['p95']:.1f}" for n in sizes)
        lines.append(f"| {label} | {cells} | {by_size[sizes[-1]][label]['queries']} |")
    escalation = " | ".join(
        f"{by_size[n]['escalation']['per']:.2f} ms each ({by_size[n]['escalation']['escalations']} in "
        f"{by_size[n]['escalation']['ms']:.0f} ms)"
        for n in sizes
    )
    lines.append(
        f"| escalation, per escalation in a batch | {escalation} | {by_size[sizes[-1]]['escalation']['queries']} |"
    )
    plan = "\n".join("    " + line for line in by_size[sizes[-1]]["plan"].splitlines())
    loads = "; ".join(
        f"{n // 1000:,}k: " + " / ".join(f"{load:.1f}" for load in by_size[n].get("load", ())) for n in sizes
    )
    table = "\n".join(lines)
    speeds = (
        "; ".join(f"{n // 1000:,}k: {_speed(by_size[n]['calibration'])}" for n in sizes if "calibration" in by_size[n])
        or "not recorded"
    )
    postgres = by_size[sizes[-1]].get("postgres", "PostgreSQL settings not recorded")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    return f"""## Pages and lists

`benchmarks/pages.py`: in-process (Django's test client, `DEBUG` off), PostgreSQL on the same 2-core
machine, tickets bulk-seeded with `benchmarks/api.py`'s SQL (4 of 7 statuses open; one in ten
acknowledged tickets waiting on the merchant; 1,000 merchants, 10,000 terminals). Median and p95 of
each request: 21 runs in three rounds of 7 in a row (after two warm-ups each), a round going
through every request before the next begins, so that a stretch in which the shared machine ran
slow spoils a third of a request's times, not all; queries counted for one request. Filing on the
web form drops the "filed" notice after each request, as the browser's next page would. The escalation
row is a scanner batch of 200 due response checks (`escalations_scan`), its time divided by the
escalations it wrote: the median of five batches.

{table}

Reading it. Before this work the console took 266 ms at 100k and 2,131 ms at 1M open tickets and
its search 131 ms and 1,113 ms (the issue's table): it computed a `CASE` over three deadlines for
every open ticket, sorted them all and counted them all. Now the page query walks the
`ticket_console` index (plan below; the region filter its own `ticket_console_region` on the stored
`Ticket.region`) and stops after a page, the count stops at 201 rows, and the next page seeks from
the last row instead of skipping. The database's share is a few milliseconds at either size; the
rest is Django: the user (the session comes from the cache), compiling the queries, and drawing the
rows, which the lists now build in Python (`possystem.markup`) rather than through included
templates, with the SLA policies, regions and the header's links kept per process. A search reads the matching ids one
capped query per index (number, serial, merchant name, phone) in one `UNION`, asking only the
columns that could hold it, then orders only those; the phone search also asks the serials (digits
may be part of one) and is the slowest. Filing is 10 statements on the web form and 10 through the
API, BEGIN and COMMIT included. An escalation batch is 17 statements whatever its size, its rows
written as column arrays. The manager's dashboard reads the beat's count of open tickets (the last
row but one: what the beat pays every 30 seconds).

{verdict(sizes, by_size)}

Python {platform.python_version()}, {today}, {cpu_model()}; load average (1, 5, 15 min) at the end of
each size's run: {loads} on 2 cores, nothing else running; {postgres}. The machine's speed during
each size's run (`calibration`, the median of its measures before each round and after the last: a
fixed Python loop, and a `SELECT 1` round trip): {speeds}. The loop runs in the benchmark's own
interpreter: on the distribution's Python (`scripts/venv.sh`) about 7 ms in a fast hour; on the
source build used before, 8 to 9 ms on fast days and 11 to 12 ms on ordinary ones. A run whose loop
took longer ran on a slower machine, and its times are longer, by up to as much or more (below).
Plan of the console's page query at
{sizes[-1]:,} open tickets (first page, no filter):

{plan}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--no-write", action="store_true", help="print the results only")
    parser.add_argument("--seed-only", action="store_true", help="seed the first size and stop")
    parser.add_argument("--database", default=api.BENCH_DB, help="one database per size keeps each size for reruns")
    parser.add_argument(
        "--results",
        type=Path,
        help="a JSON file that keeps each size's results, so sizes can run apart and report together",
    )
    options = parser.parse_args()

    api.BENCH_DB = options.database
    env = api.bench_env()
    api.create_database(env)
    api.manage(env, "migrate", "--noinput")
    api.manage(env, "seed_demo")
    analyze(env)
    if options.seed_only:
        seed_open(env, options.open[0])
        return
    by_size = {n: run_size(options, env, n) for n in options.open}
    for results in by_size.values():
        results["load"] = os.getloadavg()
    sizes = options.open
    if options.results:
        kept = (
            {int(n): r for n, r in json.loads(options.results.read_text()).items()} if options.results.exists() else {}
        )
        kept.update(by_size)
        options.results.write_text(json.dumps({str(n): r for n, r in kept.items()}, default=str))
        by_size, sizes = kept, sorted(kept)
    text = report(sizes, by_size)
    print(text)
    if not options.no_write:
        path = ROOT / "docs" / "benchmarks.md"
        current = path.read_text()
        section = re.compile(r"^## Pages and lists\n.*?(?=^## |\Z)", re.S | re.M)
        updated = section.sub(lambda _m: text, current) if section.search(current) else current.rstrip() + "\n\n" + text
        path.write_text(updated.rstrip() + "\n")


if __name__ == "__main__":
    main()
