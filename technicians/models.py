from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Region
from accounts.scoping import ScopePaths
from devices.models import DeviceModel, SparePart


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
    on_shift = models.BooleanField(_("on shift"), default=True)

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
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
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
        SWAPPED = "swapped", _("Device swapped")
        REMOTE = "remote", _("Fixed remotely")
        ADVICE = "advice", _("Advice given")

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="report"
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
