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
