"""A view's tickets as a spreadsheet: CSV or Excel, at once or by a worker.

The interface for pages: hand `export_response` the ticket queryset the page shows (already scoped
to the caller and filtered), the requesting user and a title. Up to EXPORT_BACKGROUND_ROWS rows the
file comes back in the response (CSV streamed row by row, Excel written to a temporary file in
XlsxWriter's constant-memory mode and streamed from it); above that an `Export` job is queued, the
response leads to its page (progress, then the download link) and the requester is told when it is
ready. Managers and admins only (`export_allowed`); each job is private to its requester.

Jobs and crashed workers: a worker claims a job with a conditional UPDATE that bumps `attempts`
(the claim token) and reports progress every EXPORT_PROGRESS_ROWS rows with an UPDATE that repeats
the token; a worker whose UPDATE touches nothing has been superseded and stops. `exports_sweep` (beat,
every minute) starts again a job whose worker fell silent for EXPORT_LEASE_SECONDS, gives up after
EXPORT_MAX_ATTEMPTS tries (the requester is told why), hands again to the workers a job the broker
lost, and deletes the files of jobs past EXPORT_KEEP_DAYS.
"""

import csv
import datetime
import logging
import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import xlsxwriter
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, DecimalField, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.scoping import visible_to
from dashboard.models import Export, export_path
from notifications.services import notify_users
from possystem.formats import local_minute
from possystem.queue import enqueue_on_commit
from sla.deadlines import ClockBook
from sla.models import Milestone
from sla.selectors import STATE_LABELS, ticket_sla_status
from technicians.models import Assignment, RepairReport, Technician
from tickets.models import Kind, Priority, Status, Ticket

logger = logging.getLogger(__name__)

EXPORT_ROLES = frozenset({"manager", "admin"})
# A running job writes its progress (and so proves it is alive) this often.
EXPORT_PROGRESS_ROWS = 500
# Rows fetched from PostgreSQL per round trip (a server-side cursor).
CHUNK_ROWS = 2000


def export_allowed(user) -> bool:
    """Managers and admins; dispatchers see what is at risk in their console instead."""
    return bool(user and user.is_authenticated and user.is_active and (user.is_superuser or user.role in EXPORT_ROLES))


# --- the rows --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    """A duration written as hours with one decimal (a number in Excel)."""

    value: float


def _headings() -> list[str]:
    headings = [
        _("Ticket"),
        _("Filed at"),
        _("Merchant"),
        _("Region"),
        _("Device model"),
        _("Serial number"),
        _("Kind"),
        _("Priority"),
        _("Status"),
    ]
    for milestone in Milestone:
        headings += [
            _("%(milestone)s deadline") % {"milestone": milestone.label},
            _("%(milestone)s met at") % {"milestone": milestone.label},
            _("%(milestone)s result") % {"milestone": milestone.label},
        ]
    headings += [_("Technician"), _("Downtime (hours)"), _("Charge (CNY)"), _("Rating")]
    return headings


# Column widths in Excel, in characters, in the order of `_headings`.
_WIDTHS = [19, 17, 24, 12, 18, 18, 16, 10, 18] + [17, 17, 14] * len(Milestone) + [14, 12, 12, 8]


def export_queryset(tickets: QuerySet) -> QuerySet:
    """`tickets` with everything a row shows, oldest first, in a constant number of queries."""
    latest_assignment = Assignment.objects.filter(ticket=OuterRef("pk"), declined_at__isnull=True).order_by(
        "-assigned_at", "-pk"
    )
    latest_report = RepairReport.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk")
    charge = Case(
        When(charged=True, then=F("labour_charge") + F("parts_charge")),
        default=Decimal("0"),
        output_field=DecimalField(max_digits=11, decimal_places=2),
    )
    return (
        tickets.select_related("merchant__region", "device__model", "device__region", "sla_policy")
        .annotate(
            export_technician_id=Coalesce(
                Subquery(latest_report.values("technician_id")[:1]),
                Subquery(latest_assignment.values("technician_id")[:1]),
            ),
            export_charge=Subquery(latest_report.annotate(total=charge).values("total")[:1]),
            export_rating=F("feedback__rating"),
        )
        .order_by("created_at", "pk")
    )


def _technician_names() -> dict[int, str]:
    # A few hundred technicians at most: one query instead of three joins per ticket.
    return {t.pk: str(t) for t in Technician.objects.select_related("user")}


