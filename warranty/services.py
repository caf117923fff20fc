"""Warranty: granting coverage and deciding whether a fault on a given day is covered."""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from devices.models import Device, FaultCategory
from warranty.models import Warranty, WarrantyPolicy


class Reason:
    """Why a decision came out the way it did; stored on tickets, rendered in the reader's language."""

    IN_WARRANTY = "in_warranty"
    EXPIRED = "expired"
    EXCLUDED = "excluded"
    NO_WARRANTY = "no_warranty"
    NOT_STARTED = "not_started"
    CONSULTATION = "consultation"

    CHOICES = [IN_WARRANTY, EXPIRED, EXCLUDED, NO_WARRANTY, NOT_STARTED, CONSULTATION]


def reason_text(
    code: str, *, date: datetime.date | None = None, fault_category: str = "", policy_name: str = ""
) -> str:
    """The reason in words, in the active language."""
    day = date.isoformat() if date else ""
    if code == Reason.IN_WARRANTY:
        return _("In warranty until %(date)s; the repair is free.") % {"date": day}
    if code == Reason.EXPIRED:
        return _("Out of warranty since %(date)s; parts and labour will be quoted.") % {"date": day}
    if code == Reason.EXCLUDED:
        label = FaultCategory(fault_category).label if fault_category in FaultCategory.values else fault_category
        return _("%(fault)s is not covered by %(policy)s; parts and labour will be quoted.") % {
            "fault": label,
            "policy": policy_name,
        }
    if code == Reason.NOT_STARTED:
        return _("The warranty starts on %(date)s; parts and labour will be quoted.") % {"date": day}
    if code == Reason.CONSULTATION:
        return _("Consultation is free of charge.")
    return _("No warranty on record; parts and labour will be quoted.")


@dataclass(frozen=True)
class WarrantyDecision:
    covered: bool
    reason_code: str
    warranty: Warranty | None = None
    fault_category: str = ""
    # The day the reason refers to: the last covered day, the day coverage ended, or when it starts.
    date: datetime.date | None = None

    @property
    def policy(self) -> WarrantyPolicy | None:
        return self.warranty.policy if self.warranty else None

    @property
    def starts_on(self) -> datetime.date | None:
        return self.warranty.starts_on if self.warranty else None

    @property
    def ends_on(self) -> datetime.date | None:
        return self.warranty.ends_on if self.warranty else None

    @property
    def reason(self) -> str:
        return reason_text(
            self.reason_code,
            date=self.date,
            fault_category=self.fault_category,
            policy_name=self.policy.name if self.policy else "",
        )


def warranty_end(*, starts_on: datetime.date, months: int) -> datetime.date:
    """The last covered day: 12 months from 2026-01-15 covers up to and including 2027-01-14."""
    return starts_on + relativedelta(months=months) - datetime.timedelta(days=1)


def decide(
    warranties: list[Warranty], *, on: datetime.date, fault_category: str | None = None, consultation: bool = False
) -> WarrantyDecision:
    """Pure decision over a device's warranties (with their policies loaded)."""
    if consultation:
        return WarrantyDecision(covered=True, reason_code=Reason.CONSULTATION, fault_category=fault_category or "")
    fault = fault_category or ""
    active = [w for w in warranties if w.starts_on <= on <= w.ends_on]
    if active:
        covering = [w for w in active if not w.policy.excludes(fault)]
        if covering:
            best = max(covering, key=lambda w: (w.ends_on, w.pk or 0))
            return WarrantyDecision(
                covered=True, reason_code=Reason.IN_WARRANTY, warranty=best, fault_category=fault, date=best.ends_on
            )
        excluding = max(active, key=lambda w: (w.ends_on, w.pk or 0))
        return WarrantyDecision(covered=False, reason_code=Reason.EXCLUDED, warranty=excluding, fault_category=fault)
    ended = [w for w in warranties if w.ends_on < on]
    if ended:
        last = max(ended, key=lambda w: (w.ends_on, w.pk or 0))
        return WarrantyDecision(
            covered=False,
            reason_code=Reason.EXPIRED,
            warranty=last,
            fault_category=fault,
            date=last.ends_on + datetime.timedelta(days=1),
        )
    upcoming = [w for w in warranties if w.starts_on > on]
    if upcoming:
        first = min(upcoming, key=lambda w: (w.starts_on, w.pk or 0))
        return WarrantyDecision(
            covered=False, reason_code=Reason.NOT_STARTED, warranty=first, fault_category=fault, date=first.starts_on
        )
    return WarrantyDecision(covered=False, reason_code=Reason.NO_WARRANTY, fault_category=fault)


def warranty_decide(
    *, device: Device, on: datetime.date | None = None, fault_category: str | None = None, consultation: bool = False
) -> WarrantyDecision:
    """Decide coverage of `device` for a fault on day `on` (a date in Asia/Shanghai, today by default).

    Uses `device.warranties` as prefetched (with `policy`) when the caller prefetched them.
    """
    if on is None:
        on = timezone.localdate()
    # Unordered: `decide` breaks ties itself, and the model's ordering (by device) costs a join.
    warranties = (
        list(device.warranties.all())
        if _prefetched(device)
        else list(Warranty.objects.filter(device_id=device.pk).select_related("policy").order_by())
    )
    return decide(warranties, on=on, fault_category=fault_category, consultation=consultation)


def _prefetched(device: Device) -> bool:
    return "warranties" in getattr(device, "_prefetched_objects_cache", {})


@dataclass(frozen=True)
class WarrantyStatus:
    """What a merchant's device list shows: the state of coverage today and the days left."""

    state: str  # "covered", "expiring" (30 days or fewer left), "expired", "none"
    ends_on: datetime.date | None  # the last covered day
    days_left: int | None

    EXPIRING_WITHIN_DAYS = 30

    @property
    def expired_since(self) -> datetime.date | None:
        """The first day not covered: what a ticket filed after it says ("out of warranty since")."""
        return self.ends_on + datetime.timedelta(days=1) if self.state == "expired" and self.ends_on else None

    @property
    def label(self) -> str:
        return {
            "covered": _("In warranty"),
            "expiring": _("Warranty ending soon"),
            "expired": _("Out of warranty"),
            "none": _("No warranty on record"),
        }[self.state]


def warranty_status(*, device: Device, on: datetime.date | None = None) -> WarrantyStatus:
    decision = warranty_decide(device=device, on=on)
    on = on or timezone.localdate()
    if decision.reason_code == Reason.IN_WARRANTY:
        days_left = (decision.ends_on - on).days + 1  # the last day counts as a covered day
        state = "expiring" if days_left <= WarrantyStatus.EXPIRING_WITHIN_DAYS else "covered"
        return WarrantyStatus(state=state, ends_on=decision.ends_on, days_left=days_left)
    if decision.reason_code == Reason.EXPIRED:
        return WarrantyStatus(state="expired", ends_on=decision.ends_on, days_left=0)
    return WarrantyStatus(state="none", ends_on=None, days_left=None)


@transaction.atomic
def warranty_grant(
    *, device: Device, policy: WarrantyPolicy, starts_on: datetime.date, ends_on: datetime.date | None = None
) -> Warranty:
    """Record a warranty for a device; the end follows from the policy's months unless given."""
    warranty, _created = Warranty.objects.get_or_create(
        device=device,
        policy=policy,
        starts_on=starts_on,
        defaults={"ends_on": ends_on or warranty_end(starts_on=starts_on, months=policy.months)},
    )
    return warranty
