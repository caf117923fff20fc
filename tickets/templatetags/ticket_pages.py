"""What the ticket pages compute for display: where each SLA milestone stands, parsed event data."""

from django import template
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language

from sla.deadlines import ClockBook
from sla.selectors import State, ticket_sla_status
from tickets.models import Channel

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


@register.filter
def region_label(region):
    """A region's name in the active language (regions carry a Chinese and an English name)."""
    if region is None:
        return ""
    if (get_language() or "").startswith("en") and region.name_en:
        return region.name_en
    return region.name