def export_rows(tickets: QuerySet, *, now: datetime.datetime | None = None) -> Iterator[list]:
    """One list of values per ticket, in the order of the headings, in the active language. Times
    are aware datetimes, durations `Hours`, amounts `Decimal`; the writers format them."""
    now = now or timezone.now()
    clocks = ClockBook()
    technicians = _technician_names()
    # Words translated once per export, not once per row: gettext is most of a row's cost.
    kinds, priorities, statuses = (
        {value: str(label) for value, label in choices} for choices in (Kind.choices, Priority.choices, Status.choices)
    )
    on_time, late, no_deadline = _("On time"), _("Late"), _("No deadline")
    state_labels = {state: str(label) for state, label in STATE_LABELS.items()}
    for ticket in export_queryset(tickets).iterator(chunk_size=CHUNK_ROWS):
        device = ticket.device
        region = (device.region if device and device.region_id else None) or ticket.merchant.region
        row = [
            ticket.number,
            ticket.created_at,
            ticket.merchant.name,
            region.label if region else "",
            str(device.model) if device else "",
            device.serial_number if device else "",
            kinds.get(ticket.kind, ticket.kind),
            priorities.get(ticket.priority, ticket.priority),
            statuses.get(ticket.status, ticket.status),
        ]
        status = {m.milestone: m for m in ticket_sla_status(ticket=ticket, now=now, clocks=clocks).milestones}
        for milestone in Milestone:
            entry = status.get(milestone)
            if entry is None:
                row += [None, None, no_deadline]
            elif entry.met_at is not None:
                row += [entry.deadline, entry.met_at, on_time if entry.met_at <= entry.deadline else late]
            else:
                row += [entry.deadline, None, state_labels[entry.state]]
        downtime = ticket.downtime
        row += [
            technicians.get(ticket.export_technician_id, ""),
            Hours(round(downtime.total_seconds() / 3600, 1)) if downtime is not None else None,
            ticket.export_charge,
            ticket.export_rating,
        ]
        yield row


# --- writers ------------------------------------------------------------------------------------


# Spreadsheet programs run CSV cells that start with these as formulas.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return local_minute(value)
    if isinstance(value, Hours):
        return f"{value.value:.1f}"
    if isinstance(value, Decimal | int):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


def csv_lines(
    tickets: QuerySet, *, language: str, now: datetime.datetime | None = None, progress=None
) -> Iterator[str]:
    """The CSV file, line by line, with a byte-order mark so spreadsheet programs read the Chinese
    as UTF-8. `progress(rows_done)` is called every EXPORT_PROGRESS_ROWS rows."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield "\ufeff" + writer.writerow(_headings())
        for done, row in enumerate(export_rows(tickets, now=now), start=1):
            yield writer.writerow([_csv_cell(value) for value in row])
            if progress and done % EXPORT_PROGRESS_ROWS == 0:
                progress(done)


def xlsx_write(tickets: QuerySet, target, *, title: str, language: str, progress=None) -> int:
    """Write the tickets as an Excel workbook to `target` (a path or a binary file) and return the
    number of rows. Constant-memory mode: each row goes to disk as it is written, so a year of
    tickets takes no more memory than one row."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            # Text stays text: a merchant name starting with "=" is not a formula, a serial number
            # of digits keeps its leading zeros.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    with translation.override(language):
        sheet = workbook.add_worksheet(_("Tickets"))
        bold = workbook.add_format({"bold": True, "bg_color": "#E8EEF6", "border": 1})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        one_decimal = workbook.add_format({"num_format": "0.0"})
        money = workbook.add_format({"num_format": "#,##0.00"})
        for column, width in enumerate(_WIDTHS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 1)
        headings = _headings()
        for column, heading in enumerate(headings):
            sheet.write_string(0, column, heading, bold)
        done = 0
        for done, row in enumerate(export_rows(tickets), start=1):
            for column, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(done, column, timezone.localtime(value).replace(tzinfo=None), moment)
                elif isinstance(value, Hours):
                    sheet.write_number(done, column, value.value, one_decimal)
                elif isinstance(value, Decimal):
                    sheet.write_number(done, column, float(value), money)
                elif isinstance(value, int):
                    sheet.write_number(done, column, value)
                else:
                    sheet.write_string(done, column, str(value))
            if progress and done % EXPORT_PROGRESS_ROWS == 0:
                progress(done)
        if done:
            sheet.autofilter(0, 0, done, len(headings) - 1)
        workbook.set_properties({"title": title})
    workbook.close()
    return done


