import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.scoping import ScopePaths
from devices.models import DeviceModel, SparePart
from possystem.fields import latitude_field, longitude_field


class Technician(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, related_name="technician"
    )
    regions = models.ManyToManyField(Region, verbose_name=_("regions served"), related_name="technicians", blank=True)
    device_models = models.ManyToManyField(
        DeviceModel,
        verbose_name=_("trained on"),
        through="TechnicianSkill",
        related_name="technicians",
        blank=True,
    )
    capacity = models.PositiveSmallIntegerField(_("capacity (open jobs)"), default=5, validators=[MinValueValidator(1)])

    # Staff see every technician; a technician sees their own record.
    scope = ScopePaths(technician="user")

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self):
        return self.user.get_full_name() or self.user.username


class TechnicianSkill(models.Model):
    """A technician trained on a device model, and when."""

    technician = models.ForeignKey(
        Technician, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="skills"
    )
    device_model = models.ForeignKey(DeviceModel, verbose_name=_("device model"), on_delete=models.CASCADE)
    trained_on = models.DateField(_("trained on"))

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        constraints = [
            models.UniqueConstraint(fields=["technician", "device_model"], name="technician_skill_unique"),
        ]

    def __str__(self):
        return f"{self.technician} · {self.device_model}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Shift(models.Model):
    """Part of a technician's weekly schedule: working hours on one day of the week, local time.

    A shift that ends at or before its start runs past midnight into the next day (22:00–06:00); one
    that ends exactly at its start lasts the whole 24 hours. `technicians.shifts` reads the schedule.
    """

    technician = models.ForeignKey(
        Technician, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="shifts"
    )
    weekday = models.PositiveSmallIntegerField(_("day of the week"), choices=Weekday.choices)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(_("ends at"))

    class Meta:
        ordering = ["weekday", "starts_at", "pk"]
        verbose_name = _("shift")
        verbose_name_plural = _("weekly shifts")
        constraints = [
            models.CheckConstraint(name="shift_weekday_in_week", condition=Q(weekday__gte=0, weekday__lte=6)),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"


class Leave(models.Model):
    """Days a technician does not work, whatever the weekly schedule says (both days included)."""

    technician = models.ForeignKey(
        Technician, verbose_name=_("technician"), on_delete=models.CASCADE, related_name="leaves"
    )
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=128, blank=True)

    class Meta:
        ordering = ["first_day", "pk"]
        verbose_name = _("leave")
        verbose_name_plural = _("leave days")
        constraints = [
            models.CheckConstraint(name="leave_ends_after_it_starts", condition=Q(last_day__gte=F("first_day"))),
        ]

    def __str__(self):
        return f"{self.technician} {self.first_day}–{self.last_day}"

    def covers(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day


def active_assignment_q(prefix: str = "") -> Q:
    """An assignment still under way: neither released (re-assigned, cancelled) nor completed.
    `prefix` reaches assignments from another model, e.g. "assignments__" from a technician."""
    return Q(**{f"{prefix}released_at__isnull": True, f"{prefix}completed_at__isnull": True})


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active_assignment_q())


