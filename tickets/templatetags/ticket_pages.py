"""What the ticket pages compute for display: where each SLA milestone stands, parsed event data."""

import datetime
from dataclasses import dataclass

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tickets.models import Status

register = template.Library()

MILESTONES = (
    ("respond", _("Response"), "respond_by", "responded_at"),
    ("onsite", _("Technician on site"), "onsite_by", "onsite_at"),
    ("resolve", _("Repair done"), "resolve_by", "resolved_at"),
)


@dataclass(frozen=True)
class Milestone:
    key: str
    label: str
    due: datetime.datetime
    met_at: datetime.datetime | None
    # "met", "met_late", "paused", "stopped" (ticket cancelled or closed), "overdue" or "running"
    state: str
    now: datetime.datetime

    @property
    def pill(self) -> str:
        return {"met": "ok", "met_late": "bad", "overdue": "bad", "paused": "warn"}.get(self.state, "info")


def milestones(ticket, now: datetime.datetime | None = None) -> list[Milestone]:
    now = now or timezone.now()
    rows = []
    for key, label, due_field, met_field in MILESTONES:
        due, met_at = getattr(ticket, due_field), getattr(ticket, met_field)
        if due is None:
            continue
        if met_at is not None:
            state = "met" if met_at <= due else "met_late"
        elif ticket.status in (Status.CANCELLED, Status.CLOSED):
            state = "stopped"
        elif ticket.status == Status.WAITING_MERCHANT and due > (ticket.paused_at or now):
            state = "paused"
        elif due <= now:
            state = "overdue"
        else:
            state = "running"
        rows.append(Milestone(key=key, label=label, due=due, met_at=met_at, state=state, now=now))
    return rows


@register.simple_tag
def ticket_milestones(ticket, now=None):
    """`{% ticket_milestones ticket as rows %}`: one row per SLA deadline the ticket has."""
    return milestones(ticket, now)


@register.simple_tag
def next_milestone(ticket, now=None):
    """The first deadline still running (or overdue, or paused), for list rows; None when all are met."""
    for row in milestones(ticket, now):
        if row.state in ("running", "overdue", "paused"):
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
    from tickets.models import Channel

    return Channel(value).label if value in Channel.values else value


@register.filter
def star_line(rating):
    """★★★★☆ for 4 of 5."""
    rating = int(rating or 0)
    return "★" * rating + "☆" * (5 - rating)


@register.simple_tag
def ticket_milestones_by_key(ticket, now=None):
    """`{% ticket_milestones_by_key ticket as due %}` then `due.respond`, `due.onsite`, `due.resolve`."""
    return {row.key: row for row in milestones(ticket, now)}


@register.filter
def region_label(region):
    """A region's name in the active language (regions carry a Chinese and an English name)."""
    if region is None:
        return ""
    if (get_language() or "").startswith("en") and region.name_en:
        return region.name_en
    return region.name
