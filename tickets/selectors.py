"""Permission-scoped reads of tickets and their timelines."""

import datetime
import operator
import re
from dataclasses import dataclass, replace
from functools import reduce

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
)
from django.utils import timezone

from accounts.models import Merchant, Region
from accounts.scoping import is_staff_actor, visible_to
from devices.models import Device, Loan, SparePart
from possystem.seek import COUNT_CAP, Key, SeekPage, seek_page, seek_page_by_ids
from technicians.matching import Fit, Job, fit_of
from technicians.models import Assignment, PartUsed, RepairReport, Technician, Visit
from technicians.selectors import for_matching
from tickets.models import OPEN_STATUSES, Kind, Quote, QuoteLine, Status, Ticket, TicketEvent, TicketPhoto

# A list filter that is not a status of its own: every status a ticket can still move on from.
OPEN = "open"


# A search finds tickets through at most this many matching terminals and merchants; one that
# matches more is too broad to mean one of them (the number and phone still match in full).
SEARCH_MATCH_CAP = 1000


# What each searched column can hold, so that a search asks only the indexes that could answer it:
# a ticket number is two letters, a dash, digits and dashes (RT-20261126-0042); a serial number what
# devices.validators allows; a contact phone is stored as its eleven digits.
NUMBER_CHARACTERS = re.compile(r"[-A-Za-z0-9]+")
NUMBER_START = re.compile(r"[A-Za-z]{2}-[-0-9]*")
SERIAL_CHARACTERS = re.compile(r"[-A-Za-z0-9_.]+")
PHONE_CHARACTERS = re.compile(r"[0-9]+")


def ticket_search_legs(search: str) -> list[Q]:
    """Tickets whose number, terminal serial, merchant name or contact phone contain `search`, as one
    condition per index that answers it (OR them for the whole search).

    The merchant name, and any part of a number or a phone are answered by trigram indexes
    (possystem.trigram), the serial by its start; the terminals and merchants are looked up first
    (small queries), so each condition is on the ticket's own columns. The start of a number ("RT-2026…",
    which can only match at its start) is a prefix of the number's own index: a trigram index
    answers it slowly, every number sharing its first trigrams. A column that cannot hold the search
    (a phone with letters in it, a serial or a number with spaces) is not asked at all.
    """
    legs = []
    if NUMBER_START.fullmatch(search):
        legs.append(Q(number__startswith=search.upper()))
    elif NUMBER_CHARACTERS.fullmatch(search):
        legs.append(Q(number__icontains=search))
    if PHONE_CHARACTERS.fullmatch(search):
        legs.append(Q(contact_phone__icontains=search))
    if SERIAL_CHARACTERS.fullmatch(search):
        # A serial is read off the terminal's label: found by its start (a B-tree, possystem.trigram),
        # and by any other part of it only when no serial starts so.
        devices = Device.objects.order_by().values_list("pk", flat=True)
        found = list(devices.filter(serial_number__istartswith=search)[:SEARCH_MATCH_CAP])
        if found := found or list(devices.filter(serial_number__icontains=search)[:SEARCH_MATCH_CAP]):
            legs.append(Q(device_id__in=found))
    merchants = Merchant.objects.filter(name__icontains=search).order_by().values_list("pk", flat=True)
    if merchants := list(merchants[:SEARCH_MATCH_CAP]):
        legs.append(Q(merchant_id__in=merchants))
    return legs