def _filename(title: str, fmt: str) -> str:
    stem = slugify(title, allow_unicode=True) or "tickets"
    return f"{stem[:80]}.{fmt}"


def _content_disposition(filename: str) -> str:
    return content_disposition_header(as_attachment=True, filename=filename)


# --- for pages ----------------------------------------------------------------------------------


def export_response(*, tickets: QuerySet, user, title: str, fmt: str) -> HttpResponse:
    """The page's answer to "export these tickets": the file itself for a small range, otherwise a
    queued `Export` and a redirect to its page. The caller checks `export_allowed(user)` and passes
    `tickets` already scoped to `user`; `fmt` is one of `Export.Format`."""
    if fmt not in Export.Format.values:
        raise ValueError(f"unknown export format {fmt!r}")
    count = tickets.count()
    if count > settings.EXPORT_BACKGROUND_ROWS:
        export = export_start(tickets=tickets, user=user, title=title, fmt=fmt, count=count)
        return HttpResponseRedirect(reverse("exports:detail", args=[export.pk]))
    language = translation.get_language() or settings.LANGUAGE_CODE
    filename = _filename(title, fmt)
    if fmt == Export.Format.CSV:
        # The states as of the request, however long the download takes.
        lines = csv_lines(tickets, language=language, now=timezone.now())
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = _content_disposition(filename)
        return response
    # A temporary file without a name: it goes away when the response closes it.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    xlsx_write(tickets, spool, title=title, language=language)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# --- background jobs ----------------------------------------------------------------------------


def export_start(*, tickets: QuerySet, user, title: str, fmt: str, count: int | None = None) -> Export:
    """Queue a job writing `tickets` (scoped to `user` by the caller) and hand it to a worker after
    commit."""
    from dashboard.tasks import export_run_task

    now = timezone.now()
    export = Export.objects.create(
        requested_by=user,
        title=title[:200],
        format=fmt,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        # Django's documented way to keep a query for later; written and read only by this code.
        query=pickle.dumps(tickets.query),
        rows_total=tickets.count() if count is None else count,
        created_at=now,
        heartbeat_at=now,
        expires_at=now + datetime.timedelta(days=settings.EXPORT_KEEP_DAYS),
    )
    enqueue_on_commit(export_run_task, [(export.pk,)])
    return export


class Superseded(Exception):
    """Another worker took the job over (this one was thought dead); stop writing."""


def _claim(export_id: int, now: datetime.datetime) -> Export | None:
    stale = now - datetime.timedelta(seconds=settings.EXPORT_LEASE_SECONDS)
    claimable = Q(status=Export.Status.QUEUED) | Q(status=Export.Status.RUNNING, heartbeat_at__lt=stale)
    claimed = Export.objects.filter(claimable, pk=export_id, attempts__lt=settings.EXPORT_MAX_ATTEMPTS).update(
        status=Export.Status.RUNNING, attempts=F("attempts") + 1, heartbeat_at=now, rows_done=0
    )
    return Export.objects.select_related("requested_by").get(pk=export_id) if claimed == 1 else None


def export_run(*, export_id: int) -> bool:
    """Write one job's file, unless it is finished or another worker holds it. Returns True when
    this call finished it. Runs its own short transactions (never call it inside one): progress is
    committed as it goes, so the requester's page moves."""
    export = _claim(export_id, timezone.now())
    if export is None:
        return False
    mine = Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING, attempts=export.attempts)

    def progress(done: int) -> None:
        if mine.update(rows_done=min(done, export.rows_total), heartbeat_at=timezone.now()) != 1:
            raise Superseded

    tickets = Ticket.objects.all()
    try:
        # The bytes are the ones export_start wrote from a queryset; no one else writes the column.
        tickets.query = pickle.loads(export.query)  # noqa: S301
        with tempfile.TemporaryFile() as spool:
            if export.format == Export.Format.XLSX:
                rows = xlsx_write(tickets, spool, title=export.title, language=export.language, progress=progress)
            else:
                rows = 0
                for line in csv_lines(tickets, language=export.language, progress=progress):
                    spool.write(line.encode("utf-8"))
                    rows += 1
                rows -= 1  # the headings
            spool.seek(0)
            name = default_storage.save(export_path(export, ""), File(spool))
    except Superseded:
        logger.warning("Export %s was taken over by another worker; this one stops", export.pk)
        return False
    except Exception:
        logger.exception("Export %s could not be written", export.pk)
        _fail(export, Export.Failure.ERROR, mine)
        return False
    with transaction.atomic():
        finished = mine.update(
            status=Export.Status.READY,
            file=name,
            rows_done=rows,
            rows_total=rows,
            finished_at=timezone.now(),
        )
        if finished != 1:
            transaction.on_commit(partial(default_storage.delete, name))
            return False
        _tell(export, ready=True, rows=rows)
    return True


