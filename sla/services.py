"""The SLA engine's writes: the index of due checks, the scanner, escalations.

- Deadlines: which policy applies (`sla_policy_for`); the arithmetic of when each milestone is due
  and how a pause moves it lives in `sla.deadlines`.
- The index of due checks (`SLACheck`): `ticket_sla_changed` rewrites a ticket's rows inside every
  transition's transaction, so the scanner never reads open tickets, only checks that are due.
- The scanner (`escalations_scan`): claims due checks with SELECT … FOR UPDATE SKIP LOCKED in short
  transactions; in each it writes the `Escalation` rows (unique per ticket, milestone and level),
  the ESCALATED timeline events (which reach partner webhooks) and the outbox rows of the
  notifications, and moves the checks on. Delivery runs in Celery tasks after commit.

Lock policy: the scanner locks only `SLACheck` rows, never tickets. A transition that changes a
ticket whose check the scanner holds waits for the scanner's batch to commit (its DELETE of the
ticket's checks blocks on the row lock), then reads the escalations that batch wrote. Whichever
commits first, each level of each milestone fires at most once; the unique constraint on
`Escalation` is the backstop.
"""

import datetime
import functools
import logging
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.scoping import is_staff_actor
from notifications.services import Message, deliveries_queue
from possystem.bulk import rows_insert
from possystem.errors import ActionNotAllowed, StateConflict
from possystem.formats import local_minute
from possystem.snapshot import Snapshot
from sla.calendar import WorkingCalendar, calendar_snapshot
from sla.deadlines import ClockBook, Clocks, level_times, milestone_running, next_due_of, working_minutes_changes
from sla.models import LEVEL_ORDER, Escalation, Level, Milestone, ScannerHeartbeat, SLACheck, SLAPolicy
from sla.policies import policies_snapshot, sla_policies
from sla.text import duration_text, milestone_phrase
from technicians.models import Assignment
from tickets.events import ticket_events_record
from tickets.models import RUNNING_STATUSES, Ticket, TicketEvent

logger = logging.getLogger(__name__)


def sla_snapshots() -> tuple[Snapshot, Snapshot]:
    """What computing deadlines reads: the policies and the working calendar (for
    `possystem.snapshot.versions_read_together`)."""
    return policies_snapshot(), calendar_snapshot()


def sla_policy_for(*, priority: str, merchant_tier: str) -> SLAPolicy | None:
    """The most specific active policy for a priority and tier (blank fields match anything)."""
    candidates = [
        policy
        for policy in sla_policies().values()
        if policy.active and policy.priority in (priority, "") and policy.merchant_tier in (merchant_tier, "")
    ]
    return min(candidates, key=lambda p: (p.priority == "", p.merchant_tier == ""), default=None)


# --- the index of due checks ----------------------------------------------------------------------


def _next_check(ticket, milestone: str, fired: set, clocks: Clocks) -> tuple[str, datetime.datetime] | None:
    """The next level this milestone waits for: the first above the highest that has fired."""
    if not milestone_running(ticket, milestone):
        return None
    reached = [index for index, level in enumerate(LEVEL_ORDER) if (milestone, level) in fired]
    later = LEVEL_ORDER[max(reached) + 1 :] if reached else LEVEL_ORDER
    if not later:
        return None
    times = level_times(ticket=ticket, milestone=milestone, clocks=clocks)
    return later[0], times[later[0]]


