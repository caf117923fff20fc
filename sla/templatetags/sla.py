from django import template

from sla.selectors import ticket_sla_status

register = template.Library()


@register.simple_tag
def ticket_sla(ticket):
    """{% ticket_sla ticket as sla %}: the ticket's SLA state for `sla/_ticket_sla.html`."""
    return ticket_sla_status(ticket=ticket)
