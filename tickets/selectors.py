"""Permission-scoped reads of tickets and their timelines."""

from django.db.models import Prefetch, Q

from accounts.scoping import is_staff_actor, visible_to
from technicians.models import Assignment
from tickets.models import Ticket, TicketEvent, TicketPhoto


def ticket_list(*, actor, status: str = "", search: str = ""):
    """Tickets the actor may see, newest first, with what a list row shows already loaded."""
    tickets = visible_to(Ticket.objects.all(), actor).select_related("merchant", "device__model")
    if status:
        tickets = tickets.filter(status=status)
    if search:
        tickets = tickets.filter(Q(number__icontains=search) | Q(device__serial_number__icontains=search))
    return tickets.order_by("-created_at", "-pk")


def ticket_get(*, actor, number: str) -> Ticket:
    """One ticket by number; `Ticket.DoesNotExist` when absent or outside the actor's scope."""
    return (
        visible_to(Ticket.objects.all(), actor)
        .select_related(
            "merchant__partner", "device__model", "warranty__policy", "sla_policy", "report__technician__user"
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("technician__user").order_by("assigned_at", "pk"),
            )
        )
        .get(number=number)
    )


def sees_internal(*, actor, ticket: Ticket) -> bool:
    """Staff and the technicians on the job read internal notes; merchants and partners never do."""
    if is_staff_actor(actor):
        return True
    return actor.role == "technician" and any(a.technician.user_id == actor.pk for a in ticket.assignments.all())


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