def _fail(export: Export, failure: str, claim: QuerySet) -> None:
    with transaction.atomic():
        if claim.update(status=Export.Status.FAILED, failure=failure, finished_at=timezone.now()) == 1:
            _tell(export, ready=False)


def _tell(export: Export, *, ready: bool, rows: int = 0) -> None:
    """The requester's notice (in the app, with an e-mail copy), in their own language."""

    def compose():
        if ready:
            return (
                _("Your export “%(title)s” is ready") % {"title": export.title},
                _("%(rows)s tickets. The file is kept until %(until)s.")
                % {"rows": rows, "until": local_minute(export.expires_at)},
            )
        return (
            _("Your export “%(title)s” failed") % {"title": export.title},
            _("%(reason)s Please try again, or choose a shorter period.")
            % {"reason": Export.Failure(export.failure or Export.Failure.ERROR).label},
        )

    if not ready:
        export.refresh_from_db(fields=["failure"])
    notify_users(recipients=[export.requested_by], compose=compose, link=reverse("exports:detail", args=[export.pk]))


def exports_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The beat's pass over unfinished and old jobs (see the module's docstring). Returns counts."""
    from dashboard.tasks import export_run_task

    now = now or timezone.now()
    stale = now - datetime.timedelta(seconds=settings.EXPORT_LEASE_SECONDS)
    counts = {"restarted": 0, "failed": 0, "deleted": 0}
    with transaction.atomic():
        silent = list(
            Export.objects.select_for_update(skip_locked=True)
            .select_related("requested_by")
            .filter(status__in=[Export.Status.QUEUED, Export.Status.RUNNING], heartbeat_at__lt=stale)
            .order_by("heartbeat_at")[:100]
        )
        again = []
        for export in silent:
            if export.status == Export.Status.RUNNING and export.attempts >= settings.EXPORT_MAX_ATTEMPTS:
                export.failure = Export.Failure.CRASHED
                _fail(export, Export.Failure.CRASHED, Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING))
                counts["failed"] += 1
            else:
                # A dead worker's job, or one the broker lost before any worker saw it: queued again,
                # and the heartbeat restarts the wait before the next sweep looks at it.
                Export.objects.filter(pk=export.pk).update(status=Export.Status.QUEUED, heartbeat_at=now)
                again.append((export.pk,))
        enqueue_on_commit(export_run_task, again)
        counts["restarted"] = len(again)
    for export in Export.objects.filter(expires_at__lt=now).order_by("expires_at")[:500]:
        if export.file:
            default_storage.delete(export.file.name)
        export.delete()
        counts["deleted"] += 1
    if any(counts.values()):
        logger.info("Exports sweep: %s", counts)
    return counts


# --- reads --------------------------------------------------------------------------------------


def tickets_filed(*, user, since: datetime.date, until: datetime.date) -> QuerySet:
    """The tickets `user` may see filed from the first day to the last (both included, local days)."""

    def midnight(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    return visible_to(Ticket.objects.all(), user).filter(
        created_at__gte=midnight(since), created_at__lt=midnight(until + datetime.timedelta(days=1))
    )


def exports_of(*, user, limit: int = 20) -> QuerySet:
    """The user's own exports, newest first (nobody sees another's)."""
    return Export.objects.filter(requested_by=user).order_by("-created_at", "-pk")[:limit]


def export_get(*, user, pk: int) -> Export:
    """One of the user's own exports; another's is `Export.DoesNotExist`, as if it did not exist."""
    return Export.objects.get(pk=pk, requested_by=user)


def export_filename(export: Export) -> str:
    return _filename(export.title, export.format)
