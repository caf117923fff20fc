"""Reads for SLA pages and the API: a ticket's SLA state, the escalations inbox, the dashboard.

Escalations and the dashboard are for staff (dispatchers, managers, admins); the views check it
with `accounts.scoping.is_staff_actor` and the inbox goes through `visible_to` as well. A ticket's
SLA state is shown to whoever may see the ticket.
"""

import datetime
import functools
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from accounts.scoping import visible_to
from possystem.formats import local_minute
from sla.calendar import WallClock
from sla.deadlines import MILESTONES, ClockBook, at_risk_time
from sla.models import Escalation, Level, Milestone, SLACheck
from sla.text import duration_text
from tickets.models import OPEN_STATUSES, RUNNING_STATUSES, Status, Ticket

# --- one ticket's SLA state -------------------------------------------------------------------------


class State:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    MET = "met"
    PAUSED = "paused"
    UNVERIFIED = "unverified"  # on site by a visit only staff recorded, not yet approved
    NONE = "none"


STATE_LABELS = {
    State.ON_TRACK: gettext_lazy("On track"),
    State.AT_RISK: gettext_lazy("At risk"),
    State.BREACHED: gettext_lazy("Breached"),
    State.MET: gettext_lazy("Met"),
    State.PAUSED: gettext_lazy("Paused"),
    State.UNVERIFIED: gettext_lazy("Visit not verified"),
    State.NONE: gettext_lazy("No deadline"),
}
# The ticket's overall state is its worst milestone's.
_SEVERITY = [State.BREACHED, State.AT_RISK, State.UNVERIFIED, State.PAUSED, State.ON_TRACK, State.MET, State.NONE]


@functools.cache
def milestone_label(milestone: str, language: str | None) -> str:
    """A milestone's name in `language` (the active one), translated once per process."""
    return str(Milestone(milestone).label)


@functools.cache
def state_label(state: str, language: str | None) -> str:
    """A state's name in `language` (the active one), translated once per process: list pages show
    one for each deadline of every row."""
    return str(STATE_LABELS[state])


@dataclass(frozen=True)
class MilestoneStatus:
    milestone: str
    label: str
    deadline: datetime.datetime
    met_at: datetime.datetime | None
    state: str
    detail: str
    state_label: str


@dataclass(frozen=True)
class TicketSLA:
    state: str
    milestones: list[MilestoneStatus]

    @property
    def state_label(self) -> str:
        return state_label(self.state, get_language())


def ticket_sla_status(
    *, ticket: Ticket, now: datetime.datetime | None = None, clocks: ClockBook | None = None
) -> TicketSLA:
    """Each milestone's state (on track, at risk, breached, met, paused) with the time left or
    overdue, and the ticket's overall state. The ticket's policy comes from `clocks` (sla.policies),
    not from the ticket: lists need not load it with each ticket."""
    now = now or timezone.now()
    clocks = clocks or ClockBook()
    language = get_language()
    milestones = [
        status
        for milestone in Milestone
        if (status := _milestone_status(ticket, milestone, now=now, clocks=clocks, language=language)) is not None
    ]
    states = {m.state for m in milestones}
    overall = next((state for state in _SEVERITY if state in states), State.NONE)
    return TicketSLA(state=overall, milestones=milestones)