def ticket_sla_changed(
    *, ticket, now: datetime.datetime, calendar: WorkingCalendar | None = None, filed: bool = False
) -> None:
    """Keep the scanner's index in step with the ticket. Called inside the transaction of every
    change to a ticket's status, deadlines or milestones (tickets.services.status_move, filing).

    Deletes the ticket's checks first: if the scanner holds one, this waits for its batch to
    commit, and the escalations read next include what that batch fired. Keeps `Ticket.next_due`
    (the console's order) true as well: transitions and filing write it in their own UPDATE or
    INSERT, so this costs a query only when a caller changed a milestone without it. In the same
    UPDATE: the minutes each milestone met took on its clock (`Ticket.respond_minutes` …), which the
    manager's dashboard averages.

    `filed`: the ticket was created in this transaction, so it has no checks and no escalations to
    read (filing saves the two queries).
    """
    changes = working_minutes_changes(ticket)
    next_due = next_due_of(ticket)
    if ticket.next_due != next_due:
        changes["next_due"] = next_due
    if changes:
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        for name, value in changes.items():
            setattr(ticket, name, value)
    if not filed:
        SLACheck.objects.filter(ticket_id=ticket.pk).delete()
    if not any(milestone_running(ticket, milestone) for milestone in Milestone):
        return
    fired = set() if filed else set(Escalation.objects.filter(ticket_id=ticket.pk).values_list("milestone", "level"))
    clocks = Clocks(ticket.sla_policy, calendar)
    checks = {"ticket_id": [], "milestone": [], "level": [], "due_at": []}
    for milestone in Milestone:
        upcoming = _next_check(ticket, milestone, fired, clocks)
        if upcoming is not None:
            for name, value in zip(checks, (ticket.pk, milestone, *upcoming), strict=True):
                checks[name].append(value)
    rows_insert(SLACheck, checks)


def sla_checks_rebuild(*, policy: SLAPolicy | None = None, chunk: int = 500) -> int:
    """Recompute the pending checks of running tickets (of one policy, or all). For an admin's
    change to a policy's at-risk share or manager hours (deadlines already on tickets stay), and
    for `manage.py sla_rebuild_checks` after restoring data. Returns how many tickets.

    Tickets are locked in pk order, a chunk per transaction, so no transition interleaves.
    """
    tickets_to_check = Ticket.objects.filter(status__in=RUNNING_STATUSES, sla_policy__isnull=False)
    if policy is not None:
        tickets_to_check = tickets_to_check.filter(sla_policy=policy)
    refreshed, last_pk = 0, 0
    calendar = WorkingCalendar.current()
    while True:
        with transaction.atomic():
            tickets = list(
                tickets_to_check.select_for_update(no_key=True, of=("self",))
                .filter(pk__gt=last_pk)
                .select_related("sla_policy")
                .order_by("pk")[:chunk]
            )
            for ticket in tickets:
                ticket_sla_changed(ticket=ticket, now=timezone.now(), calendar=calendar)
        if not tickets:
            return refreshed
        refreshed += len(tickets)
        last_pk = tickets[-1].pk


# --- the scanner ---------------------------------------------------------------------------------

# A pass stops starting batches after this long; the next pass (a few seconds later) carries on.
SCAN_TIME_BUDGET_SECONDS = 20.0
# How long a check whose escalation fails on its own (a bug, bad data) waits before it is tried again.
POISON_RETRY = datetime.timedelta(minutes=5)

# Channels per level, for every recipient who can be reached that way.
LEVEL_CHANNELS = {
    Level.AT_RISK: ("in_app",),
    Level.BREACHED: ("in_app", "email"),
    Level.MANAGER: ("in_app", "email", "sms"),
}


@dataclass
class ScanResult:
    claimed: int = 0
    escalations: int = 0
    batches: int = 0


@dataclass(frozen=True)
class _Firing:
    ticket: object
    milestone: str
    level: str
    due_at: datetime.datetime
    deadline: datetime.datetime


@dataclass
class _PassContext:
    """What every batch of a pass shares, loaded on first use (an idle pass loads nothing)."""

    clocks: ClockBook = field(default_factory=ClockBook)
    _staff: dict = field(default_factory=dict)
    _link: str | None = None

    def ticket_link(self, number: str) -> str:
        """The ticket page's address, reversed once per pass (a URL resolver walk per escalation
        otherwise)."""
        if self._link is None:
            self._link = reverse("tickets:detail", args=["0"])
        return self._link.replace("/0/", f"/{quote(number)}/")

    def staff(self, role: str) -> list:
        if role not in self._staff:
            self._staff[role] = list(User.objects.filter(role=role, is_active=True).order_by("pk"))
        return self._staff[role]