def _searched(tickets, search: str):
    """`tickets` narrowed to a search, in a way the planner cannot get wrong: the matching ids are
    read first, and the queue then orders only those. Left to itself, PostgreSQL guesses that 1 % of
    the rows match a LIKE and walks the queue's index until it has a page, which reads every open
    ticket when only a few match. A search matching more than SEARCH_MATCH_CAP tickets is dense
    enough for that walk to stop early, and gets it, with its count known to be over the cap.

    The ids are read leg by leg (a UNION of one capped query per index, so each leg is planned on its
    own index): as one OR, the planner prices the phone's trigram index (every phone shares its
    prefix) so high that it reads the whole table instead, 45 ms at 1M open tickets instead of 1.5."""
    legs = ticket_search_legs(search)
    if not legs:
        return tickets.none()
    matching = tickets.filter(reduce(operator.or_, legs))
    cap = SEARCH_MATCH_CAP + 1
    if connection.features.supports_slicing_ordering_in_compound:
        first, *others = (tickets.filter(leg).order_by().values_list("pk", flat=True)[:cap] for leg in legs)
        ids = list(first.union(*others)[:cap]) if others else list(first)
    else:  # SQLite: one query with the OR
        ids = list(matching.order_by().values_list("pk", flat=True)[:cap])
    if len(ids) > SEARCH_MATCH_CAP:
        matching.broad_search = True  # console_page: more than a count's cap, no need to count
        return matching
    narrowed = tickets.filter(pk__in=ids)
    narrowed.match_count = len(ids)  # console_page: every match is in hand, no need to count them again
    return narrowed


def _by_status(tickets, status: str):
    if status == OPEN:
        return tickets.filter(status__in=OPEN_STATUSES)
    if status:
        return tickets.filter(status=status)
    return tickets


# Lists of tickets, newest first: served by `ticket_merchant_created` for a merchant and by
# `ticket_created` for staff, page after page from the last row shown (possystem.seek).
LIST_ORDER = (Key("created_at", descending=True), Key("pk", descending=True))


def ticket_list(*, actor, status: str = "", search: str = ""):
    """Tickets the actor may see, newest first, with what a list row shows already loaded."""
    tickets = _by_status(visible_to(Ticket.objects.all(), actor).select_related("merchant", "device__model"), status)
    if search:
        tickets = tickets.filter(Q(number__icontains=search) | Q(device__serial_number__icontains=search))
    return tickets.order_by("-created_at", "-pk")


def with_console_rows(tickets):
    """What a console row (`console_row` in tickets/templatetags/ticket_pages.py) shows, loaded with
    the tickets. The active assignment, if any, is the list `console_assignments` (a list attribute:
    Django builds no queryset per ticket for it, which a plain prefetch of `assignments` does); the
    region comes from those each process keeps (accounts.regions)."""
    return tickets.select_related("merchant", "device__model").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.active().select_related("technician__user"),
            to_attr="console_assignments",
        )
    )


# The console's order: the next deadline still to meet (tickets whose clocks do not run, paused ones
# among them, after all the others), then the oldest filed first. `Ticket.next_due` is stored and kept
# by the SLA code, so an index serves the order (`ticket_console` and the filters' indexes).
CONSOLE_ORDER = (Key("next_due", nullable=True), Key("created_at"), Key("pk"))


