"""SLA deadlines: which policy applies, when each milestone is due, and how a pause moves them."""

import datetime
from dataclasses import dataclass

from django.db.models import Q

from sla.calendar import WallClock, WorkingCalendar, WorkingClock, business_hours
from sla.models import SLAPolicy

HOUR = datetime.timedelta(hours=1)

# Milestones and the ticket fields that hold their deadline and the time they were met.
MILESTONES = {
    "respond": ("respond_by", "responded_at"),
    "onsite": ("onsite_by", "onsite_at"),
    "resolve": ("resolve_by", "resolved_at"),
}


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime.datetime | None
    onsite_by: datetime.datetime | None
    resolve_by: datetime.datetime | None

    def as_fields(self) -> dict:
        return {"respond_by": self.respond_by, "onsite_by": self.onsite_by, "resolve_by": self.resolve_by}


def sla_policy_for(*, priority: str, merchant_tier: str) -> SLAPolicy | None:
    """The most specific active policy for a priority and tier (blank fields match anything)."""
    candidates = SLAPolicy.objects.filter(
        Q(priority=priority) | Q(priority=""), Q(merchant_tier=merchant_tier) | Q(merchant_tier=""), active=True
    )
    return min(candidates, key=lambda p: (p.priority == "", p.merchant_tier == ""), default=None)


class Clocks:
    """The clock each milestone runs on under a policy."""

    def __init__(self, policy: SLAPolicy, calendar: WorkingCalendar | None = None):
        self.policy = policy
        calendar = calendar or WorkingCalendar.load()
        opens, closes = business_hours()
        business = WorkingClock(calendar, opens, closes)
        self.hours = business if policy.business_hours_only else WallClock()
        self.working_days = business if policy.business_hours_only else WorkingClock(calendar)

    def for_milestone(self, milestone: str):
        return self.working_days if milestone == "resolve" else self.hours

    def working_day_length(self) -> datetime.timedelta:
        return self.working_days.day_length


def deadlines_compute(
    *,
    policy: SLAPolicy,
    start: datetime.datetime,
    kind: str,
    fault_category: str,
    calendar: WorkingCalendar | None = None,
) -> Deadlines:
    """Deadlines for a ticket filed at `start`.

    Consultations are handled remotely and have no on-site deadline.
    """
    clocks = Clocks(policy, calendar)
    respond_by = clocks.hours.add(start, policy.response_hours * HOUR)
    onsite_by = None if kind == "consultation" else clocks.hours.add(start, policy.onsite_hours * HOUR)
    days = policy.resolution_days_for(fault_category)
    resolve_by = clocks.working_days.add(start, days * clocks.working_day_length())
    return Deadlines(respond_by=respond_by, onsite_by=onsite_by, resolve_by=resolve_by)


def deadlines_after_pause(
    *, ticket, paused_at: datetime.datetime, resumed_at: datetime.datetime, calendar: WorkingCalendar | None = None
) -> Deadlines:
    """The ticket's deadlines moved by the time its clock stood still.

    Each unmet deadline keeps the clock time it had left when the pause began, counted on its own
    clock (a pause over a weekend does not move a working-day deadline). A deadline already missed
    when the pause began stays where it was: a breach is not undone by waiting.
    """
    current = {name: getattr(ticket, name) for name in ("respond_by", "onsite_by", "resolve_by")}
    if ticket.sla_policy is None:
        return Deadlines(**current)
    clocks = Clocks(ticket.sla_policy, calendar)
    moved = {}
    for milestone, (deadline_field, met_field) in MILESTONES.items():
        deadline = current[deadline_field]
        if deadline is None or getattr(ticket, met_field) is not None or deadline <= paused_at:
            moved[deadline_field] = deadline
            continue
        clock = clocks.for_milestone(milestone)
        moved[deadline_field] = clock.add(resumed_at, clock.between(paused_at, deadline))
    return Deadlines(**moved)


def ticket_sla_changed(*, ticket, now: datetime.datetime) -> None:
    """Called inside the transaction of every change to a ticket's status, deadlines or milestones.

    The SLA scanner's index of due checks is kept in step here.
    """