def escalations_scan(
    *,
    now: datetime.datetime | None = None,
    batch_size: int | None = None,
    time_budget: float = SCAN_TIME_BUDGET_SECONDS,
) -> ScanResult:
    """One pass of the scanner: claim what is due, batch by batch, each in its own transaction.

    Safe to run several at once (two beats, a backlog of scan tasks, many workers): SKIP LOCKED
    hands each due check to one of them, and the others take the next rows or find nothing. A
    worker that dies mid-batch rolls its transaction back; its checks are due again for the next
    pass. Call it outside a transaction.
    """
    batch_size = batch_size or settings.SLA_SCAN_BATCH_SIZE
    result = ScanResult()
    context = _PassContext()
    started = time.monotonic()
    while True:
        claimed, fired = _scan_batch_safely(now=now or timezone.now(), limit=batch_size, context=context)
        result.claimed += claimed
        result.escalations += fired
        result.batches += 1
        if claimed < batch_size or time.monotonic() - started > time_budget:
            return result


def _scan_batch_safely(*, now: datetime.datetime, limit: int, context: _PassContext) -> tuple[int, int]:
    """A batch; if it fails for any reason but the database being unreachable, its checks again one
    at a time, and a check that fails alone waits POISON_RETRY. One bad ticket must not hold up
    every escalation due after it (the claim takes the oldest first)."""
    try:
        return _scan_batch(now=now, limit=limit, context=context)
    except (OperationalError, InterfaceError):
        raise  # the next pass retries the whole batch
    except Exception:
        logger.exception("An SLA scan batch failed; retrying its checks one at a time")
    claimed = fired = 0
    for pk in SLACheck.objects.filter(due_at__lte=now).order_by("due_at").values_list("pk", flat=True)[:limit]:
        try:
            one_claimed, one_fired = _scan_batch(now=now, limit=1, context=context, only=pk)
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("SLA check %s failed; trying it again in %s", pk, POISON_RETRY)
            SLACheck.objects.filter(pk=pk).update(due_at=now + POISON_RETRY)
            one_claimed, one_fired = 1, 0
        claimed += one_claimed
        fired += one_fired
    return claimed, fired


def _scan_batch(*, now: datetime.datetime, limit: int, context: _PassContext, only: int | None = None):
    with transaction.atomic():
        checks = _claim_due(now=now, limit=limit, only=only)
        if not checks:
            return 0, 0
        firings, moved, done = [], [], []
        for check in checks:
            firings.extend(_advance(check, now=now, context=context, moved=moved, done=done))
        escalations = _escalations_write(firings, now=now)
        if escalations:
            _escalations_announce(escalations, now=now, context=context)
        if moved:
            SLACheck.objects.bulk_update(moved, ["level", "due_at"])
        if done:
            SLACheck.objects.filter(pk__in=done).delete()
    return len(checks), len(escalations)


def _claim_due(*, now: datetime.datetime, limit: int, only: int | None = None) -> list[SLACheck]:
    """The oldest due checks nobody else holds, locked until the caller's transaction ends.

    Walks the `sla_check_due` index; locks only the check rows, never the tickets. The tickets are
    read by id in a second query: joined to the claim, the planner (whose statistics rarely know how
    many checks have just fallen due) may merge-join the checks with every ticket in id order, the
    whole table for a check on a recent ticket.
    """
    due = SLACheck.objects.select_for_update(skip_locked=True, of=("self",)).filter(due_at__lte=now)
    if only is not None:
        due = due.filter(pk=only)
    tickets = Ticket.objects.select_related("sla_policy", "merchant", "device")
    return list(due.order_by("due_at").prefetch_related(Prefetch("ticket", queryset=tickets))[:limit])