def ticket_console(
    *,
    actor,
    status: str = OPEN,
    priority: str = "",
    kind: str = "",
    region: Region | None = None,
    assigned: str = "",
    search: str = "",
):
    """The dispatcher's queue: tickets by their next unmet deadline, soonest (or most overdue) first.
    Unordered: `console_page` orders it and takes a page.

    `assigned` is "yes" (a technician is on the job), "no" (nobody is), or blank.
    """
    on_the_job = Exists(Assignment.objects.active().filter(ticket=OuterRef("pk")))
    tickets = with_console_rows(visible_to(Ticket.objects.all(), actor))
    tickets = _by_status(tickets, status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if kind:
        tickets = tickets.filter(kind=kind)
    if region is not None:
        # The stored region (the terminal's, else the merchant's: tickets.regions), by its id written
        # in the query, so that the planner walks the `ticket_console_region` index for it.
        tickets = tickets.filter(region_id=region.pk)
    if assigned == "yes":
        tickets = tickets.filter(on_the_job)
    elif assigned == "no":
        tickets = tickets.exclude(on_the_job)
    if search:
        tickets = _searched(tickets, search)
    return tickets


def console_page(tickets, *, after: str = "", size: int, searched: bool = False) -> SeekPage:
    """A page of the console's queue after the position `after` (a token from the page before), with
    the queue's size counted up to a cap: three queries at any depth. The first page reads the ids
    with the count, then the rows by id, then their assignments (possystem.seek.seek_page_by_ids);
    a later page reads the rows, the count, then the assignments. A search has read its matching ids
    already, which are its count: the rows, then the assignments."""

    def rows(ids):
        return with_console_rows(Ticket.objects.filter(pk__in=ids).order_by())

    if searched:
        if getattr(tickets, "broad_search", False):
            # More matches than a count's cap (`_searched`): the page's ids, then their rows.
            page = seek_page(tickets, keys=CONSOLE_ORDER, after=after, size=size, count=False, rows=rows)
            return replace(page, count=COUNT_CAP, count_capped=True)
        matched = getattr(tickets, "match_count", None)
        if matched is not None:
            # The matching ids were read to narrow the queue (`_searched`): they are the count.
            page = seek_page(tickets, keys=CONSOLE_ORDER, after=after, size=size, count=False)
            return replace(page, count=min(matched, COUNT_CAP), count_capped=matched > COUNT_CAP)
        return seek_page(tickets, keys=CONSOLE_ORDER, after=after, size=size)
    return seek_page_by_ids(tickets, keys=CONSOLE_ORDER, rows=rows, after=after, size=size)


def reports_prefetch(prefix: str = "") -> Prefetch:
    """A ticket's repair reports (`Ticket.report` is the latest) with what the page and the receipt
    show of them: the technician, the parts, the photos of the work and the signature."""
    return Prefetch(
        f"{prefix}reports",
        queryset=RepairReport.objects.select_related("technician__user", "signature").prefetch_related(
            Prefetch("parts", queryset=PartUsed.objects.select_related("spare_part").order_by("pk")),
            Prefetch("photos", queryset=TicketPhoto.objects.order_by("pk")),
        ),
    )


def ticket_get(*, actor, number: str) -> Ticket:
    """One ticket by number; `Ticket.DoesNotExist` when absent or outside the actor's scope.

    Loads what the ticket page shows in a fixed number of queries: the assignments, the visits, the
    quotes, the repair reports with their parts, photos and signature, and the rating.
    """
    return (
        visible_to(Ticket.objects.all(), actor)
        .select_related(
            "merchant__partner",
            "merchant__region",
            "device__model",
            "device__region",
            "warranty__policy",
            "sla_policy",
            "feedback",
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("technician__user").order_by("assigned_at", "pk"),
            ),
            Prefetch(
                "visits",
                queryset=Visit.objects.select_related(
                    "technician__user", "recorded_by", "approved_by", "rejected_by"
                ).order_by("at", "pk"),
            ),
            Prefetch(
                "quotes",
                queryset=Quote.objects.order_by("created_at", "pk").prefetch_related(
                    Prefetch("lines", queryset=QuoteLine.objects.select_related("spare_part").order_by("pk"))
                ),
            ),
            reports_prefetch(),
        )
        .get(number=number)
    )


def sees_internal(*, actor, ticket: Ticket) -> bool:
    """Staff and the technicians on the job read internal notes; merchants and partners never do."""
    if is_staff_actor(actor):
        return True
    return actor.role == "technician" and any(
        a.technician.user_id == actor.pk and a.released_at is None for a in ticket.assignments.all()
    )


def ticket_timeline(*, actor, ticket: Ticket):
    """The ticket's events in order, internal ones only for those who may read them."""
    events = TicketEvent.objects.filter(ticket=ticket).select_related("comment", "actor")
    if not sees_internal(actor=actor, ticket=ticket):
        events = events.filter(public=True)
    return events.prefetch_related(Prefetch("comment__photos", queryset=TicketPhoto.objects.order_by("pk"))).order_by(
        "created_at", "pk"
    )


def ticket_photos(*, actor, ticket: Ticket):
    """Photos of the ticket the actor may see (filed, sent with replies, of the work): those on
    internal notes only for staff."""
    photos = TicketPhoto.objects.filter(ticket=ticket)
    if not sees_internal(actor=actor, ticket=ticket):
        photos = photos.filter(Q(comment__isnull=True) | Q(comment__internal=False))
    return photos.order_by("pk")


