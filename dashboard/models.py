import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def export_path(export, filename):
    # An unguessable name: the folder is private (never served from MEDIA_URL), and even a listing of
    # it says nothing about whose export a file is.
    return f"exports/{secrets.token_hex(16)}.{export.format}"


class Export(models.Model):
    """A view's tickets written to a file by a worker: a range too large to download at once.

    Private to the one who asked for it. The ticket query is kept as Django pickled it (the view's
    own filters, already scoped to the requester), so the worker writes exactly the rows the page
    counted. `attempts` doubles as the claim token: a worker owns the job while the row still holds
    the attempt it claimed, and reports progress with `heartbeat_at`; a job whose worker fell silent
    for EXPORT_LEASE_SECONDS is started again by `dashboard.exports.exports_sweep`.
    """

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being written")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        CRASHED = "crashed", _("The export stopped unexpectedly several times.")
        ERROR = "error", _("The export could not be written.")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    # Column headings and words are written in the language the requester used when asking.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    query = models.BinaryField(editable=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    failure = models.CharField(_("why it failed"), max_length=8, choices=Failure.choices, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("requested at"))
    # While queued: when it was last handed to the workers; while running: the worker's last word.
    heartbeat_at = models.DateTimeField(_("last progress at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("deleted after"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            # The requester's list of exports (dashboard.exports.exports_of).
            models.Index(fields=["requested_by", "-created_at"], name="export_by_requester"),
            # The sweeper: unfinished jobs whose worker has fallen silent (exports_sweep).
            models.Index(
                fields=["heartbeat_at"], condition=Q(status__in=["queued", "running"]), name="export_unfinished"
            ),
            # The sweeper: jobs past their keeping time (exports_sweep).
            models.Index(fields=["expires_at"], name="export_expires"),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_format_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished or not self.rows_total:
            return 100 if self.status == self.Status.READY else 0
        # Tickets filed meanwhile in an open-ended range can outnumber the count taken at the start.
        return min(99, self.rows_done * 100 // self.rows_total)


# --- daily roll-ups (dashboard.rollups) ------------------------------------------------------------

# The milestones and how each turned out, as `sla.selectors.milestone_outcome_q` names them.
ROLLUP_MILESTONES = ("respond", "onsite", "resolve")
ROLLUP_OUTCOMES = ("on_time", "late", "missed", "pending")
# The times the dashboard reports a mean and a 90th percentile of.
ROLLUP_MEASURES = ("respond", "onsite", "resolve", "downtime")
# Upper edges, in minutes, of the histogram each time is kept in: "within 15 minutes", "within 30
# minutes", ... "within 30 days". The 90th percentile is read from it as the first edge within which
# nine tickets in ten fall (never more than the longest time seen), so it is as fine as these steps:
# a quarter of an hour at first, then hours around the one-day and two-day promises.
ROLLUP_EDGES = (
    15, 30, 60, 90, 120, 180, 240, 360, 480, 600, 720, 960,
    1200, 1440, 1920, 2400, 2880, 4320, 5760, 7200, 10080, 14400, 20160, 43200,
)  # fmt: skip


def rollup_count_names() -> list[str]:
    """The roll-up's count columns, in the order `dashboard.rollups.ticket_sums` computes them."""
    names = ["filed", "breached"]
    names += [f"{m}_{o}" for m in ROLLUP_MILESTONES for o in ROLLUP_OUTCOMES]
    for measure in ROLLUP_MEASURES:
        names.append(f"{measure}_n")
        names += [f"{measure}_within_{edge}" for edge in ROLLUP_EDGES]
    names += ["resolved", "rated", "rating_sum", "commented", "charged"]
    return names


class RollupSums(models.Model):
    """The dashboard's sums over a group of tickets of one region, partner, device model and kind
    (`dashboard.rollups.ticket_sums` names them), for the tickets whose figures no longer change
    with the clock (every status but the four in which the SLA clocks run)."""

    region = models.ForeignKey("accounts.Region", null=True, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("accounts.Partner", null=True, on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey("devices.DeviceModel", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    # Totals of each time (minutes on the milestone's clock; downtime elapsed), for the means.
    respond_total = models.BigIntegerField(default=0)
    onsite_total = models.BigIntegerField(default=0)
    resolve_total = models.BigIntegerField(default=0)
    downtime_total = models.DurationField(null=True)
    respond_longest = models.PositiveIntegerField(null=True)
    onsite_longest = models.PositiveIntegerField(null=True)
    resolve_longest = models.PositiveIntegerField(null=True)
    downtime_longest = models.DurationField(null=True)
    charged_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        abstract = True


for _name in rollup_count_names():
    RollupSums.add_to_class(_name, models.PositiveIntegerField(default=0))
del _name


class DailyRollup(RollupSums):
    """The sums of the tickets filed on one local day. Kept by `dashboard.rollups.rollups_refresh`;
    never edited by hand."""

    day = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["day"], name="rollup_day")]

    def __str__(self):
        return f"{self.day} {self.kind}"


class WeeklyRollup(RollupSums):
    """The same sums per local week (Monday first), added up from `DailyRollup` when its days are
    built: a long period reads a seventh of the rows, and only its partial weeks day by day."""

    week = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["week"], name="rollup_week")]

    def __str__(self):
        return f"{self.week} {self.kind}"


class DailyRepairRollup(models.Model):
    """Resolved repairs of one local day, per region, partner, device model, firmware and the
    technician who fixed them: the repeat-repair and first-time-fix figures. Kept with `DailyRollup`."""

    day = models.DateField()
    region = models.ForeignKey("accounts.Region", null=True, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("accounts.Partner", null=True, on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey("devices.DeviceModel", null=True, on_delete=models.CASCADE, related_name="+")
    firmware = models.CharField(max_length=64)
    fixed_by = models.ForeignKey("technicians.Technician", null=True, on_delete=models.CASCADE, related_name="+")
    repairs = models.PositiveIntegerField(default=0)
    first_time = models.PositiveIntegerField(default=0)
    repeats = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day"], name="repair_rollup_day")]

    def __str__(self):
        return f"{self.day} {self.firmware}"


class DailyWorkRollup(models.Model):
    """Jobs one technician completed on one local day: the workload's "completed in the period".
    Kept with `DailyRollup`, by the day of completion."""

    day = models.DateField()
    technician = models.ForeignKey("technicians.Technician", on_delete=models.CASCADE, related_name="+")
    completed = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["technician", "day"], name="work_rollup_technician_day")]

    def __str__(self):
        return f"{self.day} {self.technician_id}"


class OpenTicketsCount(models.Model):
    """How many tickets were open at `taken_at` with one status and SLA state, in one region, of
    one partner, device model and kind: the beat's snapshot of "open tickets now"
    (`dashboard.open_tickets`). The latest two snapshots are kept."""

    taken_at = models.DateTimeField()
    status = models.CharField(max_length=32)
    state = models.CharField(max_length=16)
    region = models.ForeignKey("accounts.Region", null=True, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("accounts.Partner", null=True, on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey("devices.DeviceModel", null=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["taken_at"], name="open_count_taken")]

    def __str__(self):
        return f"{self.taken_at} {self.status} {self.state}: {self.count}"


class StaleDay(models.Model):
    """A local day whose roll-ups a write has made stale: written by database triggers (a ticket,
    its rating or repair report, its terminal or merchant changed; a job completed on that day),
    consumed by `rollups_refresh`.
    Not unique on purpose: two transactions marking the same day never wait for each other."""

    day = models.DateField()

    def __str__(self):
        return str(self.day)