def _advance(check: SLACheck, *, now, context: _PassContext, moved: list, done: list) -> list[_Firing]:
    """Decide what a claimed check fires, and where it goes next (moved) or that it ends (done)."""
    ticket = check.ticket
    if not milestone_running(ticket, check.milestone):
        done.append(check.pk)  # stale: transitions delete these, but never fire on one
        return []
    times = level_times(ticket=ticket, milestone=check.milestone, clocks=context.clocks.for_policy(ticket.sla_policy))
    remaining = LEVEL_ORDER[LEVEL_ORDER.index(check.level) :]
    due = [level for level in remaining if times[level] <= now]
    if not due:
        # The level moved later since the row was written (a policy change): wait for it.
        check.due_at = times[check.level]
        moved.append(check)
        return []
    if len(due) > 1 and due[0] == Level.AT_RISK:
        due = due[1:]  # the breach overtook the warning (the scanner was down): no stale "at risk"
    later = LEVEL_ORDER[LEVEL_ORDER.index(due[-1]) + 1 :]
    if later:
        check.level, check.due_at = later[0], times[later[0]]
        moved.append(check)
    else:
        done.append(check.pk)
    deadline = times[Level.BREACHED]
    return [_Firing(ticket, check.milestone, level, times[level], deadline) for level in due]


def _escalations_write(firings: list[_Firing], *, now) -> list[Escalation]:
    rows = [
        Escalation(
            ticket=f.ticket, milestone=f.milestone, level=f.level, deadline=f.deadline, due_at=f.due_at, fired_at=now
        )
        for f in firings
    ]
    if not rows:
        return []
    try:
        with transaction.atomic():
            ids = rows_insert(
                Escalation,
                {
                    "ticket_id": [row.ticket_id for row in rows],
                    "milestone": [row.milestone for row in rows],
                    "level": [row.level for row in rows],
                    "deadline": [row.deadline for row in rows],
                    "due_at": [row.due_at for row in rows],
                    "fired_at": [now] * len(rows),
                },
            )
    except IntegrityError:
        pass
    else:
        for row, pk in zip(rows, ids, strict=True):
            row.pk = pk
            row._state.adding = False
        return rows
    # The backstop held: one of them had already fired. Keep the others, one savepoint each.
    created = []
    for row in rows:
        try:
            with transaction.atomic():
                row.save(force_insert=True)
            created.append(row)
        except IntegrityError:
            logger.warning("Escalation %s/%s/%s had already fired", row.ticket_id, row.milestone, row.level)
    return created


def _escalations_announce(escalations: list[Escalation], *, now, context: _PassContext) -> None:
    """Who is told, the timeline entries (partner webhooks) and the outbox rows, in the batch's
    transaction; the outbox is delivered after commit. A fixed number of queries per batch: the
    technicians on the jobs, the staff (once per pass), and one INSERT per table written."""
    on_the_job = {
        a.ticket_id: a.technician.user
        for a in Assignment.objects.active()
        .filter(ticket_id__in={e.ticket_id for e in escalations})
        .select_related("technician__user")
    }
    readers = []
    for escalation in escalations:
        if escalation.level == Level.MANAGER:
            recipients = context.staff(User.Role.MANAGER)
        else:
            recipients = list(context.staff(User.Role.DISPATCHER))
            technician = on_the_job.get(escalation.ticket_id)
            if technician is not None and technician.is_active and escalation.milestone != Milestone.RESPOND:
                recipients.append(technician)
        readers.append(recipients)
    notices = _notices(escalations, readers, now=now)
    told, messages, entries = [], [], []
    for escalation, recipients, texts in zip(escalations, readers, notices, strict=True):
        told.extend((escalation.pk, user.pk) for user in recipients)
        link = context.ticket_link(escalation.ticket.number)
        source = f"escalation:{escalation.pk}"
        for user in recipients:
            subject, body = texts[user.language or settings.LANGUAGE_CODE]
            messages.extend(
                Message(
                    recipient=user,
                    channel=channel,
                    subject=subject,
                    body=body,
                    link=link,
                    ticket=escalation.ticket,
                    source=source,
                )
                for channel in LEVEL_CHANNELS[escalation.level]
                if channel == "in_app" or (channel == "email" and user.email) or (channel == "sms" and user.phone)
            )
        entries.append(
            {
                "ticket": escalation.ticket,
                "kind": TicketEvent.Kind.ESCALATED,
                "message": texts[settings.LANGUAGE_CODE][0],
                # "At risk" is the team's early warning; breaches are the merchant's and partner's business.
                "public": escalation.level != Level.AT_RISK,
                "data": {
                    "escalation": escalation.pk,
                    "milestone": escalation.milestone,
                    "level": escalation.level,
                    "deadline": escalation.deadline.isoformat(),
                    "late_seconds": int((now - escalation.deadline).total_seconds()),
                    "told": [user.username for user in recipients],
                },
            }
        )
    # One INSERT each for the timeline entries (and, through their signal, the webhook outbox), who
    # was told, and the notices' outbox, whatever the size of the batch.
    ticket_events_record(entries, now=now)
    rows_insert(
        Escalation.recipients.through,
        {"escalation_id": [pair[0] for pair in told], "user_id": [pair[1] for pair in told]},
    )
    deliveries_queue(messages=messages, now=now)


