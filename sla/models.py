from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Merchant
from accounts.scoping import ScopePaths
from devices.models import FaultCategory
from tickets.models import Priority


class SLAPolicy(models.Model):
    """The service promise for tickets of a priority and merchant tier (blank matches any).

    The most specific active policy wins: priority and tier, then priority, then tier, then the
    default (both blank).
    """

    name = models.CharField(_("name"), max_length=128, unique=True)
    priority = models.CharField(
        _("priority"), max_length=8, blank=True, choices=[("", _("Any")), *list(Priority.choices)]
    )
    merchant_tier = models.CharField(
        _("merchant tier"), max_length=16, blank=True, choices=[("", _("Any")), *list(Merchant.Tier.choices)]
    )
    response_hours = models.PositiveSmallIntegerField(_("respond within (hours)"), default=24)
    onsite_hours = models.PositiveSmallIntegerField(_("on site within (hours)"), default=48)
    resolution_working_days = models.PositiveSmallIntegerField(
        _("repair within (working days)"), default=3, validators=[MinValueValidator(1)]
    )
    # Fault categories repaired faster than the default, e.g. {"software": 1, "printer": 2}.
    resolution_days_by_fault = models.JSONField(_("working days by fault category"), default=dict, blank=True)
    business_hours_only = models.BooleanField(
        _("hours count in business hours only"),
        default=False,
        help_text=_("When off, the response and on-site hours run on the clock."),
    )
    at_risk_share = models.DecimalField(
        _("at risk after this share of the time"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.05")), MaxValueValidator(Decimal("0.99"))],
    )
    manager_escalation_hours = models.PositiveSmallIntegerField(
        _("tell managers when still breached after (hours)"), default=4
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["priority", "merchant_tier"], condition=Q(active=True), name="sla_policy_one_active_per_match"
            ),
            models.CheckConstraint(
                name="sla_policy_at_risk_share_range", condition=Q(at_risk_share__gt=0, at_risk_share__lt=1)
            ),
        ]

    def __str__(self):
        return self.name

    def resolution_days_for(self, fault_category: str) -> int:
        days = (self.resolution_days_by_fault or {}).get(fault_category)
        return int(days) if days else self.resolution_working_days

    def clean(self):
        bad = {
            key: value
            for key, value in (self.resolution_days_by_fault or {}).items()
            if key not in FaultCategory.values or not isinstance(value, int) or value < 1
        }
        if bad:
            raise ValidationError(
                {"resolution_days_by_fault": _("Use fault categories as keys and whole days (1 or more) as values.")}
            )


class CalendarDay(models.Model):
    """An admin's correction to the statutory calendar (a day the library does not know yet, or a
    local holiday). It wins over the library."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=128, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")

    def __str__(self):
        return f"{self.date} {'working' if self.is_working_day else 'day off'}"


class Milestone(models.TextChoices):
    RESPOND = "respond", _("Response")
    ONSITE = "onsite", _("On-site visit")
    RESOLVE = "resolve", _("Repair")


class Level(models.TextChoices):
    """How far a milestone has slipped; each level tells more senior people."""

    AT_RISK = "at_risk", _("At risk")
    BREACHED = "breached", _("Breached")
    MANAGER = "manager", _("Still breached (managers told)")


# The order levels fire in; a ticket never goes back down.
LEVEL_ORDER = (Level.AT_RISK, Level.BREACHED, Level.MANAGER)


class SLACheck(models.Model):
    """The next escalation a running milestone is waiting for: the scanner's index of due work.

    At most one row per ticket and milestone. `sla.services.ticket_sla_changed` rewrites a ticket's
    rows inside every transition's transaction, so a paused, met, closed or cancelled milestone has
    no row; the scanner claims rows whose `due_at` has passed, writes the escalation and moves the
    row on to the next level (or deletes it) in the same transaction.
    """

    # No index of its own: the unique (ticket, milestone) leads with the ticket.
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="sla_checks", db_index=False
    )
    milestone = models.CharField(_("milestone"), max_length=8, choices=Milestone.choices)
    level = models.CharField(_("next level"), max_length=8, choices=Level.choices)
    due_at = models.DateTimeField(_("due at"))

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("pending SLA check")
        verbose_name_plural = _("pending SLA checks")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "milestone"], name="sla_check_one_per_milestone"),
        ]
        indexes = [
            # The scanner's claim (sla.services._claim_due): due_at <= now ORDER BY due_at LIMIT n
            # FOR UPDATE SKIP LOCKED walks this index, so a pass costs what is due, not what is open.
            models.Index(fields=["due_at"], name="sla_check_due"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.milestone} {self.level} @ {self.due_at:%Y-%m-%d %H:%M}"


class ScannerHeartbeat(models.Model):
    """When the scanner last finished a pass that beat asked for: one row, rewritten by every
    `sla.scan` task. Its age proves beat, broker and a worker all turn (`/readyz`, the metrics)."""

    at = models.DateTimeField(_("last pass at"))

    class Meta:
        verbose_name = _("scanner heartbeat")
        verbose_name_plural = _("scanner heartbeats")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S}"


class Escalation(models.Model):
    """A milestone reached a level and people were told. At most one per ticket, milestone and
    level, ever; the unique constraint is the backstop behind the scanner's claim."""

    # No index of its own: the unique (ticket, milestone, level) leads with the ticket.
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="escalations", db_index=False
    )
    milestone = models.CharField(_("milestone"), max_length=8, choices=Milestone.choices)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    deadline = models.DateTimeField(_("deadline"))
    due_at = models.DateTimeField(_("due at"), help_text=_("When this level was reached."))
    fired_at = models.DateTimeField(_("fired at"))
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("told"), related_name="sla_escalations", blank=True
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    # Staff only: merchants, partners and technicians see none (partners hear of them by webhook).
    scope = ScopePaths()

    class Meta:
        ordering = ["-fired_at", "-pk"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "milestone", "level"], name="escalation_once_per_level"),
            models.CheckConstraint(
                name="escalation_acknowledged_together",
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False),
            ),
        ]
        indexes = [
            # The escalations inbox, open tab (sla.selectors.escalation_list): newest first.
            models.Index(fields=["-fired_at"], condition=Q(acknowledged_at__isnull=True), name="escalation_open"),
            # The acknowledged tab and the dashboard's breaches in a period.
            models.Index(fields=["-fired_at"], name="escalation_fired"),
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.milestone} {self.level}"

    @property
    def lateness(self):
        """How long after the deadline it fired (negative: time that was left, for at risk)."""
        return self.fired_at - self.deadline
