from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from tickets import selectors
from tickets.models import Ticket


@login_required
def ticket_detail(request, number):
    try:
        ticket = selectors.ticket_get(actor=request.user, number=number)
    except Ticket.DoesNotExist as error:
        raise Http404 from error
    return render(
        request,
        "tickets/ticket_detail.html",
        {"ticket": ticket, "events": selectors.ticket_timeline(actor=request.user, ticket=ticket)},
    )