def _milestone_status(
    ticket: Ticket, milestone: str, *, now, clocks: ClockBook, language: str | None
) -> MilestoneStatus | None:
    deadline_field, met_field = MILESTONES[milestone]
    deadline, met_at = getattr(ticket, deadline_field), getattr(ticket, met_field)
    if deadline is None:
        return None  # consultations have no on-site deadline; tickets without a policy none at all

    def status(state, detail):
        label = milestone_label(milestone, language)
        return MilestoneStatus(milestone, label, deadline, met_at, state, detail, state_label(state, language))

    if met_at is not None:
        if met_at <= deadline:
            return status(State.MET, _("Met %(when)s") % {"when": local_minute(met_at)})
        return status(State.BREACHED, _("Met %(late)s late") % {"late": duration_text(met_at - deadline)})
    if milestone == Milestone.ONSITE and ticket.resolved_at is not None:
        # The resolution ends the on-site clock. Without any visit it was a remote fix; with a visit
        # only staff recorded, the milestone waits for a manager to approve that visit.
        late = ticket.resolved_at > deadline
        if ticket.visited_at is not None:
            if late:
                return status(State.BREACHED, _("No verified visit before the deadline"))
            return status(State.UNVERIFIED, _("Visit recorded by staff, waiting for a manager's approval"))
        if not late:
            return status(State.MET, _("Not needed: fixed remotely"))
        return status(
            State.BREACHED,
            _("Fixed remotely %(late)s after the deadline") % {"late": duration_text(ticket.resolved_at - deadline)},
        )
    if ticket.status == Status.CANCELLED:
        if ticket.cancelled_at and ticket.cancelled_at > deadline:
            return status(State.BREACHED, _("Missed before the ticket was cancelled"))
        return status(State.NONE, _("Cancelled"))
    if ticket.status == Status.RETURNED_UNREPAIRED:
        # The quote was declined: the clocks stopped (deadlines were moved by the pause first).
        if ticket.returned_at and ticket.returned_at > deadline:
            return status(State.BREACHED, _("Missed before the quote was declined"))
        return status(State.NONE, _("Stopped: quote declined"))
    if ticket.status == Status.WAITING_MERCHANT and ticket.paused_at is not None:
        if deadline <= ticket.paused_at:
            return status(State.BREACHED, _("Missed before the pause"))
        clock = WallClock()
        if ticket.sla_policy_id is not None:
            clock = clocks.for_policy_id(ticket.sla_policy_id).for_milestone(milestone)
        left = clock.between(ticket.paused_at, deadline)
        return status(State.PAUSED, _("Clock paused with %(left)s left") % {"left": duration_text(left)})
    unverified = milestone == Milestone.ONSITE and ticket.visited_at is not None
    if now > deadline:
        overdue = _("Overdue by %(late)s") % {"late": duration_text(now - deadline)}
        if unverified:
            overdue = _("%(overdue)s; the visit staff recorded waits for approval") % {"overdue": overdue}
        return status(State.BREACHED, overdue)
    left = _("%(left)s left") % {"left": duration_text(deadline - now)}
    if unverified:
        # On site on staff's word only: the clock runs until a manager approves the visit.
        left = _("%(left)s; the visit staff recorded waits for approval") % {"left": left}
    if ticket.sla_policy_id is not None:
        policy_clocks = clocks.for_policy_id(ticket.sla_policy_id)
        if now >= at_risk_time(ticket=ticket, milestone=milestone, clocks=policy_clocks):
            return status(State.AT_RISK, left)
    return status(State.ON_TRACK, left)


# "Breached" for filters and list rows, from the ticket's own columns (no clocks needed). It agrees
# with the BREACHED state of `ticket_sla_status`: met late; missed while running; missed before a
# pause or a cancellation; a remote fix after the on-site deadline. Paused clocks are not breached.


def breached_q(now: datetime.datetime, *, open_only: bool = False) -> Q:
    """Tickets with at least one breached milestone at `now`. With `open_only`, for open tickets
    alone: the cancelled and declined tickets' conditions are left out (fewer tests per row)."""
    condition = Q(onsite_at__isnull=True, resolved_at__gt=F("onsite_by"))
    for deadline, met in MILESTONES.values():
        unmet = {f"{met}__isnull": True}
        condition |= Q(**{f"{met}__gt": F(deadline)})
        condition |= Q(**unmet, **{f"{deadline}__lt": now}, status__in=RUNNING_STATUSES)
        condition |= Q(**unmet, **{f"{deadline}__lte": F("paused_at")}, status=Status.WAITING_MERCHANT)
        if not open_only:
            condition |= Q(**unmet, **{f"{deadline}__lt": F("cancelled_at")}, status=Status.CANCELLED)
            condition |= Q(**unmet, **{f"{deadline}__lt": F("returned_at")}, status=Status.RETURNED_UNREPAIRED)
    return condition


def ticket_is_breached(ticket: Ticket, now: datetime.datetime) -> bool:
    """`breached_q` for one loaded ticket."""
    if ticket.onsite_at is None and ticket.resolved_at and ticket.onsite_by and ticket.resolved_at > ticket.onsite_by:
        return True
    for deadline_field, met_field in MILESTONES.values():
        deadline, met = getattr(ticket, deadline_field), getattr(ticket, met_field)
        if deadline is None:
            continue
        if met is not None:
            if met > deadline:
                return True
        elif (
            (ticket.status in RUNNING_STATUSES and deadline < now)
            or (ticket.status == Status.WAITING_MERCHANT and ticket.paused_at and deadline <= ticket.paused_at)
            or (ticket.status == Status.CANCELLED and ticket.cancelled_at and deadline < ticket.cancelled_at)
            or (ticket.status == Status.RETURNED_UNREPAIRED and ticket.returned_at and deadline < ticket.returned_at)
        ):
            return True
    return False


# --- the escalations inbox ------------------------------------------------------------------------


