"""Facts about a ticket that the manager's dashboard counts, stored on the ticket when they are decided.

The dashboard's repair figures were three look-ups per resolved repair (did the terminal come back
within 30 days, was the ticket reopened, was a second visit needed) plus the technician of the last
repair report: seconds over a year of tickets. Instead the write that decides them stores them, in
its own transaction, and the figures are plain counts over the ticket's columns:

- `came_back`: a repair whose terminal came back for another (not cancelled) repair filed no more
  than `REPEAT_WINDOW` after this one was resolved. Recounted over one terminal's repairs whenever one
  of them is resolved, reopened or cancelled (`repeats_recount`), so a repair resolved later, a
  reopened one (no longer resolved) and a cancelled request all leave the flags right; filing one
  turns on the flags of the repairs it repeats (`filing_repeats_sql`), sent with the ticket number's
  statement.
- `fixed_first_time`: resolved, never reopened, and one visit at most; written at resolution.
- `fixed_by`: the technician of the ticket's latest repair report; written at resolution.

`ticket_facts_fill` writes all three for every ticket in a few set-based UPDATEs (the migration that
added the columns, `manage.py ticket_facts_fill`, the dashboard benchmark's seeder); it takes the
app registry so that a migration can run it on its historical models.
"""

import datetime

from django.apps import apps as global_apps
from django.db.models import BooleanField, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Subquery, Value

# "The same terminal back within 30 days": a repair filed no more than 30 × 24 hours after the
# previous repair of that terminal was resolved. Exactly 30 days later is a repeat; a day more is not.
REPEAT_WINDOW = datetime.timedelta(days=30)
REPAIR = "repair"
CANCELLED = "cancelled"
RESOLVED = "resolved"
CLOSED = "closed"
REOPENED = "reopened"


def _models(apps):
    return (
        apps.get_model("tickets", "Ticket"),
        apps.get_model("tickets", "TicketEvent"),
        apps.get_model("technicians", "Visit"),
        apps.get_model("technicians", "RepairReport"),
    )


def _came_back(Ticket) -> Exists:
    window_end = ExpressionWrapper(OuterRef("resolved_at") + Value(REPEAT_WINDOW), output_field=DateTimeField())
    return Exists(
        Ticket.objects.filter(
            device=OuterRef("device"),
            kind=REPAIR,
            created_at__gt=OuterRef("resolved_at"),
            created_at__lte=window_end,
        ).exclude(status=CANCELLED)
    )


def _fixed_first_time(TicketEvent, Visit) -> Q:
    reopened = Exists(TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=REOPENED))
    second_visit = Exists(
        Visit.objects.filter(ticket=OuterRef("pk")).filter(
            Exists(Visit.objects.filter(ticket=OuterRef("ticket"), pk__lt=OuterRef("pk")))
        )
    )
    return Q(resolved_at__isnull=False) & ~Q(reopened) & ~Q(second_visit)


def _fixer(RepairReport) -> Subquery:
    return Subquery(
        RepairReport.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk").values("technician")[:1]
    )


def _resolution_facts(apps) -> dict:
    _Ticket, TicketEvent, Visit, RepairReport = _models(apps)
    return {
        "fixed_first_time": ExpressionWrapper(_fixed_first_time(TicketEvent, Visit), output_field=BooleanField()),
        "fixed_by": _fixer(RepairReport),
    }


def repeats_recount(device_id: int | None, *, apps=global_apps) -> None:
    """Whether each repair of one terminal came back within the window. One UPDATE over the
    terminal's repairs (the `ticket_device_repairs` index); in the caller's transaction."""
    if device_id is None:
        return
    Ticket = apps.get_model("tickets", "Ticket")
    Ticket.objects.filter(device_id=device_id, kind=REPAIR).update(came_back=_came_back(Ticket))