class Assignment(models.Model):
    """A technician sent to a ticket. A ticket has at most one active assignment; a re-assignment
    releases the previous one, so the history of who was sent stays on record."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="assignments"
    )
    technician = models.ForeignKey(
        Technician, verbose_name=_("technician"), on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    scheduled_at = models.DateTimeField(_("expected visit"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    # "On my way": the merchant is told, with the ticket's confirmation code.
    departed_at = models.DateTimeField(_("on the way since"), null=True, blank=True)
    # The first visit recorded on this job (a check-in, or staff on the technician's behalf).
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    scope = ScopePaths(merchant="ticket__merchant", technician="technician__user")

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["assigned_at", "pk"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=active_assignment_q(),
                name="assignment_one_active_per_ticket",
            ),
        ]
        indexes = [
            # Technician home page and workload: a technician's open jobs.
            models.Index(
                fields=["technician"],
                condition=active_assignment_q(),
                name="assignment_open_by_technician",
            ),
            # The dashboard's workload: jobs a technician completed in a period (dashboard.figures).
            models.Index(
                fields=["technician", "completed_at"],
                condition=Q(completed_at__isnull=False),
                name="assignment_completed",
            ),
        ]

    def __str__(self):
        return f"{self.ticket} → {self.technician}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None and self.completed_at is None


class RepairReport(models.Model):
    """What was done to resolve a ticket, on site or remotely."""

    class Outcome(models.TextChoices):
        REPAIRED = "repaired", _("Repaired")
        REPLACED = "replaced", _("Part replaced")
        SWAPPED = "swapped", _("Terminal swapped")
        REMOTE = "remote", _("Fixed remotely")
        ADVICE = "advice", _("Advice given")

    # One per resolution: a ticket the merchant reopened ("not fixed") is resolved again with a new
    # report. `Ticket.report` is the latest.
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="reports"
    )
    technician = models.ForeignKey(
        Technician,
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    work_done = models.TextField(_("work done"))
    labour_charge = models.DecimalField(_("labour charge (CNY)"), max_digits=10, decimal_places=2, default=0)
    parts_charge = models.DecimalField(_("parts charge (CNY)"), max_digits=10, decimal_places=2, default=0)
    charged = models.BooleanField(_("charged to the merchant"), default=False)
    replacement_serial = models.CharField(_("replacement serial number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    scope = ScopePaths(merchant="ticket__merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("repair report")
        verbose_name_plural = _("repair reports")
        constraints = [
            models.CheckConstraint(
                name="report_charges_not_negative", condition=Q(labour_charge__gte=0, parts_charge__gte=0)
            ),
        ]

    def __str__(self):
        return f"{self.ticket} · {self.get_outcome_display()}"

    @property
    def total_charge(self):
        return self.labour_charge + self.parts_charge if self.charged else 0


class PartUsed(models.Model):
    report = models.ForeignKey(RepairReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="parts")
    spare_part = models.ForeignKey(SparePart, verbose_name=_("spare part"), on_delete=models.PROTECT)
    quantity = models.PositiveSmallIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(_("unit cost (CNY)"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("part used")
        verbose_name_plural = _("parts used")
        constraints = [models.CheckConstraint(name="part_used_quantity_positive", condition=Q(quantity__gte=1))]

    def __str__(self):
        return f"{self.quantity} × {self.spare_part}"


class Visit(models.Model):
    """A technician on site for a ticket: a check-in, or a visit staff recorded on their behalf.

    Only a verified visit meets the on-site milestone (`Ticket.onsite_at`). The technician's own
    check-in is verified by the ticket's confirmation code, which the merchant reads out on site;
    the phone's location, when allowed, is kept with its accuracy and the distance to the site. A
    visit recorded by staff carries a reason and stays unverified until a manager approves it.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="visits"
    )
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="visits"
    )
    technician = models.ForeignKey(
        Technician, verbose_name=_("technician"), on_delete=models.PROTECT, related_name="visits"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"))
    latitude = latitude_field(_("latitude"))
    longitude = longitude_field(_("longitude"))
    accuracy_m = models.PositiveIntegerField(_("location accuracy (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance to the site (m)"), null=True, blank=True)
    code_matched = models.BooleanField(_("confirmation code matched"), default=False)
    verified = models.BooleanField(_("verified"), default=False)
    reason = models.TextField(_("reason"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # A manager refused a visit staff recorded: it stays unverified and meets nothing, for good.
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rejected by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reason = models.TextField(_("why it was rejected"), blank=True)

    scope = ScopePaths(merchant="ticket__merchant", assignments="ticket__assignments")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            # Verified by the code on site, or by a manager's approval; nothing else.
            models.CheckConstraint(
                name="visit_verified_by_code_or_approval",
                condition=Q(verified=False) | Q(code_matched=True) | Q(approved_at__isnull=False),
            ),
            models.CheckConstraint(
                name="visit_location_whole",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
            ),
            # A visit without the code says why.
            models.CheckConstraint(name="visit_unverified_has_reason", condition=Q(code_matched=True) | ~Q(reason="")),
            # Rejected means never verified, never approved.
            models.CheckConstraint(
                name="visit_rejected_stays_unverified",
                condition=Q(rejected_at__isnull=True) | Q(verified=False, approved_at__isnull=True),
            ),
        ]
        indexes = [
            # The manager's approvals: visits still waiting for one.
            models.Index(fields=["at"], condition=Q(verified=False), name="visit_awaiting_approval"),
        ]

    def __str__(self):
        return f"{self.ticket_id} · {self.technician_id} · {self.at:%Y-%m-%d %H:%M}"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def awaiting_approval(self) -> bool:
        """Recorded by staff, and a manager has neither approved nor rejected it yet."""
        return not self.verified and self.rejected_at is None


def signature_path(signature, filename):
    # Never the uploaded name; signatures are addressed through a view that checks who asks.
    today = timezone.localdate()
    return f"signatures/{today:%Y/%m}/{signature.report_id}-{signature.token}.png"


class Signature(models.Model):
    """The merchant's signature, drawn on the technician's screen when the job is completed; the
    service receipt shows it."""

    report = models.OneToOneField(
        RepairReport, verbose_name=_("repair report"), on_delete=models.CASCADE, related_name="signature"
    )
    image = models.FileField(_("signature"), upload_to=signature_path)
    token = models.CharField(max_length=32, editable=False)
    signed_by = models.CharField(_("signed by"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"))

    scope = ScopePaths(merchant="report__ticket__merchant", assignments="report__ticket__assignments")

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")

    def __str__(self):
        return f"{self.report} · {self.signed_by}"