# How many earlier repairs of the job's terminal a job card shows.
HISTORY_LENGTH = 3


# The columns a job card (`job_facts`, tickets/jobs.html) and its deadlines' states
# (sla.selectors.ticket_sla_status) read: a field left out here is read again for every job.
JOB_CARD_FIELDS = (
    *("scheduled_at", "accepted_at", "departed_at", "technician_id"),
    *(f"ticket__{name}" for name in ("number", "status", "kind", "fault_category", "contact_name", "contact_phone")),
    *(f"ticket__{name}" for name in ("respond_by", "onsite_by", "resolve_by", "responded_at", "onsite_at")),
    *(f"ticket__{name}" for name in ("resolved_at", "visited_at", "paused_at", "cancelled_at", "returned_at")),
    *("ticket__sla_policy_id", "ticket__merchant__name", "ticket__merchant__address"),
    *("ticket__device__site_address", "ticket__device__serial_number"),
    *("ticket__device__model__brand", "ticket__device__model__name"),
)


def job_list(*, actor, open_jobs: bool = True, limit: int | None = None):
    """The actor's own assignments (a technician's jobs): open ones by the next deadline still to meet
    (most overdue first), each with its terminal's earlier repairs; done ones newest first.

    Open jobs cost a fixed number of queries however many there are.
    """
    jobs = visible_to(Assignment.objects.all(), actor).filter(technician__user=actor)
    if open_jobs:
        # Only the last HISTORY_LENGTH repairs of each terminal (a window over each terminal's
        # tickets), not every one it ever had: a busy terminal's history stays out of the page.
        # Each line shows when, what, and the latest report's outcome (`outcome`, a subquery: no
        # prefetch of reports, and only the columns the line shows).
        latest_outcome = RepairReport.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk")
        history = (
            Ticket.objects.filter(status__in=(Status.RESOLVED, Status.CLOSED))
            .only("device_id", "resolved_at", "kind", "fault_category")
            .annotate(outcome=Subquery(latest_outcome.values("outcome")[:1]))
            .order_by("-resolved_at", "-pk")
        )[:HISTORY_LENGTH]
        jobs = (
            jobs.active()
            # What a job card shows (tickets/jobs.html): three joins, planned in a fraction of the time
            # of every related row a ticket has (the deadlines' policies come from sla.policies), and
            # only the columns the card and its deadlines read.
            .select_related("ticket__merchant", "ticket__device__model")
            .only(*JOB_CARD_FIELDS)
            .prefetch_related(Prefetch("ticket__device__tickets", queryset=history, to_attr="repairs"))
            # The stored next deadline, as the console orders (paused jobs after running ones).
            .order_by(F("ticket__next_due").asc(nulls_last=True), F("scheduled_at").asc(nulls_last=True), "pk")
        )
    else:
        # A done job is a line: its ticket's number and merchant.
        jobs = (
            jobs.filter(completed_at__isnull=False)
            .select_related("ticket__merchant")
            .only("completed_at", "ticket__number", "ticket__merchant__name")
            .order_by("-completed_at", "-pk")
        )
    return jobs[:limit] if limit else jobs


def matching_job(ticket: Ticket) -> Job:
    """The job as matching sees it: where (the terminal's region, else the merchant's), what model,
    and the deadline the technician must make (the visit, else the repair)."""
    device = ticket.device
    region = (device.region if device and device.region_id else None) or ticket.merchant.region
    if ticket.onsite_by and ticket.onsite_at is None:
        deadline = ticket.onsite_by
    elif ticket.resolved_at is None:
        deadline = ticket.resolve_by
    else:
        deadline = None
    return Job(
        region_id=region.pk if region else None,
        region_name=region.label if region else "",
        device_model_id=device.model_id if device else None,
        device_model_name=str(device.model) if device else "",
        deadline=deadline,
    )


