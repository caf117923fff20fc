from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Merchant
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
        from django.core.exceptions import ValidationError

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