def escalation_list(*, actor, acknowledged: bool = False, level: str = "", milestone: str = ""):
    """Open (or acknowledged) escalations, newest first, with what a row shows already loaded."""
    escalations = visible_to(Escalation.objects.all(), actor).filter(acknowledged_at__isnull=not acknowledged)
    if level in Level.values:
        escalations = escalations.filter(level=level)
    if milestone in Milestone.values:
        escalations = escalations.filter(milestone=milestone)
    return (
        escalations.select_related("ticket__merchant", "acknowledged_by")
        .prefetch_related("recipients")
        .order_by("-fired_at", "-pk")
    )


def escalation_get(*, actor, pk: int) -> Escalation:
    return visible_to(Escalation.objects.all(), actor).select_related("ticket").get(pk=pk)


def open_escalation_counts() -> dict[str, int]:
    rows = Escalation.objects.filter(acknowledged_at__isnull=True).values("level").annotate(n=Count("pk"))
    counts = {level: 0 for level in Level.values}
    counts.update({row["level"]: row["n"] for row in rows})
    return counts


# --- the manager dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    milestone: str
    label: str
    on_time: int
    late: int
    missed: int
    pending: int

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """Share of decided milestones met on time; None while nothing is decided."""
        return self.on_time / self.decided if self.decided else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f} %"


def milestone_outcome_q(milestone: str, now: datetime.datetime) -> dict[str, Q]:
    """How a milestone of a ticket turned out, as filters on Ticket (the same rules as
    `_milestone_status`): met on time, met late (or missed and then ended), missed and still
    unmet, or pending (not due yet, or its clock paused before the deadline)."""
    deadline, met = MILESTONES[milestone]
    d = F(deadline)
    has = Q(**{f"{deadline}__isnull": False})
    unmet = Q(**{f"{met}__isnull": True})
    on_time = has & Q(**{f"{met}__lte": d})
    late = has & Q(**{f"{met}__gt": d})
    if milestone == Milestone.ONSITE:
        # The resolution ends the on-site clock: in time, a remote fix counts as on time, but a visit
        # only staff recorded stays pending until a manager approves it (which sets `onsite_at`).
        ended = unmet & Q(resolved_at__isnull=False)
        on_time |= has & ended & Q(resolved_at__lte=d, visited_at__isnull=True)
        late |= has & ended & Q(resolved_at__gt=d)
        waiting_approval = has & ended & Q(resolved_at__lte=d, visited_at__isnull=False)
        unmet &= Q(resolved_at__isnull=True)
    else:
        waiting_approval = Q(pk__in=[])
    # A clock paused before the deadline stands still; a pause after the deadline undoes nothing.
    paused_in_time = Q(status=Status.WAITING_MERCHANT, paused_at__lt=d)
    # Ended unresolved before the deadline (cancelled, or the quote declined): not missed, not pending.
    cancelled_in_time = Q(status=Status.CANCELLED, cancelled_at__lte=d) | Q(
        status=Status.RETURNED_UNREPAIRED, returned_at__lte=d
    )
    ended = Q(status__in=(Status.CANCELLED, Status.RETURNED_UNREPAIRED))
    missed = has & unmet & Q(**{f"{deadline}__lt": now}) & ~cancelled_in_time & ~paused_in_time
    pending = has & unmet & ~ended & (Q(**{f"{deadline}__gte": now}) | paused_in_time)
    pending |= waiting_approval
    return {"on_time": on_time, "late": late, "missed": missed, "pending": pending}


def _unmet(prefix: str = "") -> Q:
    return (
        Q(milestone=Milestone.RESPOND, **{f"{prefix}responded_at__isnull": True})
        | Q(milestone=Milestone.ONSITE, **{f"{prefix}onsite_at__isnull": True, f"{prefix}resolved_at__isnull": True})
        | Q(milestone=Milestone.RESOLVE, **{f"{prefix}resolved_at__isnull": True})
    )


def breached_open(*, limit: int | None = 20):
    """Breaches still unmet on open tickets, most overdue first (from the escalations, not by
    reading open tickets)."""
    rows = (
        Escalation.objects.filter(level=Level.BREACHED, ticket__status__in=OPEN_STATUSES)
        .filter(_unmet("ticket__"))
        .select_related("ticket__merchant")
        .order_by("deadline", "pk")
    )
    return rows[:limit] if limit else rows


def at_risk_open(*, now=None, limit: int | None = 20):
    """Milestones warned about and not yet due: the next check is the breach and it lies ahead.
    Paused tickets have no checks, so they are not listed."""
    now = now or timezone.now()
    rows = (
        SLACheck.objects.filter(level=Level.BREACHED, due_at__gt=now)
        .select_related("ticket__merchant")
        .order_by("due_at", "pk")
    )
    return rows[:limit] if limit else rows