def assignment_candidates(*, actor, ticket: Ticket, now: datetime.datetime | None = None) -> list[Fit]:
    """Active technicians for `ticket`, best suited first, each with the reasons and the concerns
    (`technicians.matching`). Six queries whatever the number of technicians."""
    now = now or timezone.now()
    job = matching_job(ticket)
    technicians = for_matching(visible_to(Technician.objects.all(), actor).filter(user__is_active=True))
    return sorted((fit_of(technician, job=job, now=now) for technician in technicians), key=lambda fit: fit.rank)


def technician_fit(*, ticket: Ticket, technician: Technician, now: datetime.datetime) -> Fit:
    """How one technician suits `ticket` now: what an assignment is checked against."""
    loaded = for_matching(Technician.objects.filter(pk=technician.pk)).get()
    return fit_of(loaded, job=matching_job(ticket), now=now)


def device_repair_history(*, actor, device: Device):
    """The terminal's service requests the actor may see, newest first, each with its repair reports
    (`Ticket.report` is the latest). Two queries, however long the history."""
    return (
        visible_to(Ticket.objects.filter(device=device), actor)
        .prefetch_related(Prefetch("reports", queryset=RepairReport.objects.order_by("created_at", "pk")))
        .order_by("-created_at", "-pk")
    )


def spare_parts_for(*, ticket: Ticket) -> list[SparePart]:
    """Parts a resolution may use: those compatible with the ticket's device model (all without one)."""
    parts = SparePart.objects.order_by("sku")
    if ticket.device_id is not None:
        parts = parts.filter(compatible_models=ticket.device.model_id)
    return list(parts)


def filing_devices(*, actor, merchant=None):
    """Terminals a ticket may be filed for: the merchant's own (for staff, the chosen merchant's)."""
    devices = visible_to(Device.objects.all(), actor).select_related("model").exclude(status=Device.Status.RETIRED)
    if merchant is not None:
        devices = devices.filter(merchant=merchant)
    elif getattr(actor, "merchant_id", None):
        devices = devices.filter(merchant_id=actor.merchant_id)
    else:
        devices = devices.none()
    return devices.order_by("serial_number")


def ticket_loans(*, actor, ticket: Ticket):
    """The loaners lent on `ticket` that `actor` may see, oldest first, with both terminals."""
    return (
        visible_to(Loan.objects.filter(ticket=ticket), actor)
        .select_related("loaner", "loaner__model", "own_device")
        .order_by("lent_at", "pk")
    )


@dataclass(frozen=True)
class Downtime:
    """How long merchants were without a working terminal, over the tickets filed in a period."""

    restored: int  # tickets whose service came back (repair, swap or loaner)
    average: datetime.timedelta | None
    longest: datetime.timedelta | None
    by_loaner: int  # of `restored`, those restored by a loaner before the repair
    still_down: int  # open tickets of the period whose merchant is still without service


def downtime_summary(*, since: datetime.datetime, until: datetime.datetime) -> Downtime:
    """The dashboard's downtime figures for tickets filed in [since, until): one aggregate query.
    Consultations and training never stop a terminal, so only repairs, installations and updates
    with a terminal count."""
    down = ExpressionWrapper(F("restored_at") - F("created_at"), output_field=DurationField())
    tickets = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until, device__isnull=False)
        .exclude(kind__in=[Kind.CONSULTATION, Kind.TRAINING])
        .annotate(by_loaner=Exists(Loan.objects.filter(ticket=OuterRef("pk"), lent_at=OuterRef("restored_at"))))
    )
    figures = tickets.aggregate(
        restored=Count("pk", filter=Q(restored_at__isnull=False)),
        average=Avg(down, filter=Q(restored_at__isnull=False)),
        longest=Max(down, filter=Q(restored_at__isnull=False)),
        loaned=Count("pk", filter=Q(by_loaner=True)),
        still_down=Count("pk", filter=Q(restored_at__isnull=True, status__in=OPEN_STATUSES)),
    )
    figures["by_loaner"] = figures.pop("loaned")
    return Downtime(**figures)
