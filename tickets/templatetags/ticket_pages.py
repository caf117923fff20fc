"""What the ticket pages compute for display: where each SLA milestone stands, parsed event data."""

import functools

from django import template
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import ngettext

from possystem.formats import money
from sla.deadlines import ClockBook
from sla.selectors import State, ticket_sla_status
from technicians.matching import concerns_text
from tickets.models import Channel, TicketEvent

register = template.Library()


def _sla_status(context, ticket, now):
    """The SLA state of `ticket` (sla.selectors), sharing one calendar and set of clocks per request."""
    request = context.get("request")
    clocks = getattr(request, "_sla_clocks", None)
    if clocks is None:
        clocks = ClockBook()
        if request is not None:
            request._sla_clocks = clocks
    return ticket_sla_status(ticket=ticket, now=now, clocks=clocks)


@register.simple_tag
def due_cell(row):
    """A deadline with its state, drawn as `tickets/_due.html` draws it, without a template include
    per cell: the console draws sixty of them a page."""
    deadline = timezone.localtime(row.deadline) if row.deadline else None
    return format_html(
        '<span class="due {state}" data-milestone="{milestone}" data-state="{state}">'
        '<time datetime="{iso}">{text}</time>\n<span class="pill {state}">{label}</span> '
        '<span class="muted">{detail}</span></span>',
        state=row.state,
        milestone=row.milestone,
        iso=dateformat.format(deadline, "c") if deadline else "",
        text=deadline.strftime("%Y-%m-%d %H:%M") if deadline else "",
        label=row.state_label,
        detail=row.detail,
    )


@register.simple_tag(takes_context=True)
def next_milestone(context, ticket, now=None):
    """The first deadline still running (on track, at risk, overdue or paused), for list rows."""
    for row in _sla_status(context, ticket, now).milestones:
        if row.met_at is None and row.state != State.NONE:
            return row
    return None


@register.filter
def iso_datetime(value):
    """An ISO 8601 string stored in event data, as a datetime the `date` filter can show locally."""
    if not value:
        return None
    return parse_datetime(value) if isinstance(value, str) else value


@register.filter
def channel_label(value):
    return Channel(value).label if value in Channel.values else value


@register.filter
def star_line(rating):
    """★★★★☆ for 4 of 5."""
    rating = int(rating or 0)
    return "★" * rating + "☆" * (5 - rating)


@register.simple_tag(takes_context=True)
def ticket_milestones_by_key(context, ticket, now=None):
    """`{% ticket_milestones_by_key ticket as due %}` then `due.respond`, `due.onsite`, `due.resolve`."""
    return {row.milestone: row for row in _sla_status(context, ticket, now).milestones}


@functools.cache
def _labels(field) -> dict:
    return dict(field.flatchoices)


@register.filter
def display(obj, name: str):
    """`obj.get_<name>_display()` for list rows: the field's labels are gathered once per process
    (each get_…_display call builds them again, hashing every lazy label, which translates it: six
    hundred translations for the twenty rows of a console page). The label is translated on output."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    return _labels(field).get(value, value)


@register.filter
def region_label(region):
    """A region's name in the active language (regions carry a Chinese and an English name)."""
    return region.label if region is not None else ""


@register.filter
def yuan(amount):
    """¥1,230.00, however the amount was typed or stored."""
    return "" if amount in (None, "") else money(amount)


@register.filter
def code_groups(code):
    """A confirmation code as it is read out: "482 913"."""
    code = str(code or "")
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code


@register.filter
def distance(metres):
    """850 m, 1.2 km."""
    if metres is None:
        return ""
    metres = int(metres)
    return f"{metres} m" if metres < 1000 else f"{metres / 1000:.1f} km"


# Timeline entries whose message is the technician's name, not words to show.
NAMES_TECHNICIAN = frozenset(
    {
        TicketEvent.Kind.ASSIGNED,
        TicketEvent.Kind.ACCEPTED,
        TicketEvent.Kind.ON_THE_WAY,
        TicketEvent.Kind.VISIT,
        TicketEvent.Kind.VISIT_APPROVED,
        TicketEvent.Kind.VISIT_REJECTED,
    }
)


@register.filter
def names_technician(event) -> bool:
    return event.kind in NAMES_TECHNICIAN


@register.filter
def concerns_label(concerns) -> str:
    """Concern codes stored on an assignment, in the reader's language."""
    return concerns_text(concerns or ())


@register.filter
def span(delta):
    """A duration as people say it: "2 days 3 hours", "3 hours 20 minutes", "5 minutes"."""
    if delta is None:
        return ""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if minutes and not days:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes})
    return " ".join(parts[:2]) or ngettext("%(count)d minute", "%(count)d minutes", 0) % {"count": 0}