def filing_repeats_sql(*, device_id: int | None, kind: str, now: datetime.datetime) -> tuple[str, list] | None:
    """What filing a repair of `device_id` at `now` changes in its terminal's repeats, as one UPDATE
    (SQL and parameters) for filing to send along with a statement it sends anyway: the terminal's
    earlier repairs resolved in the `REPEAT_WINDOW` before `now` came back. Filing a ticket can only
    turn flags on, and only those (`repeats_recount` would find the same); None when nothing can
    change (another kind, no terminal)."""
    if kind != REPAIR or device_id is None:
        return None
    table = global_apps.get_model("tickets", "Ticket")._meta.db_table
    # Only resolved and closed tickets have a resolution time (reopening clears it, and a resolved
    # ticket cannot be cancelled): saying so lets the terminal's resolved tickets be read by their
    # resolution time (`ticket_device_history`) instead of all its repairs being scanned.
    return (
        f"UPDATE {table} SET came_back = %s WHERE device_id = %s AND kind = %s AND NOT came_back"
        " AND status IN (%s, %s) AND resolved_at >= %s AND resolved_at < %s",
        [True, device_id, REPAIR, RESOLVED, CLOSED, now - REPEAT_WINDOW, now],
    )


def ticket_repeats_changed(ticket) -> None:
    """A repair was cancelled: its terminal's earlier repairs may no longer have come back. One
    UPDATE over that terminal's repairs, none for other kinds; in the caller's transaction."""
    if ticket.kind == REPAIR:
        repeats_recount(ticket.device_id)


def ticket_facts_changed(ticket) -> None:
    """A ticket was resolved or reopened: its own facts and its terminal's repeats are written again.
    Two small UPDATEs, in the caller's transaction."""
    Ticket = global_apps.get_model("tickets", "Ticket")
    Ticket.objects.filter(pk=ticket.pk).update(**_resolution_facts(global_apps))
    if ticket.kind == REPAIR:
        repeats_recount(ticket.device_id)


def ticket_facts_fill(apps=global_apps) -> None:
    """Every ticket's facts, from its history: three set-based UPDATEs, no row-by-row loop."""
    Ticket = apps.get_model("tickets", "Ticket")
    Ticket.objects.update(**_resolution_facts(apps))
    Ticket.objects.filter(kind=REPAIR, resolved_at__isnull=False).update(came_back=_came_back(Ticket))
    Ticket.objects.exclude(kind=REPAIR, resolved_at__isnull=False).filter(came_back=True).update(came_back=False)


def ticket_minutes_fill(apps=global_apps, *, chunk: int = 2000) -> int:
    """The minutes to respond, arrive and resolve on the milestone's clock (`sla.deadlines`), for every
    ticket with a milestone met and none stored: the clocks are Python (working days and hours), so
    this reads tickets in chunks of `chunk` by pk and writes each chunk in one UPDATE. For the
    migration and bulk-loaded rows; the services write them as each milestone is met."""
    from sla.deadlines import MILESTONES, MINUTES_FIELDS, ClockBook, working_minutes

    Ticket = apps.get_model("tickets", "Ticket")
    SLAPolicy = apps.get_model("sla", "SLAPolicy")
    policies = SLAPolicy.objects.in_bulk()
    book = ClockBook()
    missing = Q()
    for milestone, name in MINUTES_FIELDS.items():
        missing |= Q(**{f"{MILESTONES[milestone][1]}__isnull": False, f"{name}__isnull": True})
    fields = ["pk", "created_at", "sla_policy_id", *(met for _by, met in MILESTONES.values())]
    written, last = 0, 0
    while True:
        rows = list(Ticket.objects.filter(missing, pk__gt=last).order_by("pk").only(*fields)[:chunk])
        if not rows:
            return written
        for ticket in rows:
            policy = policies.get(ticket.sla_policy_id)
            clocks = book.for_policy(policy) if policy is not None else None
            for milestone, name in MINUTES_FIELDS.items():
                setattr(ticket, name, working_minutes(ticket, milestone, clocks))
        Ticket.objects.bulk_update(rows, list(MINUTES_FIELDS.values()))
        written += len(rows)
        last = rows[-1].pk