def _notices(escalations: list[Escalation], readers: list[list], *, now) -> list[dict[str, tuple[str, str]]]:
    """Each escalation's notice, by language, in each language its readers read and in the site's
    (the timeline's). The batch switches language once per language, not once per notice."""
    site = settings.LANGUAGE_CODE
    wanted = [{user.language or site for user in users} | {site} for users in readers]
    notices = [{} for _ in escalations]
    for language in set().union(*wanted):
        with translation.override(language):
            for escalation, languages, texts in zip(escalations, wanted, notices, strict=True):
                if language in languages:
                    texts[language] = escalation_message(escalation, now=now)
    return notices


@functools.cache
def _escalation_wording(language: str | None) -> dict:
    """The notices' sentences in one language, by level, and the milestones' names. Translated once
    per process and language: gettext costs more than the rest of a notice, and a batch writes
    hundreds."""
    with translation.override(language):
        return {
            Level.AT_RISK: (
                _("%(number)s at risk: %(milestone)s due in %(late)s"),
                _("%(merchant)s. The %(milestone)s deadline is %(deadline)s, %(late)s from now."),
            ),
            Level.BREACHED: (
                _("%(number)s breached: %(milestone)s %(late)s late"),
                _("%(merchant)s. The %(milestone)s deadline was %(deadline)s; it is %(late)s late."),
            ),
            Level.MANAGER: (
                _("%(number)s still breached: %(milestone)s %(late)s late"),
                _(
                    "%(merchant)s. The %(milestone)s deadline was %(deadline)s and is still not met %(late)s later. "
                    "Dispatchers were told when it was missed."
                ),
            ),
            "milestones": {milestone: milestone_phrase(milestone) for milestone in Milestone},
        }


def escalation_message(escalation: Escalation, *, now: datetime.datetime) -> tuple[str, str]:
    """Subject and body of the notice, in the active language: the ticket, the milestone, how
    late (or how much time is left) and the deadline."""
    wording = _escalation_wording(translation.get_language())
    ticket = escalation.ticket
    values = {
        "number": ticket.number,
        "merchant": ticket.merchant.name,
        "milestone": wording["milestones"][escalation.milestone],
        "deadline": local_minute(escalation.deadline),
        "late": duration_text(now - escalation.deadline),
    }
    subject, body = wording[escalation.level]
    return subject % values, body % values


def scanner_heartbeat_record(*, now: datetime.datetime) -> None:
    """The scanner finished a pass beat asked for (`sla.tasks.scan`). One UPDATE on every pass but
    the first; two first passes at once both end with the row written."""
    if not ScannerHeartbeat.objects.filter(pk=1).update(at=now):
        ScannerHeartbeat.objects.update_or_create(pk=1, defaults={"at": now})


# --- the escalations inbox --------------------------------------------------------------------------


def escalation_acknowledge(*, escalation: Escalation, by) -> Escalation:
    """A dispatcher or manager takes an escalation on. One conditional UPDATE: of two people
    acknowledging at once, the second is told the first already did."""
    if not is_staff_actor(by):
        raise ActionNotAllowed()
    now = timezone.now()
    updated = Escalation.objects.filter(pk=escalation.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by
    )
    if updated != 1:
        raise StateConflict(_("Someone already acknowledged this escalation."), code="already_acknowledged")
    escalation.acknowledged_at, escalation.acknowledged_by = now, by
    return escalation
