from django.urls import path

from tickets.api import views

urlpatterns = [
    path("", views.TicketListCreate.as_view(), name="ticket-list"),
    path("<str:number>/", views.TicketDetail.as_view(), name="ticket-detail"),
    path("<str:number>/comments/", views.TicketComments.as_view(), name="ticket-comments"),
    path("<str:number>/events/", views.TicketEvents.as_view(), name="ticket-events"),
    path("<str:number>/cancel/", views.TicketCancel.as_view(), name="ticket-cancel"),
    path("<str:number>/acknowledge/", views.TicketAcknowledge.as_view(), name="ticket-acknowledge"),
    path("<str:number>/assign/", views.TicketAssign.as_view(), name="ticket-assign"),
    path("<str:number>/check-in/", views.TicketCheckIn.as_view(), name="ticket-check-in"),
    path("<str:number>/resolve/", views.TicketResolve.as_view(), name="ticket-resolve"),
    path("<str:number>/close/", views.TicketClose.as_view(), name="ticket-close"),
]
