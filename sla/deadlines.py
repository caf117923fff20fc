"""The SLA's arithmetic, with no database writes: when each milestone of a ticket is due, how a
pause moves the deadlines, and when each escalation level is reached.

Filing (`tickets.services`), the index of due checks and the scanner (`sla.services`) and the
pages that show a ticket's SLA state (`sla.selectors`) all compute from here, so they agree.
"""

import datetime
from dataclasses import dataclass

from sla.calendar import WallClock, WorkingCalendar, WorkingClock, business_hours
from sla.models import Level, Milestone, SLAPolicy
from sla.policies import sla_policies
from tickets.models import RUNNING_STATUSES, Kind

HOUR = datetime.timedelta(hours=1)

# Milestones and the ticket fields that hold their deadline and the time they were met.
MILESTONES = {
    "respond": ("respond_by", "responded_at"),
    "onsite": ("onsite_by", "onsite_at"),
    "resolve": ("resolve_by", "resolved_at"),
}
# The ticket fields that keep, once a milestone is met, the time it took from filing in whole minutes
# on that milestone's clock: working time where the policy counts working time (the dashboard's
# mean and 90th percentile read them; `working_minutes_changes` writes them).
MINUTES_FIELDS = {"respond": "respond_minutes", "onsite": "onsite_minutes", "resolve": "resolve_minutes"}


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime.datetime | None
    onsite_by: datetime.datetime | None
    resolve_by: datetime.datetime | None

    def as_fields(self) -> dict:
        return {"respond_by": self.respond_by, "onsite_by": self.onsite_by, "resolve_by": self.resolve_by}


class Clocks:
    """The clock each milestone runs on under a policy."""

    def __init__(self, policy: SLAPolicy, calendar: WorkingCalendar | None = None):
        self.policy = policy
        calendar = calendar or WorkingCalendar.current()
        opens, closes = business_hours()
        business = WorkingClock(calendar, opens, closes)
        self.hours = business if policy.business_hours_only else WallClock()
        self.working_days = business if policy.business_hours_only else WorkingClock(calendar)

    def for_milestone(self, milestone: str):
        return self.working_days if milestone == "resolve" else self.hours

    def working_day_length(self) -> datetime.timedelta:
        return self.working_days.day_length

    def allowance(self, milestone: str, fault_category: str) -> datetime.timedelta:
        """The time the policy gives a milestone, on that milestone's clock."""
        if milestone == Milestone.RESPOND:
            return self.policy.response_hours * HOUR
        if milestone == Milestone.ONSITE:
            return self.policy.onsite_hours * HOUR
        return self.policy.resolution_days_for(fault_category) * self.working_day_length()


class ClockBook:
    """Clocks per policy over one calendar, loaded on first use: a list of tickets or a scanner pass
    reads the calendar once, and an idle pass not at all."""

    def __init__(self, calendar: WorkingCalendar | None = None):
        self._calendar = calendar
        self._clocks: dict[int, Clocks] = {}
        self._policies: dict[int, SLAPolicy] | None = None

    def for_policy_id(self, policy_id: int) -> Clocks:
        """`for_policy` of a ticket's `sla_policy_id`, the policy from this process's copy of them
        (sla.policies): a list of tickets need not join the policies to draw their states."""
        if policy_id not in self._clocks:
            if self._policies is None:
                self._policies = sla_policies()
            policy = self._policies.get(policy_id)
            if policy is None:  # written since this process's copy was read, in this transaction
                policy = SLAPolicy.objects.get(pk=policy_id)
            return self.for_policy(policy)
        return self._clocks[policy_id]

    def for_policy(self, policy: SLAPolicy) -> Clocks:
        if policy.pk not in self._clocks:
            if self._calendar is None:
                self._calendar = WorkingCalendar.current()
            self._clocks[policy.pk] = Clocks(policy, self._calendar)
        return self._clocks[policy.pk]


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
    onsite_by = None if kind == Kind.CONSULTATION else clocks.hours.add(start, policy.onsite_hours * HOUR)
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


