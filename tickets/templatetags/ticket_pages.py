"""What the ticket pages compute for display: where each SLA milestone stands, parsed event data,
and the lists' rows and cards, drawn in Python (possystem.markup says why)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from accounts.regions import regions_by_id
from possystem.formats import money
from possystem.markup import choice_label, escaped, label_of
from sla.deadlines import ClockBook
from sla.selectors import State, ticket_sla_status
from technicians.matching import concerns_text
from technicians.models import RepairReport
from tickets.models import Channel, Priority, Ticket, TicketEvent

register = template.Library()


def _per_request(context, attribute: str, make):
    """`make()` once per request, kept on the request for every row of the page."""
    request = context.get("request")
    value = getattr(request, attribute, None)
    if value is None:
        value = make()
        if request is not None:
            setattr(request, attribute, value)
    return value


def _sla_status(context, ticket, now):
    """The SLA state of `ticket` (sla.selectors), sharing one calendar and set of clocks per request."""
    return ticket_sla_status(ticket=ticket, now=now, clocks=_per_request(context, "_sla_clocks", ClockBook))


@register.simple_tag
def due_cell(row):
    """A deadline with its state: the time, a pill and what is left or late (the console draws sixty
    of them a page, the lists one per card)."""
    deadline = timezone.localtime(row.deadline)
    state = escaped(row.state)
    # Safe: every value goes through `escaped`.
    return mark_safe(  # noqa: S308
        f'<span class="due {state}" data-milestone="{escaped(row.milestone)}" data-state="{state}">'
        f'<time datetime="{deadline.isoformat()}">{deadline:%Y-%m-%d %H:%M}</time>\n'
        f'<span class="pill {state}">{escaped(row.state_label)}</span> '
        f'<span class="muted">{escaped(row.detail)}</span></span>'
    )


OUTCOME = RepairReport._meta.get_field("outcome")


def _number_link(ticket: Ticket) -> str:
    """The ticket's number, linking to its page (escaped)."""
    number = escaped(ticket.number)
    return f'<a href="{escaped(reverse("tickets:detail", args=[ticket.number]))}"><strong>{number}</strong></a>'


def _status_pill(ticket: Ticket, language: str | None) -> str:
    return f'<span class="pill {escaped(ticket.status)}">{escaped(label_of(ticket, "status", language))}</span>'


def _service(ticket: Ticket, language: str | None) -> str:
    """ "Repair · Receipt printer": the kind of service, and the fault where there is one (escaped)."""
    service = escaped(label_of(ticket, "kind", language))
    if ticket.fault_category:
        service += f" · {escaped(label_of(ticket, 'fault_category', language))}"
    return service


URGENT = frozenset({Priority.HIGH, Priority.URGENT})
MILESTONE_COLUMNS = ("respond", "onsite", "resolve")


@register.simple_tag(takes_context=True)
def console_row(context, ticket: Ticket):
    """One ticket as a row of the console's table (`tickets/_console_head.html` heads it; the
    dashboard's drill-down lists draw it too), from a queryset through
    `tickets.selectors.with_console_rows`.

    Drawn here rather than in a template: the console draws twenty rows a page, and as an included
    template each cost about a millisecond, most of the page's time (variable lookups, escaping, a
    context per row); the same markup from Python costs a fifth of that."""
    language = get_language()
    due = {row.milestone: row for row in _sla_status(context, ticket, context.get("now")).milestones}
    number = escaped(ticket.number)
    urgent = ""
    if ticket.priority in URGENT:
        urgent = f' <span class="pill bad">{escaped(label_of(ticket, "priority", language))}</span>'
    if ticket.device_id:
        terminal = (
            f'{escaped(ticket.device.serial_number)}<br><small class="muted">{escaped(ticket.device.model)}</small>'
        )
    else:
        terminal = "—"
    service = _service(ticket, language)
    assignment = ticket.console_assignments[0] if ticket.console_assignments else None
    if assignment is None:
        technician = "—"
    elif assignment.accepted_at is None:
        not_accepted = escaped(gettext("not accepted"))
        technician = f'{escaped(assignment.technician)} <small class="muted">({not_accepted})</small>'
    else:
        technician = escaped(assignment.technician)
    by_id = context.get("regions_by_id") or _per_request(context, "_regions_by_id", regions_by_id)
    region = region_label(by_id.get(ticket.region_id))
    deadlines = "\n".join(f"<td>{due_cell(due[key]) if key in due else '—'}</td>" for key in MILESTONE_COLUMNS)
    # Safe: every value goes through `escaped` (terminal, technician and the deadlines were built so).
    return mark_safe(  # noqa: S308
        f'<tr data-number="{number}">\n'
        f"<td>{_number_link(ticket)}"
        f'<br><small class="muted">{timezone.localtime(ticket.created_at):%m-%d %H:%M} · '
        f"{escaped(label_of(ticket, 'channel', language))}</small>{urgent}</td>\n"
        f'<td>{escaped(ticket.merchant)}<br><small class="muted">{escaped(region)}</small></td>\n'
        f"<td>{terminal}<br><small>{service}</small></td>\n"
        f"<td>{_status_pill(ticket, language)}</td>\n"
        f"<td>{technician}</td>\n"
        f"{deadlines}\n</tr>"
    )


