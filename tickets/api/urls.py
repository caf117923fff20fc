from django.urls import path

from tickets.api import views

urlpatterns = [
    path("", views.TicketListCreate.as_view(), name="ticket-list"),
    path("<code:number>/", views.TicketDetail.as_view(), name="ticket-detail"),
    path("<code:number>/comments/", views.TicketComments.as_view(), name="ticket-comments"),
    path("<code:number>/events/", views.TicketEvents.as_view(), name="ticket-events"),
    path("<code:number>/cancel/", views.TicketCancel.as_view(), name="ticket-cancel"),
    path("<code:number>/acknowledge/", views.TicketAcknowledge.as_view(), name="ticket-acknowledge"),
    path("<code:number>/assign/", views.TicketAssign.as_view(), name="ticket-assign"),
    path("<code:number>/check-in/", views.TicketCheckIn.as_view(), name="ticket-check-in"),
    path("<code:number>/resolve/", views.TicketResolve.as_view(), name="ticket-resolve"),
    path("<code:number>/quotes/", views.TicketQuotes.as_view(), name="ticket-quotes"),
    path("<code:number>/quotes/<int:quote_id>/decide/", views.TicketQuoteDecide.as_view(), name="ticket-quote-decide"),
    path("<code:number>/close/", views.TicketClose.as_view(), name="ticket-close"),
    path("<code:number>/loans/", views.TicketLoans.as_view(), name="ticket-loans"),
    path("<code:number>/loans/return/", views.TicketLoanReturn.as_view(), name="ticket-loan-return"),
]
