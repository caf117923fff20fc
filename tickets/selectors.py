"""Permission-scoped reads of tickets and their timelines."""

from dataclasses import dataclass

from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Prefetch, Q, When

from accounts.scoping import is_staff_actor, visible_to
from devices.models import Device, SparePart
from technicians.models import Assignment, PartUsed, Technician
from technicians.selectors import with_open_jobs
from tickets.models import OPEN_STATUSES, Quote, Ticket, TicketEvent, TicketPhoto

# A list filter that is not a status of its own: every status a ticket can still move on from.
OPEN = "open"


def _by_status(tickets, status: str):
    if status == OPEN:
        return tickets.filter(status__in=OPEN_STATUSES)
    if status:
        return tickets.filter(status=status)
    return tickets


def ticket_list(*, actor, status: str = "", search: str = ""):
    """Tickets the actor may see, newest first, with what a list row shows already loaded."""
    tickets = _by_status(
        visible_to(Ticket.objects.all(), actor).select_related("merchant", "device__model", "sla_policy"), status
    )
    if search:
        tickets = tickets.filter(Q(number__icontains=search) | Q(device__serial_number__icontains=search))
    return tickets.order_by("-created_at", "-pk")


def ticket_console(
    *,
    actor,
    status: str = OPEN,
    priority: str = "",
    kind: str = "",
    region: str = "",
    assigned: str = "",
    search: str = "",
):
    """The dispatcher's queue: tickets by their next unmet deadline, soonest (or most overdue) first.

    `assigned` is "yes" (a technician is on the job), "no" (nobody is), or blank.
    """
    on_the_job = Exists(Assignment.objects.active().filter(ticket=OuterRef("pk")))
    tickets = (
        visible_to(Ticket.objects.all(), actor)
        .select_related("merchant__region", "device__model", "device__region", "sla_policy")
        .prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("technician__user").order_by("pk"))
        )
        .annotate(
            next_due=Case(
                When(responded_at__isnull=True, then=F("respond_by")),
                When(onsite_at__isnull=True, onsite_by__isnull=False, then=F("onsite_by")),
                When(resolved_at__isnull=True, then=F("resolve_by")),
                default=None,
                output_field=DateTimeField(),
            )
        )
    )
    tickets = _by_status(tickets, status)
    if priority:
        tickets = tickets.filter(priority=priority)
    if kind:
        tickets = tickets.filter(kind=kind)
    if region:
        tickets = tickets.filter(
            Q(device__region__code=region) | Q(device__region__isnull=True, merchant__region__code=region)
        )
    if assigned == "yes":
        tickets = tickets.filter(on_the_job)
    elif assigned == "no":
        tickets = tickets.exclude(on_the_job)
    if search:
        tickets = tickets.filter(
            Q(number__icontains=search)
            | Q(device__serial_number__icontains=search)
            | Q(merchant__name__icontains=search)
            | Q(contact_phone__icontains=search)
        )
    return tickets.order_by(F("next_due").asc(nulls_last=True), "created_at", "pk")


def ticket_get(*, actor, number: str) -> Ticket:
    """One ticket by number; `Ticket.DoesNotExist` when absent or outside the actor's scope.

    Loads what the ticket page shows in a fixed number of queries: the assignments, the quotes, the
    repair report with its parts, and the rating.
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
            "report__technician__user",
            "feedback",
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("technician__user").order_by("assigned_at", "pk"),
            ),
            Prefetch("quotes", queryset=Quote.objects.order_by("created_at", "pk")),
            Prefetch("report__parts", queryset=PartUsed.objects.select_related("spare_part").order_by("pk")),
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
    """Photos of the ticket the actor may see: those on internal notes only for staff."""
    photos = TicketPhoto.objects.filter(ticket=ticket)
    if not sees_internal(actor=actor, ticket=ticket):
        photos = photos.filter(Q(comment__isnull=True) | Q(comment__internal=False))
    return photos.order_by("pk")


def job_list(*, actor, open_jobs: bool = True, limit: int | None = None):
    """The actor's own assignments (a technician's jobs), the next visit first; done ones newest first."""
    jobs = (
        visible_to(Assignment.objects.all(), actor)
        .filter(technician__user=actor)
        .select_related(
            "technician",
            "ticket__merchant__region",
            "ticket__device__model",
            "ticket__device__region",
            "ticket__sla_policy",
        )
    )
    if open_jobs:
        jobs = jobs.active().order_by(F("scheduled_at").asc(nulls_last=True), "ticket__onsite_by", "pk")
    else:
        jobs = jobs.filter(completed_at__isnull=False).order_by("-completed_at", "-pk")
    return jobs[:limit] if limit else jobs


@dataclass(frozen=True)
class Candidate:
    """A technician as the dispatcher weighs them for one ticket."""

    technician: Technician
    in_region: bool
    trained: bool
    open_jobs: int

    @property
    def full(self) -> bool:
        return self.open_jobs >= self.technician.capacity

    @property
    def regions(self):
        return self.technician.regions.all()

    @property
    def models(self):
        return self.technician.device_models.all()


def assignment_candidates(*, actor, ticket: Ticket) -> list[Candidate]:
    """Active technicians for `ticket`, best suited first: trained on the model, serving the region,
    on shift, least loaded. Four queries whatever the number of technicians."""
    technicians = with_open_jobs(
        visible_to(Technician.objects.all(), actor)
        .filter(user__is_active=True)
        .select_related("user")
        .prefetch_related("regions", "device_models")
    )
    device = ticket.device
    region_id = (device.region_id if device else None) or ticket.merchant.region_id
    model_id = device.model_id if device else None
    candidates = [
        Candidate(
            technician=technician,
            in_region=region_id is not None and any(r.pk == region_id for r in technician.regions.all()),
            trained=model_id is not None and any(m.pk == model_id for m in technician.device_models.all()),
            open_jobs=technician.open_jobs,
        )
        for technician in technicians
    ]
    candidates.sort(
        key=lambda c: (
            not c.trained,
            not c.in_region,
            not c.technician.on_shift,
            c.full,
            c.open_jobs / c.technician.capacity,
            str(c.technician),
        )
    )
    return candidates


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