@register.simple_tag(takes_context=True)
def ticket_card(context, ticket: Ticket):
    """One ticket as a card of the ticket list (`tickets/ticket_list.html`: a merchant's requests, a
    partner's tickets), from a queryset through `tickets.selectors.ticket_list`; the merchant's name
    for everyone but the merchant. Drawn here for the reason `console_row` is."""
    language = get_language()
    number = escaped(ticket.number)
    service = _service(ticket, language)
    terminal = f"{escaped(ticket.device.serial_number)} · {escaped(ticket.device.model)}" if ticket.device_id else "—"
    merchant = ""
    if context["user"].role != "merchant":
        merchant_label = escaped(gettext("Merchant"))
        merchant = f"<dt>{merchant_label}</dt><dd>{escaped(ticket.merchant)}</dd>\n"
    due = next_milestone(context, ticket, context.get("now"))
    deadline = f"<dt>{escaped(due.label)}</dt><dd>{due_cell(due)}</dd>\n" if due else ""
    # Translated outside the f-string: makemessages does not see a call inside one.
    service_label, terminal_label, filed_label = (escaped(gettext("Service")), escaped(gettext("Terminal")),
                                                  escaped(gettext("Filed")))  # fmt: skip
    # Safe: every value goes through `escaped` (service, terminal, merchant and deadline were built so).
    return mark_safe(  # noqa: S308
        f'<article class="card ticket" data-number="{number}">\n'
        f'<div class="head-row">\n'
        f"{_number_link(ticket)}\n"
        f"{_status_pill(ticket, language)}\n"
        f"</div>\n"
        f'<dl class="kv">\n'
        f"<dt>{service_label}</dt><dd>{service}</dd>\n"
        f"<dt>{terminal_label}</dt><dd>{terminal}</dd>\n"
        f"{merchant}"
        f"<dt>{filed_label}</dt><dd>{timezone.localtime(ticket.created_at):%Y-%m-%d %H:%M}</dd>\n"
        f"{deadline}"
        f"</dl>\n"
        f'<p class="summary">{escaped(Truncator(ticket.description).chars(120))}</p>\n'
        f"</article>"
    )


@register.simple_tag(takes_context=True)
def job_facts(context, job):
    """What a technician's job card (`tickets/jobs.html`) says of the job, above its buttons: the
    ticket, the next deadline, where and whom to see, the terminal and its last repairs. From
    `tickets.selectors.job_list`; drawn here for the reason `console_row` is."""
    language = get_language()
    ticket, device = job.ticket, job.ticket.device
    due = next_milestone(context, ticket, context.get("now"))
    site = device.site_address if device is not None and device.site_address else ticket.merchant.address
    service = _service(ticket, language)
    facts = [
        (gettext("Merchant"), escaped(ticket.merchant)),
        (gettext("Site"), escaped(site or "—")),
        (
            gettext("Contact"),
            f'{escaped(ticket.contact_name)} · <a class="tel" href="tel:{escaped(ticket.contact_phone)}">'
            f"{escaped(ticket.contact_phone)}</a>",
        ),
        (gettext("Terminal"), f"{escaped(device.model)} · {escaped(device.serial_number)}" if device else "—"),
        (gettext("Service"), service),
    ]
    if job.scheduled_at:
        facts.append((gettext("Expected visit"), f"{timezone.localtime(job.scheduled_at):%Y-%m-%d %H:%M}"))
    history = ""
    if device is not None:
        repairs = []
        for past in device.repairs[: context.get("history_length")]:
            line = f"{timezone.localtime(past.resolved_at):%Y-%m-%d} · "
            line += escaped(label_of(past, "fault_category", language) or label_of(past, "kind", language))
            if past.outcome:
                line += f" · {escaped(choice_label(OUTCOME, past.outcome, language))}"
            repairs.append(f"<div>{line}</div>")
        heading, none_yet = escaped(gettext("Repair history")), escaped(gettext("No earlier repairs."))
        history = (
            f'<dt>{heading}</dt>\n<dd data-testid="repair-history">\n'
            + ("\n".join(repairs) or f'<span class="muted">{none_yet}</span>')
            + "\n</dd>\n"
        )
    deadline = (
        f'<p class="job-due"><span class="muted">{escaped(due.label)}</span> {due_cell(due)}</p>\n' if due else ""
    )
    # Safe: every value goes through `escaped` (the facts, the history and the deadline were built so).
    return mark_safe(  # noqa: S308
        f'<div class="head-row">\n'
        f"{_number_link(ticket)}\n"
        f"{_status_pill(ticket, language)}\n"
        f"</div>\n"
        f"{deadline}"
        f'<dl class="kv">\n'
        + "".join(f"<dt>{escaped(label)}</dt><dd>{value}</dd>\n" for label, value in facts)
        + history
        + "</dl>"
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


@register.filter
def display(obj, name: str):
    """`label_of` in a template: `{{ ticket|display:"status" }}`."""
    return label_of(obj, name)


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