def milestone_running(ticket, milestone: str) -> bool:
    """True while the milestone can still slip: it has a deadline, is unmet and its clock runs.

    Resolved, closed and cancelled tickets have no running milestone, so a remote fix (acknowledged
    → resolved) ends the on-site clock; consultations never had an on-site deadline.
    """
    deadline_field, met_field = MILESTONES[milestone]
    return (
        ticket.sla_policy_id is not None
        and ticket.status in RUNNING_STATUSES
        and getattr(ticket, deadline_field) is not None
        and getattr(ticket, met_field) is None
    )


def next_due_of(ticket, **changes) -> datetime.datetime | None:
    """The next deadline the ticket still has to meet while its clocks run: the response, then the
    visit, then the repair; None when no clock runs (paused, met, resolved, closed, cancelled, no
    policy). `changes` are field values about to be written (a transition's UPDATE), read in place
    of the ticket's own. The console orders open tickets by it (`Ticket.next_due`).
    """

    def value(name):
        return changes[name] if name in changes else getattr(ticket, name)

    if value("status") not in RUNNING_STATUSES or value("sla_policy_id") is None:
        return None
    if value("responded_at") is None:
        return value("respond_by")
    if value("onsite_at") is None and value("onsite_by") is not None:
        return value("onsite_by")
    if value("resolved_at") is None:
        return value("resolve_by")
    return None


def level_times(*, ticket, milestone: str, clocks: Clocks) -> dict[str, datetime.datetime]:
    """When each level of a milestone is reached, from its current deadline.

    At risk: when what is left is (1 − at_risk_share) of the time the policy gives, counted on the
    milestone's clock (so a pause, which moves the deadline, moves the warning too). Managers: when
    it is still unmet manager_escalation_hours after the deadline, on the policy's hour clock.
    """
    deadline = getattr(ticket, MILESTONES[milestone][0])
    return {
        Level.AT_RISK: at_risk_time(ticket=ticket, milestone=milestone, clocks=clocks),
        Level.BREACHED: deadline,
        Level.MANAGER: clocks.hours.add(deadline, clocks.policy.manager_escalation_hours * HOUR),
    }


def at_risk_time(*, ticket, milestone: str, clocks: Clocks) -> datetime.datetime:
    """`level_times`' at-risk moment alone: what a list row needs to tell "at risk" from "on track"."""
    deadline = getattr(ticket, MILESTONES[milestone][0])
    warning = clocks.allowance(milestone, ticket.fault_category) * float(1 - clocks.policy.at_risk_share)
    return clocks.for_milestone(milestone).subtract(deadline, warning)


def working_minutes(ticket, milestone: str, clocks: Clocks | None) -> int | None:
    """Minutes from filing to the milestone met, on the milestone's clock (every minute without a
    policy); None while unmet. A pause's wait counts like any other time on that clock."""
    met = getattr(ticket, MILESTONES[milestone][1])
    if met is None:
        return None
    clock = clocks.for_milestone(milestone) if clocks is not None else WallClock()
    return max(0, round(clock.between(ticket.created_at, met).total_seconds() / 60))


def working_minutes_changes(ticket, clocks: Clocks | None = None) -> dict[str, int | None]:
    """The minutes fields to write: each milestone met without its minutes, each unmet one that still
    has some (a reopened repair). Builds the policy's clocks only when a milestone needs them."""
    changes = {}
    for milestone, name in MINUTES_FIELDS.items():
        met = getattr(ticket, MILESTONES[milestone][1])
        stored = getattr(ticket, name)
        if met is None and stored is not None:
            changes[name] = None
        elif met is not None and stored is None:
            if clocks is None and ticket.sla_policy_id is not None:
                clocks = Clocks(ticket.sla_policy)
            changes[name] = working_minutes(ticket, milestone, clocks)
    return changes
